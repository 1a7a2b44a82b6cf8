#!/usr/bin/env bash
# bench/retention/run.sh — shopsync.purge() on a shop of 1,000,000 change_log
# entries past their window (plus 10,000 tombstones and 100,000 idempotency
# keys), and the same purge when nothing is due (the daily run's usual case).
# Writes bench/results/retention.json (table_md for latest.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
LOG_ROWS="${LOG_ROWS:-1000000}"
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

fill_start=$EPOCHREALTIME
q "INSERT INTO shopsync.shops (id, name) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Big shop'),
                                               ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'Small shop');
   SET session_replication_role = replica;  -- filled behind the triggers' back, aged at once
   INSERT INTO shopsync.customers (id, shop_id, name, version, updated_at, deleted_at)
   SELECT gen_random_uuid(), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Gone ' || i, 2,
          now() - interval '100 days', now() - interval '100 days' FROM generate_series(1, 10000) i;
   INSERT INTO shopsync.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload)
   SELECT 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', i, 'customers', gen_random_uuid(), 'update', 2,
          now() - interval '100 days', jsonb_build_object('name', 'Customer ' || i, 'phone', '555-0101')
     FROM generate_series(1, $LOG_ROWS) i;
   INSERT INTO shopsync.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload)
   SELECT 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', i, 'customers', gen_random_uuid(), 'create', 1,
          now() - interval '100 days', '{}' FROM generate_series(1, 1000) i;
   INSERT INTO shopsync.shop_cursors (shop_id, last_seq) VALUES
     ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', $LOG_ROWS), ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 1000);
   INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome, created_at)
   SELECT 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', gen_random_uuid(), 'h', '{}', now() - interval '8 days'
     FROM generate_series(1, 100000);
   VACUUM ANALYZE;"
fill_s=$(since "$fill_start")

start=$EPOCHREALTIME
report=$(q "SELECT shopsync.purge() - 'run_id'")
purge_s=$(since "$start")
start=$EPOCHREALTIME
q "SELECT shopsync.purge()" >/dev/null
idle_s=$(since "$start")
echo "retention: $report"

python3 - "$LOG_ROWS" "$purge_s" "$idle_s" "$fill_s" "$report" <<'PY'
import json, sys
rows, purge, idle, fill, report = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), json.loads(sys.argv[5])
load = open("/proc/loadavg").read().split()[0]
table = "\n".join([
    f"Load average during the run: {load}", "",
    "| purge | seconds | rows removed | rows/s |", "|---|---:|---:|---:|",
    f"| {rows:,} log entries, 10,000 tombstones, 100,000 keys due (2 shops) | {purge:.2f} | "
    f"{report['change_log'] + report['tombstones_total'] + report['idempotency_keys']:,} | "
    f"{(report['change_log'] + report['tombstones_total'] + report['idempotency_keys']) / purge:,.0f} |",
    f"| nothing due (the same shop afterwards) | {idle:.3f} | 0 | |"])
json.dump({"log_rows": rows, "purge_seconds": purge, "idle_purge_seconds": idle, "fill_seconds": fill,
           "report": report, "table_md": table}, open("bench/results/retention.json", "w"), indent=2)
print(table)
PY
