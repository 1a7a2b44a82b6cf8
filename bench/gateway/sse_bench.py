"""bench/gateway/sse_bench.py — 1,000 open event streams (memory per stream) and
the time from a commit to the poke reaching a subscriber (p50/p99).
Usage: sse_bench.py PORT GATEWAY_PID TOKEN USER SHOP DSN"""
import json
import os
import select
import socket
import sys
import time
import uuid

import psycopg2

port, pid, token, user, shop, dsn = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]


def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def open_stream():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    return s


before = rss_kib()
streams = []
for _ in range(1000):
    streams.append(open_stream())
time.sleep(2)
for s in streams:  # each got its headers: the stream is open
    s.setblocking(False)
opened = 0
for s in streams:
    try:
        if b"200 OK" in s.recv(4096):
            opened += 1
    except BlockingIOError:
        pass
after = rss_kib()
per_stream = (after - before) / 1000

# Poke latency: commit a change directly, time until a subscriber sees the poke.
watcher = streams[0]
conn = psycopg2.connect(dsn)
latencies = []
for i in range(50):
    while True:  # drain
        try:
            if not watcher.recv(65536):
                break
        except BlockingIOError:
            break
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": user, "shop_id": shop}),))
        cur.execute("SET LOCAL ROLE authenticated")
        cur.execute("SELECT api.sync_push(%s::jsonb)", (json.dumps({"device_id": "sse", "events": [
            {"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": str(uuid.uuid4()),
             "op": "create", "base_version": 0, "payload": {"name": "poke"}}]}),))
    start = time.perf_counter()
    conn.commit()
    buffer = b""
    while b"event: poke" not in buffer:
        select.select([watcher], [], [], 2)
        try:
            buffer += watcher.recv(65536)
        except BlockingIOError:
            pass
    latencies.append((time.perf_counter() - start) * 1000)
    time.sleep(0.02)
latencies.sort()
for s in streams:
    s.close()
print(json.dumps({"streams_opened": opened, "rss_before_kib": before, "rss_after_kib": after,
                  "kib_per_stream": round(per_stream, 1), "poke_p50_ms": round(latencies[25], 2),
                  "poke_p99_ms": round(latencies[-1], 2)}))
