#!/usr/bin/env bash
# Runs scripts/load.sh and scripts/bench.sh and exits non-zero when a ratio misses its target
# (issue #13's table). For whoever runs it before a release, on a quiet machine: CI does not,
# because timings on a shared 2-core machine are too noisy for a gate. Both scripts print
# `ratio NAME VALUE (target >= X)` or `(target <= X)` lines; this reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp /tmp/tessera-perf.XXXXXX)
trap 'rm -f "$out"' EXIT
scripts/load.sh | tee -a "$out"
scripts/bench.sh | tee -a "$out"
echo
echo "perf-check"
failed=0
while read -r _ name value _ op target; do
  target=${target%)}
  if python3 -c "import sys; v, t = float('$value'), float('$target'); sys.exit(0 if (v >= t if '$op' == '>=' else v <= t) else 1)"; then
    printf '  ok    %-32s %10s (target %s %s)\n' "$name" "$value" "$op" "$target"
  else
    printf '  MISS  %-32s %10s (target %s %s)\n' "$name" "$value" "$op" "$target"
    failed=1
  fi
done < <(grep -E '^ratio [^ ]+ +[0-9.]+ \(target (>=|<=) [0-9.]+\)$' "$out")
exit "$failed"
