#!/usr/bin/env bash
# Counts test outcomes in the TRX files of one run and prints the closing line:
#   N passed, N failed[, N skipped]
# Exits 1 when anything failed or when no result file exists (a build that broke runs no test).
#   tests/scripts/summarize-trx.sh DIR [expected-trx-count]
set -uo pipefail
dir=${1:?usage: summarize-trx.sh DIR [expected-count]}
expected=${2:-0}
shopt -s nullglob
files=("$dir"/*.trx)
passed=0 failed=0 skipped=0
for f in "${files[@]}"; do
  p=$(grep -o 'outcome="Passed"' "$f" | wc -l)
  x=$(grep -o 'outcome="Failed"' "$f" | wc -l)
  s=$(grep -o 'outcome="NotExecuted"' "$f" | wc -l)
  # Only UnitTestResult elements carry these outcomes; the ResultSummary outcome is a single word like "Completed".
  passed=$((passed + p)); failed=$((failed + x)); skipped=$((skipped + s))
done
missing=$(( expected > ${#files[@]} ? expected - ${#files[@]} : 0 ))
failed=$((failed + missing))   # a test project that produced no results counts as one failure
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
[ "$missing" -gt 0 ] && echo "($missing test project(s) produced no results: build or crash)"
echo "$line"
[ "$failed" -eq 0 ] && [ "${#files[@]}" -gt 0 ]
