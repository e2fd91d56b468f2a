#!/usr/bin/env bash
# make demo: the test function with the Pulse layer (dist/pulse-x86_64.zip) in the emulator, a handful of
# invocations, then SHUTDOWN. Prints the metrics Pulse emitted per invocation as a table, then the raw EMF lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
for f in dist/lambda-emulator dist/pulse-x86_64.zip dist/test-function/bootstrap; do
  [ -e "$f" ] || { echo "demo: $f is missing (run 'make build')"; exit 1; }
done
command -v jq >/dev/null || { echo "demo: jq is required (apt-get install jq)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LISTEN=$(free_port); API=$(free_port); TEL=$(free_port); STATSD=$(free_port)
work=$(mktemp -d); trap 'kill $emu 2>/dev/null || true; rm -rf "$work"' EXIT
out=$work/emulator.out

echo "== emulator: function 'demo' (256 MB, 5 s timeout) with the Pulse layer; invoke endpoint 127.0.0.1:$LISTEN"
AWS_LAMBDA_FUNCTION_NAME=demo AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 AWS_LAMBDA_FUNCTION_TIMEOUT=5 AWS_REGION=eu-west-1 \
PULSE_TELEMETRY_PORT=$TEL PULSE_DOGSTATSD_PORT=$STATSD \
  dist/lambda-emulator --listen 127.0.0.1:$LISTEN --runtime-api 127.0.0.1:$API \
    --layer dist/pulse-x86_64.zip --record "$work/record.jsonl" dist/test-function/bootstrap >"$out" 2>&1 &
emu=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$LISTEN/" 2>/dev/null && break; sleep 0.1; done

invoke() {
  local label=$1 payload=$2
  local code; code=$(curl -s -o "$work/resp" -w '%{http_code}' -D "$work/hdr" --max-time 20 \
    -X POST "http://127.0.0.1:$LISTEN/2015-03-31/functions/function/invocations" -d "$payload")
  printf '  %-34s HTTP %s %s%s\n' "$label" "$code" "$(grep -i '^x-amz-function-error' "$work/hdr" | tr -d '\r' | sed 's/^/[/;s/$/] /')" "$(head -c 80 "$work/resp")"
}
echo "== invocations"
invoke "cold start, 20 ms of work"      '{"sleepMs":20}'
invoke "warm, 50 ms, 2 KB response"     '{"sleepMs":50,"responseBytes":2048}'
invoke "warm, custom metric (DogStatsD)" "{\"statsd\":[\"demo.orders:3|c|#shop:berlin\"],\"statsdPort\":$STATSD}"
invoke "warm, allocates 64 MB"          '{"allocateMb":64}'
invoke "warm, function error"           '{"error":"payment declined","errorType":"Function.PaymentDeclined"}'
invoke "warm, 5 ms"                     '{"sleepMs":5}'
echo "== SIGTERM → SHUTDOWN (spindown); Pulse flushes what it still holds"
kill -TERM $emu; wait $emu || true

emf=$work/emf.jsonl
grep -E '^\{"_aws"' "$out" > "$emf" || { echo "demo: Pulse wrote no EMF line; emulator output:"; cat "$out"; exit 1; }
echo
echo "== metrics per invocation (from Pulse's EMF lines; durations in ms, memory in MB)"
jq -rs '
  def v(k): (.[k] // "-") | if type == "number" then (. * 1000 | round / 1000 | tostring) elif type == "array" then (map(tostring) | join("+")) else tostring end;
  (["request", "cold", "duration", "billed", "runtime", "post_rt", "init", "max_mem", "errors", "oom", "cost_usd"] | @tsv),
  (.[] | select(.requestId != null and .invocations != null) |
    [(.requestId[0:8]), v("cold_start"), v("duration"), v("billed_duration"), v("runtime_duration"),
     v("post_runtime_duration"), v("init_duration"), v("max_memory_used"), v("errors"), v("out_of_memory"), ((.estimated_cost // "-") | tostring)] | @tsv)
' "$emf" | column -t -s $'\t'
echo
echo "== other lines (custom metrics, shutdown)"
jq -rc 'select(.invocations == null) | del(._aws)' "$emf" | cut -c1-200
echo
echo "== raw EMF lines"
cat "$emf"
