"""bench/gateway/sse_bench.py — 10,000 open event streams (1,000 members of
one shop, 10 streams each, the per-user cap): gateway RSS and thread count
before and after (goal: RSS < 256 MiB, threads = I/O threads + pool + a few,
whatever the stream count), and the poke fan-out from one commit to all
streams: per commit, the time until each stream has its poke; p50/p99 over
all streams and commits (the Python reader's own time is included).
Usage: sse_bench.py PORT GATEWAY_PID SHOP DSN [STREAMS]   (JWT_SECRET in the environment)"""
import base64
import hashlib
import hmac
import json
import os
import selectors
import socket
import sys
import time
import uuid

import psycopg2

port, pid, shop, dsn = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
STREAMS = int(sys.argv[5]) if len(sys.argv) > 5 else 10000
PER_USER = 10
SECRET = os.environ["JWT_SECRET"]


def proc_status(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])


def b64(d):
    return base64.urlsafe_b64encode(d).rstrip(b"=").decode()


def token(user):
    h = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    p = b64(json.dumps({"sub": user, "shop_id": shop, "role": "authenticated", "aud": "authenticated",
                        "exp": int(time.time()) + 3600}).encode())
    return f"{h}.{p}." + b64(hmac.new(SECRET.encode(), f"{h}.{p}".encode(), hashlib.sha256).digest())


conn = psycopg2.connect(dsn)
users = [str(uuid.uuid4()) for _ in range(STREAMS // PER_USER)]
with conn.cursor() as cur:
    cur.execute("INSERT INTO shopsync.shop_members SELECT %s, u::uuid, 'staff' FROM unnest(%s::text[]) u", (shop, users))
conn.commit()

before_rss, before_threads = proc_status("VmRSS"), proc_status("Threads")
selector = selectors.DefaultSelector()
streams = []
opened, refused = 0, 0
start = time.time()
# In batches of 500, below the gateway's queue of 1,000 calls waiting for the
# database (each stream's admission asks it once): more at once would be
# refused with 503 + Retry-After by design.
for first in range(0, STREAMS, 500):
    batch = {}
    for i in range(first, min(STREAMS, first + 500)):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token(users[i // PER_USER])}\r\n\r\n".encode())
        s.setblocking(False)
        streams.append(s)
        selector.register(s, selectors.EVENT_READ, i)
        batch[i] = b""
    deadline = time.time() + 60
    while batch and time.time() < deadline:
        for key, _ in selector.select(1):
            i = key.data
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                continue
            if i in batch:
                batch[i] += data
                if len(batch[i]) >= 12:
                    opened += batch[i].startswith(b"HTTP/1.1 200")
                    refused += not batch[i].startswith(b"HTTP/1.1 200")
                    del batch[i]
open_seconds = time.time() - start
time.sleep(1)
after_rss, after_threads = proc_status("VmRSS"), proc_status("Threads")

# Fan-out: commit one change; time until every stream has seen its poke.
latencies, complete = [], 0
for round_ in range(5):
    for s in streams:  # drain
        try:
            while s.recv(65536):
                pass
        except (BlockingIOError, ConnectionResetError):
            pass
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": users[0], "shop_id": shop}),))
        cur.execute("SET LOCAL ROLE authenticated")
        cur.execute("SELECT api.sync_push(%s::jsonb)", (json.dumps({"device_id": "fanout", "events": [
            {"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": str(uuid.uuid4()),
             "op": "create", "base_version": 0, "payload": {"name": "poke"}}]}),))
    t0 = time.perf_counter()
    conn.commit()
    waiting = set(range(STREAMS))
    buffers = {}
    deadline = time.time() + 10
    while waiting and time.time() < deadline:
        for key, _ in selector.select(1):
            i = key.data
            if i not in waiting:
                try:
                    key.fileobj.recv(65536)
                except (BlockingIOError, ConnectionResetError):
                    pass
                continue
            try:
                buffers[i] = buffers.get(i, b"") + key.fileobj.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                continue
            if b"event: poke" in buffers[i]:
                waiting.discard(i)
                latencies.append((time.perf_counter() - t0) * 1000)
    complete += STREAMS - len(waiting)
    time.sleep(0.5)
latencies.sort()
for s in streams:
    s.close()
pct = lambda p: round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1) if latencies else None
print(json.dumps({"streams_opened": opened, "streams_refused": refused, "open_seconds": round(open_seconds, 1),
                  "rss_before_kib": before_rss, "rss_after_kib": after_rss,
                  "kib_per_stream": round((after_rss - before_rss) / max(opened, 1), 2),
                  "threads_before": before_threads, "threads_after": after_threads,
                  "pokes_delivered": complete, "pokes_expected": 5 * STREAMS,
                  "fanout_p50_ms": pct(0.5), "fanout_p99_ms": pct(0.99)}))
