#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what it needs, builds once, runs the Swift
# tests (known-answer vectors from Tests/Vectors, attack and property tests), then the
# interop checks against PyJWT and passlib through the real `tessera` binary. A throwaway
# PostgreSQL server (scripts/postgres.sh) runs for the store contract suite and is removed after.
# TESSERA_SLOW_VECTORS=1 adds the ~1 GiB scrypt and 2^24-round PBKDF2 vectors.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --venv

# Every real component this script promises (PostgreSQL, nginx, the crash worker) must be
# there: the suites fail instead of skipping when one is missing.
export TESSERA_REQUIRE_ALL=1

echo "== build"
swift build --build-tests

echo "== PostgreSQL"
source scripts/postgres.sh
postgres_start

echo "== swift tests (the store contract suite runs on SQLite and on this PostgreSQL)"
swift test --skip-build

echo "== interop: PyJWT, passlib, CLI"
TESSERA_BIN="$(swift build --show-bin-path)/tessera" .venv/bin/python -m pytest -q -rs -p no:cacheprovider Tests/interop
