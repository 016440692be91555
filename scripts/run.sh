#!/usr/bin/env bash
# The README's first command: builds Tessera, creates a key ring on first use, then mints an
# access token with the CLI and verifies it. Extra arguments go to `tessera token mint`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product tessera
tessera="$(swift build --show-bin-path)/tessera"
if [ ! -f data/keys.json ] && [ -z "${TESSERA_KEYS_JWKS:-}" ]; then
  "$tessera" keys generate >/dev/null
fi
token=$("$tessera" token mint --sub "${TESSERA_DEMO_SUBJECT:-alice}" --scope "read write" "$@")
echo "minted: $("$tessera" token decode "$token" 2>/dev/null)"
echo "verify: $("$tessera" token verify "$token")"
echo "The token itself is on the next line; try: $tessera token verify <token>"
echo "$token"
