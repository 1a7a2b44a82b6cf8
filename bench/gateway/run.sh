#!/usr/bin/env bash
# bench/gateway/run.sh — the gateway against direct libpq (same calls, same
# connections, same client code, alternating rounds of one run: load_bench),
# 10,000 event streams (RSS, threads) and the poke fan-out from one commit to
# all of them (p50/p99). The load average is written beside the figures: the
# ratios hold on a busy machine, absolute latencies do not.
# Writes bench/results/gateway.json (with a Markdown table for latest.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
mkdir -p build/bench bench/results
g++ -std=c++17 -O2 -I"$(pg_config --includedir)" -o build/bench/load_bench bench/gateway/load_bench.cpp -lpq -pthread
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

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
MEMBERS_FILE="$PGCLUSTER_DIR/members.txt"
for i in $(seq 0 7); do echo "${MEMBERS[$((2 * i))]} ${MEMBERS[$((2 * i + 1))]} ${TOKENS[$i]}"; done >"$MEMBERS_FILE"
head -n 1 "$MEMBERS_FILE" >"$PGCLUSTER_DIR/member1.txt"
ROUNDS=${BENCH_ROUNDS:-3} SECONDS_PER=${BENCH_SECONDS:-4}
echo "warm-up (not measured): pushes through the gateway and over direct libpq"
build/bench/load_bench push "$PORT" 8 1 2 "$MEMBERS_FILE" >/dev/null
echo "push, 8 connections, batches of 100: 8 shops, then one shop ($ROUNDS rounds of $SECONDS_PER s each side)"
PUSH8=$(build/bench/load_bench push "$PORT" 8 "$ROUNDS" "$SECONDS_PER" "$MEMBERS_FILE")
PUSH1=$(build/bench/load_bench push "$PORT" 8 "$ROUNDS" "$SECONDS_PER" "$PGCLUSTER_DIR/member1.txt")
echo "pull of 100 changes, 8 connections"
PULL=$(build/bench/load_bench pull "$PORT" 8 "$ROUNDS" "$SECONDS_PER" "$PGCLUSTER_DIR/member1.txt")
LOAD_CALLS=$(cut -d' ' -f1-3 /proc/loadavg)
echo "10,000 event streams (1,000 users x 10) and the poke fan-out to all of them"
SSE=$(/usr/bin/python3 bench/gateway/sse_bench.py "$PORT" "$GATEWAY" "$SHOP_ID" \
      "host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=postgres" "${SSE_STREAMS:-10000}")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$PUSH8" "$PUSH1" "$PULL" "$SSE" "$LOAD_BEFORE" "$LOAD_CALLS" "$LOAD_AFTER" <<'PY'
import json, sys
push8, push1, pull, sse = (json.loads(a) for a in sys.argv[1:5])
load = {"before": sys.argv[5], "after_calls": sys.argv[6], "after_streams": sys.argv[7]}
rows = [("push, batch of 100, 8 shops", push8), ("push, batch of 100, one shop (serialised)", push1),
        ("pull, 100 changes", pull)]
md = ["| call | gateway req/s | direct libpq req/s | gateway / direct | gateway p50 / p99 ms | direct p50 / p99 ms |",
      "|---|---:|---:|---:|---:|---:|"]
for name, r in rows:
    g, d = r["gateway"], r["direct"]
    md.append(f"| {name} | {g['requests_per_s']:.0f} | {d['requests_per_s']:.0f} | "
              f"{g['requests_per_s'] / d['requests_per_s']:.2f} | {g['p50_ms']} / {g['p99_ms']} | {d['p50_ms']} / {d['p99_ms']} |")
md += ["", f"Event streams: {sse['streams_opened']} open (in {sse['open_seconds']} s); gateway RSS "
           f"{sse['rss_before_kib'] // 1024} → {sse['rss_after_kib'] // 1024} MiB ({sse['kib_per_stream']} KiB each), "
           f"threads {sse['threads_before']} → {sse['threads_after']}; one commit → poke on all streams "
           f"({sse['pokes_delivered']}/{sse['pokes_expected']} delivered over 5 commits): "
           f"p50 {sse['fanout_p50_ms']} ms, p99 {sse['fanout_p99_ms']} ms.",
       "", f"Load average (1/5/15 min): {load['before']} before, {load['after_calls']} after the calls, "
           f"{load['after_streams']} after the streams (2 cores: above 2, other processes share the CPU)."]
out = {"push_8_shops": push8, "push_one_shop": push1, "pull": pull, "sse": sse, "load_average": load,
       "table_md": "\n".join(md)}
json.dump(out, open("bench/results/gateway.json", "w"), indent=2)
print("\n".join(md))
PY
