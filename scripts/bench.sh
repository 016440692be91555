#!/usr/bin/env bash
# Builds the Benchmarks package in release mode and prints each median beside its peer, with the
# ratio (Tessera / peer; below 1 means Tessera is faster). Takes a few minutes the first time
# (jwt-kit and swift-crypto build too).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd Benchmarks
swift build -c release --product TesseraBench
"$(swift build -c release --show-bin-path)/TesseraBench"
