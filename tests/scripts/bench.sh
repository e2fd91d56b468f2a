#!/usr/bin/env bash
# make bench [QUICK=1] → tests/scripts/bench.sh [--quick]
# Prepares the baselines the benchmark compares Pulse with — the floor extension (AOT), the same
# Pulse code framework-dependent (JIT, behind a wrapper script named "pulse") and the exec-stamp
# launcher — then builds and runs the harness (tests/Benchmarks). It prints the table and writes
# dist/bench/results.json, dist/bench/table.txt and one PNG per figure.
# `make build` has run before (the Makefile target depends on it): the emulator, the test function
# and the AOT layer come from there; whatever is missing is reported "n/a (missing: ...)".
# Environment: BENCH_OUT=DIR (default dist/bench), BENCH_ONLY=cold_start,warm,size,micro,
# BENCH_PUBLISH=1 (full run: refresh tests/Benchmarks/RESULTS.md and its charts),
# BENCH_PULSE_ENV="K=V;K2=V2" (extra environment for every Pulse variant, for experiments).
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf '[bench] %s\n' "$*"; }

quick=()
label="make bench"
if [ "${1:-}" = "--quick" ]; then quick=(--quick); label="make bench QUICK=1"; fi
out=${BENCH_OUT:-dist/bench}
mkdir -p "$out" dist/bench/tools

# True when $1 is missing or older than any file under the other arguments.
stale() {
  local target=$1; shift
  [ -e "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit 2>/dev/null)" ]
}

# 1. The launcher that stamps the instant of exec (CLOCK_MONOTONIC) before exec'ing an extension.
launcher=dist/bench/tools/exec-stamp
if stale "$launcher" tests/Benchmarks/launcher; then
  if command -v cc >/dev/null; then
    say "compiling $launcher"
    cc -O2 -Wall -Wextra -Werror -o "$launcher" tests/Benchmarks/launcher/exec-stamp.c
  else
    say "no C compiler (cc): cold-start and warm figures will be n/a"
  fi
fi

# 2. The floor: an AOT extension that registers and calls /next, nothing else.
if stale dist/bench/floor/floor tests/FloorExtension; then
  say "publishing the floor extension (AOT) to dist/bench/floor"
  rm -rf dist/bench/floor
  dotnet publish tests/FloorExtension/FloorExtension.csproj -c Release -r linux-x64 -o dist/bench/floor --nologo -v quiet \
    >dist/bench/floor-publish.log 2>&1 || { tail -n 30 dist/bench/floor-publish.log >&2; say "floor publish failed"; exit 1; }
fi

# 3. Pulse JIT: the same code, framework-dependent, run by `dotnet pulse.dll` behind a script named
#    pulse (Lambda takes the extension's name from its file name).
jit=dist/bench/pulse-jit
if stale "$jit/pulse" extension; then
  say "publishing Pulse framework-dependent (JIT baseline) to $jit"
  rm -rf "$jit"
  if dotnet publish extension/Pulse.csproj -c Release -p:PublishAot=false -p:SelfContained=false -o "$jit/app" --nologo -v quiet \
       >dist/bench/pulse-jit-publish.log 2>&1; then
    dotnet_host=$(readlink -f "$(command -v dotnet)")
    printf '#!/bin/sh\n# Pulse run JIT: the baseline of the benchmarks.\nexec "%s" "%s" "$@"\n' \
      "$dotnet_host" "$(pwd)/$jit/app/pulse.dll" >"$jit/pulse"
    chmod 0755 "$jit/pulse"
  else
    tail -n 30 dist/bench/pulse-jit-publish.log >&2
    say "Pulse JIT publish failed: its figures will be n/a"
  fi
fi

# 4. Charts need gnuplot; a full run installs it when it can (tests/scripts/ensure-tools.sh does in CI).
if ! command -v gnuplot >/dev/null && [ ${#quick[@]} -eq 0 ] && [ "$(id -u)" = 0 ]; then
  say "installing gnuplot-nox for the charts"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1 \
    || say "could not install gnuplot-nox: no charts"
fi

# 5. The harness (JIT, Release: BenchmarkDotNet refuses unoptimized code).
say "building the harness (tests/Benchmarks)"
dotnet build tests/Benchmarks/Benchmarks.csproj -c Release --nologo -v quiet >dist/bench/harness-build.log 2>&1 \
  || { tail -n 30 dist/bench/harness-build.log >&2; say "harness build failed"; exit 1; }

extra=()
[ -n "${BENCH_ONLY:-}" ] && extra+=(--only "$BENCH_ONLY")
# BENCH_PUBLISH=1 on a full run: also refresh tests/Benchmarks/RESULTS.md and tests/Benchmarks/charts/.
[ "${BENCH_PUBLISH:-0}" = 1 ] && [ ${#quick[@]} -eq 0 ] && extra+=(--publish tests/Benchmarks)
exec dotnet tests/Benchmarks/bin/Release/net10.0/Benchmarks.dll "${quick[@]}" "${extra[@]}" --out "$out" --command "$label"
