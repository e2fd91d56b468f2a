#!/usr/bin/env python3
"""Quick measurement of the AOT pulse binary against a fake Lambda Extensions/Telemetry API (not a test).

Usage: python3 measure_extension.py dist/publish/x86_64/pulse [INVOKES=3] [default|end|periodic,<ms>]
Prints one JSON line: exec -> /register and exec -> first /next as seen by the fake (Popen included), the
time from each INVOKE answer to the extension's next /next (what Pulse adds after the runtime, p50/p99),
CPU per invoke (utime+stime, 10 ms ticks), peak RSS (VmHWM, read just before SHUTDOWN), SHUTDOWN -> exit,
and the EMF line count. The fake posts start/runtimeDone ~1 ms after each INVOKE and the REPORT of N at
the /next of N+1, without the platform's 25 ms buffering."""
import http.server, json, socket, subprocess, sys, threading, time, os, urllib.request, uuid

BIN = sys.argv[1]; INVOKES = int(sys.argv[2]) if len(sys.argv) > 2 else 3; MODE = sys.argv[3] if len(sys.argv) > 3 else "default"
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
api_port, tel_port, statsd_port = free_port(), free_port(), 0
marks = {}; state = {"n": 0, "tel": None}; lock = threading.Lock(); t_exec = [0.0]
ids = [str(uuid.uuid4()) for _ in range(INVOKES)]
def iso(t): return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
import http.client
tel_lock = threading.Lock(); tel_conn = [None]
def post_tel(events):
    # One kept-alive connection, one batch at a time (as the platform's per-subscriber delivery).
    with tel_lock:
        if tel_conn[0] is None: tel_conn[0] = http.client.HTTPConnection("127.0.0.1", state["tel"], timeout=10)
        body = json.dumps(events).encode()
        tel_conn[0].request("POST", "/", body=body, headers={"Content-Type": "application/json", "Host": f"sandbox.localdomain:{state['tel']}"})
        tel_conn[0].getresponse().read()
def cpu():
    f = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def reply(self, code, body, headers=None):
        b = body.encode(); self.send_response(code)
        for k, v in (headers or {}).items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0)); self.rfile.read(n)
        marks.setdefault("register", time.perf_counter())
        self.reply(200, json.dumps({"functionName": "fn", "functionVersion": "$LATEST", "handler": "h", "accountId": "123456789012"}),
                   {"Lambda-Extension-Identifier": "8f4a3c2e-1b2d-4e5f-9a8b-7c6d5e4f3a2b"})
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", 0)); body = json.loads(self.rfile.read(n))
        state["tel"] = int(body["destination"]["URI"].rsplit(":", 1)[1].strip("/"))
        marks.setdefault("subscribe", time.perf_counter()); self.reply(200, '"OK"')
    def do_GET(self):
        now = time.perf_counter()
        with lock:
            i = state["n"]; state["n"] += 1
        if i == 1: marks["cpu_first"] = cpu()
        if i == 0: marks["next"] = now
        else: marks.setdefault("nexts", []).append(now - marks["invoke_sent"][i - 1])
        t = time.time()
        if 1 <= i <= INVOKES:
            # REPORT of the previous invocation arrives once every extension called /next again.
            threading.Thread(target=post_tel, args=([{"time": iso(t), "type": "platform.report", "record": {"requestId": ids[i - 1], "status": "success",
                             "metrics": {"durationMs": 5.3, "billedDurationMs": 6, "memorySizeMB": 128, "maxMemoryUsedMB": 30}}}],)).start()
        if i < INVOKES:
            marks.setdefault("invoke_sent", []).append(time.perf_counter())
            rid = ids[i]
            # The runtime finishes ~1 ms later; its start and runtimeDone follow (no 25 ms buffering here).
            threading.Timer(0.001, post_tel, args=([{"time": iso(t), "type": "platform.start", "record": {"requestId": rid}},
                {"time": iso(t), "type": "platform.runtimeDone", "record": {"requestId": rid, "status": "success", "metrics": {"durationMs": 5.0, "producedBytes": 10}}}],)).start()
            self.reply(200, json.dumps({"eventType": "INVOKE", "requestId": ids[i], "deadlineMs": int((t + 30) * 1000),
                                        "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn"}))
        else:
            marks["cpu_last"] = cpu()
            try: marks["rss_kb"] = int([l for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmHWM")][0].split()[1])
            except Exception: pass
            marks["shutdown_sent"] = time.perf_counter()
            self.reply(200, json.dumps({"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": int((t + 2) * 1000)}))
srv = http.server.ThreadingHTTPServer(("127.0.0.1", api_port), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api_port}", PULSE_TELEMETRY_PORT=str(tel_port), PULSE_DOGSTATSD_PORT="0",
           AWS_LAMBDA_FUNCTION_NAME="fn", AWS_REGION="us-east-1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", PULSE_FLUSH=MODE)
start = time.perf_counter()
proc = subprocess.Popen([BIN], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
out, err = proc.communicate(timeout=60)
end = time.perf_counter()
lines = [l for l in out.decode().splitlines() if l.strip()]
nexts = sorted(marks.get("nexts", []))
print(json.dumps({"register_ms": round((marks["register"] - start) * 1000, 2), "first_next_ms": round((marks["next"] - start) * 1000, 2),
    "exit_code": proc.returncode, "shutdown_to_exit_ms": round((end - marks["shutdown_sent"]) * 1000, 1), "peak_rss_kb": marks.get("rss_kb"),
    "emf_lines": len(lines), "cpu_us_per_invoke": round((marks["cpu_last"] - marks["cpu_first"]) / max(1, INVOKES - 1) * 1e6, 1) if "cpu_first" in marks else None, "invoke_to_next_p50_ms": round(nexts[len(nexts)//2]*1000, 3) if nexts else None,
    "invoke_to_next_p99_ms": round(nexts[int(len(nexts)*0.99)]*1000, 3) if nexts else None, "stderr": err.decode()[-300:]}))
