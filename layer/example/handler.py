"""Example function for the Pulse layer.

Pulse measures every invocation by itself; the function only needs the layer. It may also send its
own metrics over DogStatsD (UDP 127.0.0.1:8125), which Pulse attaches to the current invocation.
"""
import json
import socket
import time

_statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def handler(event, context):
    started = time.monotonic()
    items = event.get("items", [])
    total = sum(int(i) for i in items)
    # A custom metric: a distribution of batch sizes, tagged by source.
    _statsd.sendto(f"example.batch_size:{len(items)}|d|#source:example".encode(), ("127.0.0.1", 8125))
    _statsd.sendto(f"example.work_ms:{(time.monotonic() - started) * 1000:.3f}|ms".encode(), ("127.0.0.1", 8125))
    return {"statusCode": 200, "body": json.dumps({"total": total})}
