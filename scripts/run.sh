#!/usr/bin/env bash
# The README's first command: builds Tessera and runs the service on its embedded defaults —
# http://127.0.0.1:8080, SQLite in data/tessera.db, the key ring in data/keys.json (both created
# on first start). Extra arguments go to `tessera serve` (e.g. --port 9000). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product tessera
exec "$(swift build --show-bin-path)/tessera" serve "$@"
