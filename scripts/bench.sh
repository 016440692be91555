#!/usr/bin/env bash
# Builds the Benchmarks package in release mode and prints each figure beside its peer from the
# same run, with the ratio: JWT sign/verify beside vapor/jwt-kit and password hashing beside
# OpenSSL's own KDF calls (TesseraBench); token-service rates beside each store's raw UPDATE
# rate, logins beside raw scrypt, and cross-instance revocation delay (StoreBench, on SQLite and
# a throwaway PostgreSQL). Takes a few minutes the first time (the peers build too).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/postgres.sh
postgres_start
cd Benchmarks
swift build -c release --product TesseraBench
swift build -c release --product StoreBench
bin="$(swift build -c release --show-bin-path)"
echo "== JWT and password hashing"
"$bin/TesseraBench"
echo
echo "== Token service and stores"
"$bin/StoreBench" "$TESSERA_TEST_POSTGRES_URL"
