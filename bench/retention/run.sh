#!/usr/bin/env bash
# bench/retention/run.sh — shopsync.purge() on a shop of 1,000,000 change_log
# entries past their window (plus 10,000 tombstones and 100,000 idempotency
# keys), beside a small shop and rows still inside their windows, then the
# same purge when nothing is due (the daily run's usual case).
# Bounded: every statement has a time limit (PURGE_TIMEOUT, 600 s), the
# private cluster goes on exit. The purge's report is checked shop by shop
# against what was put in (and what must stay); a wrong count fails the bench.
# Writes bench/results/retention.json (table_md for latest.md).
# LOG_ROWS=n changes the big shop's log size.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgcluster.sh
pgcluster_start # stopped and removed on exit
pgcluster_install_shopsync
LOG_ROWS="${LOG_ROWS:-1000000}"
export PGOPTIONS="-c statement_timeout=${PURGE_TIMEOUT:-600}s"
BIG=aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa
SMALL=bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

fill_start=$EPOCHREALTIME
# Filled behind the triggers' back (replica role), aged at once; 1,000 log
# entries, 100 tombstones and 1,000 keys of the big shop are recent and stay.
psql -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO shopsync.shops (id, name) VALUES ('$BIG', 'Big shop'), ('$SMALL', 'Small shop');
SET session_replication_role = replica;
INSERT INTO shopsync.customers (id, shop_id, name, version, updated_at, deleted_at)
SELECT gen_random_uuid(), '$BIG', 'Gone ' || i, 2, now() - interval '100 days', now() - interval '100 days'
  FROM generate_series(1, 10000) i;
INSERT INTO shopsync.customers (id, shop_id, name, version, updated_at, deleted_at)
SELECT gen_random_uuid(), '$BIG', 'Recently gone ' || i, 2, now() - interval '1 day', now() - interval '1 day'
  FROM generate_series(1, 100) i;
INSERT INTO shopsync.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload)
SELECT '$BIG', i, 'customers', gen_random_uuid(), 'update', 2, now() - interval '100 days',
       jsonb_build_object('name', 'Customer ' || i, 'phone', '555-0101')
  FROM generate_series(1, $LOG_ROWS) i;
INSERT INTO shopsync.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload)
SELECT '$BIG', $LOG_ROWS + i, 'customers', gen_random_uuid(), 'update', 3, now() - interval '1 day', '{}'
  FROM generate_series(1, 1000) i;
INSERT INTO shopsync.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload)
SELECT '$SMALL', i, 'customers', gen_random_uuid(), 'create', 1, now() - interval '100 days', '{}'
  FROM generate_series(1, 1000) i;
INSERT INTO shopsync.shop_cursors (shop_id, last_seq) VALUES ('$BIG', $LOG_ROWS + 1000), ('$SMALL', 1000)
    ON CONFLICT (shop_id) DO UPDATE SET last_seq = excluded.last_seq;
INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome, created_at)
SELECT '$BIG', gen_random_uuid(), 'h', '{}', now() - interval '8 days' FROM generate_series(1, 100000);
INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome, created_at)
SELECT '$BIG', gen_random_uuid(), 'h', '{}', now() FROM generate_series(1, 1000);
RESET session_replication_role;
VACUUM ANALYZE;
SQL
fill_s=$(since "$fill_start")

start=$EPOCHREALTIME
report=$(q "SELECT shopsync.purge()")
purge_s=$(since "$start")
kept=$(q "SELECT json_build_object(
    'change_log', (SELECT count(*) FROM shopsync.change_log WHERE shop_id = '$BIG'),
    'tombstones', (SELECT count(*) FROM shopsync.customers WHERE shop_id = '$BIG'),
    'idempotency_keys', (SELECT count(*) FROM shopsync.idempotency_keys WHERE shop_id = '$BIG'),
    'purged_seq', (SELECT purged_seq FROM shopsync.shop_cursors WHERE shop_id = '$BIG'),
    'recorded', (SELECT count(*) FROM shopsync.purge_removed))")
start=$EPOCHREALTIME
idle=$(q "SELECT shopsync.purge()")
idle_s=$(since "$start")
echo "retention: $report"

python3 - "$LOG_ROWS" "$purge_s" "$idle_s" "$fill_s" "$report" "$idle" "$kept" "$BIG" "$SMALL" <<'PY'
import json, sys
rows, purge, idle_s, fill = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
report, idle, kept = json.loads(sys.argv[5]), json.loads(sys.argv[6]), json.loads(sys.argv[7])
big, small = sys.argv[8], sys.argv[9]
want = {big: {"customers": 10000, "change_log": rows, "idempotency_keys": 100000},
        small: {"change_log": 1000}}
problems = []
if report.get("shops") != want:
    problems.append(f"per-shop report {report.get('shops')} != {want}")
if (report["change_log"], report["tombstones_total"], report["idempotency_keys"]) != (rows + 1000, 10000, 100000):
    problems.append(f"totals {report['change_log']}, {report['tombstones_total']}, {report['idempotency_keys']}")
if kept != {"change_log": 1000, "tombstones": 100, "idempotency_keys": 1000, "purged_seq": rows, "recorded": 4}:
    problems.append(f"what stays: {kept}")
if idle.get("shops") != {} or idle["change_log"] or idle["tombstones_total"] or idle["idempotency_keys"]:
    problems.append(f"the second purge removed {idle}")
removed = report["change_log"] + report["tombstones_total"] + report["idempotency_keys"]
load = open("/proc/loadavg").read().split()[0]
names = {big: "big shop", small: "small shop"}
table = [f"Load average during the run: {load}", "",
         "| purge | seconds | rows removed | rows/s |", "|---|---:|---:|---:|",
         f"| {rows:,} log entries, 10,000 tombstones, 100,000 keys due (2 shops; 2,100 recent rows stay) "
         f"| {purge:.2f} | {removed:,} | {removed / purge:,.0f} |",
         f"| nothing due (the same shops afterwards) | {idle_s:.3f} | 0 | |", "",
         "| shop | change_log | tombstones (customers) | idempotency keys |", "|---|---:|---:|---:|"]
for shop, what in report["shops"].items():
    table.append(f"| {names.get(shop, shop)} | {what.get('change_log', 0):,} | {what.get('customers', 0):,} | "
                 f"{what.get('idempotency_keys', 0):,} |")
table = "\n".join(table)
json.dump({"log_rows": rows, "purge_seconds": purge, "rows_removed": removed, "rows_per_second": removed / purge,
           "idle_purge_seconds": idle_s, "fill_seconds": fill, "load_average": load,
           "report": {k: v for k, v in report.items() if k != "run_id"}, "kept": kept, "table_md": table},
          open("bench/results/retention.json", "w"), indent=2)
print(table)
for p in problems:
    print(f"retention: wrong purge: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
