#!/usr/bin/env bash
# bench/gateway/run.sh — the gateway against direct libpq (same calls, same
# connections, one run), 10,000 event streams (RSS, threads) and the poke
# fan-out from one commit to all of them (p50/p99).
# Writes bench/results/gateway.json (with a Markdown table for latest.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
mkdir -p build/bench bench/results
g++ -std=c++17 -O2 -I"$(pg_config --includedir)" -o build/bench/direct_bench bench/gateway/direct_bench.cpp -lpq -pthread
g++ -std=c++17 -O2 -o build/bench/fanout_reader bench/gateway/fanout_reader.cpp
source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
psql -X -q -c "ALTER SYSTEM SET max_connections = 1200" && pgcluster_restart

export JWT_SECRET="bench-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Eight shops, each with an owner and a token.
MEMBERS=() TOKENS=()
for i in $(seq 8); do
    user=$(python3 -c 'import uuid; print(uuid.uuid4())')
    shop=$(psql -X -At -q -c "INSERT INTO shopsync.shops (name) VALUES ('bench $i') RETURNING id")
    psql -X -q -c "INSERT INTO shopsync.shop_members VALUES ('$shop', '$user', 'owner')"
    MEMBERS+=("$user" "$shop")
    TOKENS+=("$(python3 - "$user" "$shop" <<'PY'
import base64, hashlib, hmac, json, os, sys, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps({"sub": sys.argv[1], "shop_id": sys.argv[2], "role": "authenticated", "aud": "authenticated",
                  "exp": int(time.time()) + 3600}).encode())
print(f"{h}.{p}." + b(hmac.new(os.environ["JWT_SECRET"].encode(), f"{h}.{p}".encode(), hashlib.sha256).digest()))
PY
)")
done
USER_ID=${MEMBERS[0]} SHOP_ID=${MEMBERS[1]} TOKEN=${TOKENS[0]}
PORT=$(pgcluster_free_port)
LISTEN=127.0.0.1:$PORT DATABASE_URL="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=shopsync_gateway" \
    USER_RATE=0 DEVICE_RATE=0 POOL_SIZE=8 build/shopsync-gateway 2>/dev/null &
GATEWAY=$!
trap 'kill $GATEWAY 2>/dev/null; pgcluster_stop' EXIT
sleep 1

wrk_json() { # requests/s, p50 and p99 (ms) from wrk --latency output
    python3 -c '
import re, sys
t = sys.stdin.read()
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", t); p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
print(f"{{\"requests_per_s\": {rps}, \"p50_ms\": {ms(*p50.groups()):.2f}, \"p99_ms\": {ms(*p99.groups()):.2f}}}")'
}
echo "warm-up (not measured): 5 s of pushes through the gateway and over direct libpq"
TOKENS="${TOKENS[*]}" wrk -t2 -c8 -d5s -s bench/gateway/push.lua "http://127.0.0.1:$PORT" >/dev/null
build/bench/direct_bench push 8 5 "${MEMBERS[@]}" >/dev/null
echo "push through the gateway (wrk, 8 connections, 10 s, batches of 100): one shop, then 8 shops"
GW_PUSH1=$(TOKENS="$TOKEN" wrk -t2 -c8 -d10s --latency -s bench/gateway/push.lua "http://127.0.0.1:$PORT" | wrk_json)
GW_PUSH8=$(TOKENS="${TOKENS[*]}" wrk -t2 -c8 -d10s --latency -s bench/gateway/push.lua "http://127.0.0.1:$PORT" | wrk_json)
echo "push over direct libpq (8 connections, 10 s): one shop, then 8 shops"
DB_PUSH1=$(build/bench/direct_bench push 8 10 "$USER_ID" "$SHOP_ID")
DB_PUSH8=$(build/bench/direct_bench push 8 10 "${MEMBERS[@]}")
echo "pull through the gateway, and over direct libpq"
GW_PULL=$(wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/sync/pull?cursor=0&limit=100" | wrk_json)
DB_PULL=$(build/bench/direct_bench pull 8 10 "$USER_ID" "$SHOP_ID")
echo "10,000 event streams (1,000 users x 10) and the poke fan-out to all of them"
SSE=$(/usr/bin/python3 bench/gateway/sse_bench.py "$PORT" "$GATEWAY" "$SHOP_ID" \
      "host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=postgres" "${SSE_STREAMS:-10000}")

python3 - "$GW_PUSH1" "$DB_PUSH1" "$GW_PUSH8" "$DB_PUSH8" "$GW_PULL" "$DB_PULL" "$SSE" <<'PY'
import json, sys
gp1, dp1, gp8, dp8, gl, dl, sse = (json.loads(a) for a in sys.argv[1:])
rows = [("push, batch of 100, 8 shops", gp8, dp8), ("push, batch of 100, one shop (serialised)", gp1, dp1),
        ("pull, 100 changes", gl, dl)]
md = ["| call | gateway req/s | direct libpq req/s | gateway / direct | gateway p50 / p99 ms | direct p50 / p99 ms |",
      "|---|---:|---:|---:|---:|---:|"]
for name, g, d in rows:
    md.append(f"| {name} | {g['requests_per_s']:.0f} | {d['requests_per_s']:.0f} | "
              f"{g['requests_per_s'] / d['requests_per_s']:.2f} | {g['p50_ms']} / {g['p99_ms']} | {d['p50_ms']} / {d['p99_ms']} |")
md += ["", f"Event streams: {sse['streams_opened']} open (in {sse['open_seconds']} s); gateway RSS "
           f"{sse['rss_before_kib'] // 1024} → {sse['rss_after_kib'] // 1024} MiB ({sse['kib_per_stream']} KiB each), "
           f"threads {sse['threads_before']} → {sse['threads_after']}; one commit → poke on all streams "
           f"({sse['pokes_delivered']}/{sse['pokes_expected']} delivered over 5 commits): "
           f"p50 {sse['fanout_p50_ms']} ms, p99 {sse['fanout_p99_ms']} ms."]
out = {"push_8_shops": {"gateway": gp8, "direct": dp8}, "push_one_shop": {"gateway": gp1, "direct": dp1},
       "pull": {"gateway": gl, "direct": dl}, "sse": sse, "table_md": "\n".join(md)}
json.dump(out, open("bench/results/gateway.json", "w"), indent=2)
print("\n".join(md))
PY
