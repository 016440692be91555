#!/usr/bin/env bash
# Fails on any swift-format finding (configuration: .swift-format). Fix with:
#   swift format format -i -r Sources Tests Examples Benchmarks/Sources Fuzz/Sources Package.swift Benchmarks/Package.swift Fuzz/Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel --configuration .swift-format \
  Sources Tests Examples Benchmarks/Sources Fuzz/Sources Package.swift Benchmarks/Package.swift Fuzz/Package.swift
echo "lint: clean"
