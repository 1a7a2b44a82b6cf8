#!/usr/bin/env bash
# bench/scaleout/run.sh — scale-out on this machine (test/lib/scaleout.sh:
# primary, streaming replica, PgBouncer in transaction pooling, gateways):
# push and pull throughput through 1 gateway straight to PostgreSQL, 1 and 2
# gateways through PgBouncer, and 1 and 2 gateways with pulls on the replica;
# then a fleet of simulated devices (default 1,000, each syncing every
# 15-30 s for 2 minutes) on two gateways with replica reads: p50/p99 sync
# latency and errors. All in one run; every process shares the same cores,
# so a second gateway shows what it costs or gains here, not on two hosts.
# Writes bench/results/scaleout.json (with a Markdown table for latest.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
mkdir -p bench/results
source test/lib/pgcluster.sh
source test/lib/scaleout.sh
scaleout_primary_start
psql -X -q -c "ALTER SYSTEM SET max_connections = 300" && pgcluster_restart
scaleout_replica_start
scaleout_bouncer_start
export JWT_SECRET="bench-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export USER_RATE=0 DEVICE_RATE=0 POOL_SIZE=8
DEVICES=${SCALEOUT_DEVICES:-1000} FLEET_SECONDS=${SCALEOUT_SECONDS:-120} SECONDS_PER=${BENCH_SECONDS:-5}
SHOPS=$((DEVICES / 5 > 8 ? DEVICES / 5 + 1 : 9)) PULL_ROWS=20000

# Shops with one owner each (five devices a shop in the fleet); the first
# shop gets PULL_ROWS changes to pull from and is left out of the fleet.
MEMBERS="$PGCLUSTER_DIR/members.txt"
psql -X -q -At -c "
  WITH s AS (INSERT INTO shopsync.shops (name) SELECT 'bench ' || g FROM generate_series(1, $SHOPS) g RETURNING id),
       m AS (INSERT INTO shopsync.shop_members SELECT id, gen_random_uuid(), 'owner' FROM s RETURNING user_id, shop_id)
  SELECT user_id || ' ' || shop_id FROM m" >"$MEMBERS"
PORT_D=$(pgcluster_free_port)
LISTEN=127.0.0.1:$PORT_D DATABASE_URL="host=127.0.0.1 port=$PGPORT dbname=$PGDATABASE user=shopsync_gateway" \
    build/shopsync-gateway 2>"$PGCLUSTER_DIR/gateway-direct.log" &
SCALEOUT_PIDS+=($!) # straight to PostgreSQL: the baseline
DIRECT="http://127.0.0.1:$PORT_D"
scaleout_gateway_start P1 primary
scaleout_gateway_start P2 primary
scaleout_gateway_start R1 replica
scaleout_gateway_start R2 replica
sleep 0.5
echo "seeding $PULL_ROWS changes in one shop"
/usr/bin/python3 bench/scaleout/sim.py push <(head -n 1 "$MEMBERS") "$DIRECT" 4 $((PULL_ROWS / 4000 + 1)) >/dev/null
ROWS=$(psql -X -At -c "SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = '$(head -n 1 "$MEMBERS" | cut -d' ' -f2)'")
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
results=()
run() { # label kind urls conns
    local out
    out=$(/usr/bin/python3 bench/scaleout/sim.py "$2" "$MEMBERS" "$3" "$4" "$SECONDS_PER" "$ROWS")
    echo "$1: $out"
    results+=("{\"configuration\": \"$1\", \"kind\": \"$2\", \"result\": $out}")
}
for kind in push pull; do
    run "1 gateway, straight to PostgreSQL" $kind "$DIRECT" 8
    run "1 gateway via PgBouncer" $kind "$GW_P1_URL" 8
    run "2 gateways via PgBouncer" $kind "$GW_P1_URL,$GW_P2_URL" 8
    run "1 gateway via PgBouncer, pulls on the replica" $kind "$GW_R1_URL" 8
    run "2 gateways via PgBouncer, pulls on the replica" $kind "$GW_R1_URL,$GW_R2_URL" 8
done
LOAD_CALLS=$(cut -d' ' -f1-3 /proc/loadavg)
echo "fleet: $DEVICES devices on 2 gateways (pulls on the replica), each syncing every 15-30 s for $FLEET_SECONDS s"
FLEET=$(/usr/bin/python3 bench/scaleout/sim.py fleet <(tail -n +2 "$MEMBERS") "$GW_R1_URL,$GW_R2_URL" "$DEVICES" "$FLEET_SECONDS")
echo "fleet: $FLEET"
REPLICA_READS=$(curl -s "$GW_R1_URL/metrics" | grep '^shopsync_replica_reads_total' | tr '\n' ';')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
joined=$(IFS=,; echo "${results[*]}")
/usr/bin/python3 - "$joined" "$FLEET" "$LOAD_BEFORE" "$LOAD_CALLS" "$LOAD_AFTER" "$REPLICA_READS" "$SHOPS" <<'PY'
import json, sys
runs, fleet = json.loads("[" + sys.argv[1] + "]"), json.loads(sys.argv[2])
base = {r["kind"]: r["result"] for r in runs if r["configuration"].startswith("1 gateway, straight")}
rows = ["| configuration | push events/s | pull changes/s | push vs straight | pull vs straight | errors |",
        "|---|---:|---:|---:|---:|---:|"]
for conf in dict.fromkeys(r["configuration"] for r in runs):
    p = next(r["result"] for r in runs if r["configuration"] == conf and r["kind"] == "push")
    q = next(r["result"] for r in runs if r["configuration"] == conf and r["kind"] == "pull")
    rows.append(f"| {conf} | {p['events_per_s']:.0f} | {q['changes_per_s']:.0f} | "
                f"{p['events_per_s'] / base['push']['events_per_s']:.2f}x | "
                f"{q['changes_per_s'] / base['pull']['changes_per_s']:.2f}x | {p['errors'] + q['errors']} |")
rows += ["", f"Fleet: {fleet['devices']} devices of {int(sys.argv[7]) - 1} shops on 2 gateways (pulls on the replica), "
         f"each syncing (push 1-3 writes, pull) every 15-30 s for {fleet['seconds']:.0f} s: "
         f"{fleet['syncs']} syncs, p50 {fleet['p50_ms']} ms, p99 {fleet['p99_ms']} ms, max {fleet['max_ms']} ms, "
         f"errors: {fleet['errors']}.",
         "", f"8 connections, pushes of 100 creates, pulls of 100 changes; load average before / after the "
         f"throughput runs / after the fleet: {sys.argv[3]} / {sys.argv[4]} / {sys.argv[5]}. "
         f"Gateway R1's reads: {sys.argv[6]}"]
json.dump({"throughput": runs, "fleet": fleet, "load_average": [sys.argv[3], sys.argv[4], sys.argv[5]],
           "replica_reads_r1": sys.argv[6], "table_md": "\n".join(rows)},
          open("bench/results/scaleout.json", "w"), indent=2)
print("\n".join(rows))
PY
