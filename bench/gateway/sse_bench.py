"""bench/gateway/sse_bench.py — 10,000 open event streams (1,000 members of
one shop, 10 streams each, the per-user cap): gateway RSS and thread count
before and after (goal: RSS < 256 MiB, threads = I/O threads + pool + a few,
whatever the stream count), and the poke fan-out from one commit to all
streams: per commit, the time until each stream has its poke; p50/p99 over
all streams and commits, read by fanout_reader (C++, epoll).
Usage: sse_bench.py PORT GATEWAY_PID SHOP DSN [STREAMS]   (JWT_SECRET in the environment)"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid

import psycopg2

port, pid, shop, dsn = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
STREAMS = int(sys.argv[5]) if len(sys.argv) > 5 else 10000
PER_USER = 10
SECRET = os.environ["JWT_SECRET"]
READER = os.environ.get("FANOUT_READER", "build/bench/fanout_reader")


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
# The streams are opened and read by fanout_reader (C++, epoll), in batches
# of 500 — below the gateway's queue of 1,000 calls waiting for the database
# (each stream's admission asks it once); more at once would get 503 by design.
tokens_file = os.path.join(os.environ.get("PGCLUSTER_DIR", "/tmp"), "fanout-tokens.txt")
with open(tokens_file, "w") as f:
    for i in range(STREAMS):
        f.write(token(users[i // PER_USER]) + "\n")
start = time.time()
reader = subprocess.Popen([READER, str(port), tokens_file], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
_, opened, refused = reader.stdout.readline().split()
opened, refused = int(opened), int(refused)
open_seconds = time.time() - start
time.sleep(1)
after_rss, after_threads = proc_status("VmRSS"), proc_status("Threads")

# Fan-out: commit one change; the reader times each stream's poke from the commit.
latencies, complete = [], 0
for round_ in range(5):
    reader.stdin.write("arm\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "armed"
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": users[0], "shop_id": shop}),))
        cur.execute("SET LOCAL ROLE authenticated")
        cur.execute("SELECT api.sync_push(%s::jsonb)", (json.dumps({"device_id": "fanout", "events": [
            {"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": str(uuid.uuid4()),
             "op": "create", "base_version": 0, "payload": {"name": "poke"}}]}),))
    t0 = time.monotonic_ns()
    conn.commit()
    reader.stdin.write(f"t0 {t0}\n")
    reader.stdin.flush()
    done = reader.stdout.readline().split()
    complete += int(done[1])
    latencies += [float(x) for x in done[2:]]
    time.sleep(0.5)
reader.stdin.close()
reader.wait()
latencies.sort()
pct = lambda p: round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1) if latencies else None
print(json.dumps({"streams_opened": opened, "streams_refused": refused, "open_seconds": round(open_seconds, 1),
                  "rss_before_kib": before_rss, "rss_after_kib": after_rss,
                  "kib_per_stream": round((after_rss - before_rss) / max(opened, 1), 2),
                  "threads_before": before_threads, "threads_after": after_threads,
                  "pokes_delivered": complete, "pokes_expected": 5 * STREAMS,
                  "fanout_p50_ms": pct(0.5), "fanout_p99_ms": pct(0.99)}))
