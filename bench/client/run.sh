#!/usr/bin/env bash
# bench/client/run.sh — the device side through the gateway, one run on a
# private cluster: local write rate, 3 × 1,000 offline writes to convergence,
# initial sync of 100,000 rows (customers, orders, order items) to an empty
# device (issue 17's goal: < 1 s), and write-to-arrival latency between two
# devices with pokes. Writes bench/results/client.json (with a Markdown table
# for latest.md). CLIENT_BENCH_ONLY=initial_sync runs the initial sync alone
# (for profiling: CLIENT_BENCH_WRAP="perf record -g -o FILE" wraps the bench binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C client
make -s -C gateway
mkdir -p build/bench bench/results
g++ -std=c++17 -O2 -Iclient/include -o build/bench/client_bench bench/client/client_bench.cpp \
    build/libshopsync-client.a -lsqlite3 -lcurl -lpthread
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
USER_RATE=0 DEVICE_RATE=0 gateway_start # the limiter would pace the benchmark, not the sync
WORK="$PGCLUSTER_DIR/devices"
mkdir -p "$WORK"
chmod 777 "$WORK"
trap 'gateway_stop; pgcluster_stop' EXIT

PASSWORD="bench password"
SEED_ROWS=100000
SHOP=$(PYTHONPATH=scripts /usr/bin/python3 -c '
import sys
from device_cli import create_shop
url, pw = sys.argv[1], sys.argv[2]
create_shop(url, "seed@bench.example", [], lambda _: pw)
print(create_shop(url, "owner@bench.example", [("staff1@bench.example", "staff"), ("staff2@bench.example", "staff")],
                  lambda _: pw))' "$GATEWAY_URL" "$PASSWORD")
SEED_SHOP=$(psql -X -At -c "SELECT shop_id FROM shopsync.shop_members m JOIN shopsync.users u ON u.id = m.user_id
                            WHERE u.email = 'seed@bench.example'")
echo "seeding $SEED_ROWS customers, orders and items into the seed shop"
CUSTOMERS=$((SEED_ROWS / 10))
ORDERS=$(((SEED_ROWS - CUSTOMERS) / 4))
ITEMS=$((SEED_ROWS - CUSTOMERS - ORDERS)) # 3 per order, the rest on the first orders
psql -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO shopsync.customers (shop_id, customer_code, name, phone, email, address)
SELECT '$SEED_SHOP', 'C-' || g, 'Customer ' || g, '+1 555 01' || lpad(g::text, 6, '0'),
       'customer' || g || '@example.com', g || ' Market Street'
FROM generate_series(1, $CUSTOMERS) g;
CREATE TEMP TABLE seed_customers AS
SELECT id, row_number() OVER (ORDER BY id) AS n FROM shopsync.customers WHERE shop_id = '$SEED_SHOP';
INSERT INTO shopsync.orders (shop_id, order_code, customer_id, status, subtotal, total, notes, ordered_at)
SELECT '$SEED_SHOP', 'O-' || g, c.id, 'confirmed', (g % 500) + 0.5, (g % 500) + 0.5, 'seeded order ' || g, now()
FROM generate_series(1, $ORDERS) g JOIN seed_customers c ON c.n = 1 + g % $CUSTOMERS;
INSERT INTO shopsync.order_items (shop_id, order_id, product_name, sku, quantity, unit_price)
SELECT o.shop_id, o.id, 'Product ' || k, 'SKU-' || k, k, 2.5
FROM (SELECT shop_id, id, row_number() OVER (ORDER BY id) AS n FROM shopsync.orders
      WHERE shop_id = '$SEED_SHOP') o, generate_series(1, 4) k
WHERE k <= 3 OR o.n <= $ITEMS - 3 * $ORDERS;
SELECT 'seeded ' || ((SELECT count(*) FROM shopsync.customers WHERE shop_id = '$SEED_SHOP')
                   + (SELECT count(*) FROM shopsync.orders WHERE shop_id = '$SEED_SHOP')
                   + (SELECT count(*) FROM shopsync.order_items WHERE shop_id = '$SEED_SHOP')) || ' rows';
SQL
RESULT=$(${CLIENT_BENCH_WRAP:-} build/bench/client_bench "$GATEWAY_URL" "$WORK" "$PASSWORD" owner@bench.example staff1@bench.example \
         staff2@bench.example seed@bench.example "$SEED_ROWS")
python3 - "$RESULT" <<'PY'
import json, os, sys
r = json.loads(sys.argv[1])
i = r["initial_sync"]
r["load_average"] = round(os.getloadavg()[0], 1) # figures from a shared machine: read them beside it
md = ["| measure | result | target |", "|---|---:|---|"]
if "local_writes" in r:
    w, c = r["local_writes"], r["convergence"]
    md += [f"| local writes (row + outbox event, one transaction each) | {w['creates_per_s']:.0f} creates/s, {w['updates_per_s']:.0f} updates/s | — |",
           f"| 3 devices × 1,000 offline writes → all converged | {c['seconds']:.2f} s ({c['rounds']} sync rounds{'' if c['converged'] else ', NOT converged'}) | < 2 s |"]
md += [f"| initial sync of {i['rows']:,} rows ({i['customers']:,} customers, {i['orders']:,} orders, {i['order_items']:,} items) to an empty device, first request to ready DB | {i['seconds']:.2f} s ({i['rows_per_s']:.0f} rows/s, {i['of_goal']:.2f}× the goal; sign-in before it {i['login_seconds']:.2f} s) | < 1 s |"]
if "propagation" in r:
    p, pd = r["propagation"], r["propagation_default_delay"]
    md += [f"| write on one device → on another (worker + poke), write_delay 0 | p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms | — |",
           f"| the same with the default 200 ms write delay | p50 {pd['p50_ms']:.1f} ms, p99 {pd['p99_ms']:.1f} ms | — |"]
md += ["", f"Load average at the end of the run: {r['load_average']}"]
r["table_md"] = "\n".join(md)
json.dump(r, open("bench/results/client.json", "w"), indent=2)
print("\n".join(md))
PY
