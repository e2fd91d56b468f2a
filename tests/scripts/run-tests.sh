#!/usr/bin/env bash
# The one test command (make test): builds what the tests exercise, runs every tests/*/*.Tests
# project one after another with TRX results, and ends with "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/../.."
results=dist/test-results
rm -rf "$results"; mkdir -p "$results"

echo "[test] building the artifacts the tests use (make build)"
if ! make --no-print-directory build; then
  echo "[test] build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

mapfile -t projects < <(ls tests/*/*.Tests.csproj | sort)
# Optional filter for local runs: TESTS="Layer Pulse" make test
if [ -n "${TESTS:-}" ]; then
  mapfile -t projects < <(for p in "${projects[@]}"; do for t in $TESTS; do [[ $p == tests/$t.Tests/* ]] && echo "$p"; done; done)
fi
status=0
for proj in "${projects[@]}"; do
  name=$(basename "$proj" .csproj)
  echo "[test] $name"
  # Projects run one at a time: several suites start sandboxes and time things, and the machine has 2 cores.
  if ! timeout --kill-after=30 "${TEST_PROJECT_TIMEOUT:-900}" dotnet test "$proj" -c Release --nologo \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
        --logger "console;verbosity=normal" ; then
    status=1
    echo "[test] $name: FAILED (see $results/$name.trx)"
  fi
  # Result files name paths relative to the project, not this machine's checkout.
  [ -f "$results/$name.trx" ] && sed -i "s#$PWD/#./#g; s#$PWD#.#g" "$results/$name.trx"
done
tests/scripts/summarize-trx.sh "$results" "${#projects[@]}" || status=1
exit $status
