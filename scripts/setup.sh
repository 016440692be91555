#!/usr/bin/env bash
# Installs what building Tessera needs on a fresh Debian machine with Swift: OpenSSL headers and
# pkg-config (apt). With --venv, also a Python venv (.venv) with the interop test clients.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs the Debian packages named that are not installed yet.
ensure_packages() {
  local need=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

ensure_packages libssl-dev pkg-config

[ "${1:-}" = "--venv" ] || exit 0

# The test suite's real clients and peers: curl, nginx (auth_request), Caddy (the TLS proxy in
# front) and headless Chromium with its WebDriver (the browser behind it).
ensure_packages curl nginx-light caddy chromium chromium-driver

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import jwt, joserfc, passlib, pytest, authlib, requests, schemathesis, selenium, flask, oic' 2>/dev/null; then
  echo "setup: creating .venv with the interop clients"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r Tests/interop/requirements.txt
fi
