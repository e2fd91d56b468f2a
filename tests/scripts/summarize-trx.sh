#!/usr/bin/env bash
# Counts test outcomes in the TRX files of one run and prints the closing line:
#   N passed, N failed[, N skipped]
# Every failed test is listed just above it (name and the first lines of its message), so the few
# lines CI shows of a run are enough to see what broke.
# Exits 1 when anything failed or when no result file exists (a build that broke runs no test).
#   tests/scripts/summarize-trx.sh DIR [expected-trx-count]
set -uo pipefail
dir=${1:?usage: summarize-trx.sh DIR [expected-count]}
expected=${2:-0}
exec python3 - "$dir" "$expected" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET

directory, expected = sys.argv[1], int(sys.argv[2])
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
files = sorted(glob.glob(os.path.join(directory, "*.trx")))
passed = failed = skipped = 0
failures = []
for path in files:
    suite = os.path.basename(path)[:-4]
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        failures.append((suite, f"unreadable result file: {e}"))
        failed += 1
        continue
    for r in root.iter(ns + "UnitTestResult"):
        outcome = r.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
        else:  # Failed, Error, Timeout, Aborted: anything that is not a pass or a skip is a failure
            failed += 1
            message = r.findtext(f"{ns}Output/{ns}ErrorInfo/{ns}Message") or outcome or "?"
            lines = [l.strip() for l in message.strip().splitlines() if l.strip()]
            failures.append((r.get("testName", "?"), " | ".join(lines[:3])[:400]))

missing = max(0, expected - len(files))
failed += missing  # a test project that produced no results counts as one failure
if missing:
    print(f"({missing} test project(s) produced no results: build or crash)")
for name, message in failures:
    print(f"FAILED {name}: {message}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(0 if failed == 0 and files else 1)
PY
