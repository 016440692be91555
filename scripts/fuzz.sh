#!/usr/bin/env bash
# Fuzzes Tessera's parsers with libFuzzer: builds the targets of Fuzz/ with AddressSanitizer on
# their own scratch path (.build-fuzz), then runs each for SECONDS (default 30) from its seed
# corpus (Fuzz/Seeds, taken from the test vectors and tests; the corpus grows in
# .build-fuzz/corpus). A crash, a sanitizer report, a failed precondition, a timeout (10 s per
# input) or running out of memory fails the run; the input that did it is kept in
# .build-fuzz/crashes/TARGET/ and can be replayed with `.build-fuzz/debug/TARGET FILE`.
# Prints executions and coverage per target.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: FuzzJWT FuzzJSON FuzzForms FuzzRequestHead
# TESSERA_FUZZ_SCRATCH names another scratch path (to fuzz two checkouts side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
# libFuzzer and AddressSanitizer report crashes themselves; Swift's backtracer would only
# interleave its own output with theirs.
export SWIFT_BACKTRACE=enable=no

seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzJWT FuzzJSON FuzzForms FuzzRequestHead)
scratch=${TESSERA_FUZZ_SCRATCH:-.build-fuzz}
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)

echo "== fuzz: building ${targets[*]} (libFuzzer + AddressSanitizer, $scratch)"
build_log="$scratch/build.log"
mkdir -p "$scratch"
if ! "${build[@]}" > "$build_log" 2>&1; then
  grep -E "error" "$build_log" | head -20 || tail -20 "$build_log"
  exit 1
fi
grep -E "Compiling Fuzz|Build complete" "$build_log" || true
bin=$("${build[@]}" --show-bin-path)

failed=0
for target in "${targets[@]}"; do
  corpus="$scratch/corpus/$target"
  crashes="$scratch/crashes/$target"
  mkdir -p "$corpus" "$crashes"
  cp -n Fuzz/Seeds/"$target"/* "$corpus"/ 2>/dev/null || true  # seeds already there stay
  log="$scratch/$target.log"
  if "$bin/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$crashes/" > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$line")
    printf '%-16s %10s runs in %ss (%s/s), coverage: %s edges, %s features, corpus %s inputs\n' \
      "$target" "$runs" "$seconds" "$rate" "$cov" "$ft" "$corp"
  else
    echo "$target FAILED: the input is in $crashes/"
    { grep -E -A25 'ERROR|Fatal error|Precondition failed|deadly signal|timeout|out-of-memory' "$log" || tail -40 "$log"; } | head -60 || true
    failed=1
  fi
done
exit $failed
