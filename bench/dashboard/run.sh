#!/usr/bin/env bash
# bench/dashboard/run.sh — the web side, one run on a private cluster: a shop
# of 10,000 orders (20,000 items, 1,000 customers); the time from opening the
# dashboard (signed in) to its first orders on screen in headless Chromium;
# and the initial sync rate of @shopsync/client (Node) beside the C++ client's
# (shopsync-device, an empty SQLite) on the same shop, same run.
# Writes bench/results/dashboard.json (with a Markdown table for latest.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/build-dashboard.sh
(cd bindings/js && { [ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npx tsc -p .)
make -s -C gateway
make -s -C client
mkdir -p bench/results
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
export STATIC_DIR="$PWD/dashboard/dist"
USER_RATE=0 DEVICE_RATE=0 gateway_start
trap 'gateway_stop; pgcluster_stop' EXIT
export WORK="$PGCLUSTER_DIR/devices" PASSWORD="bench password" ORDERS=10000
mkdir -p "$WORK"
chmod 777 "$WORK"

SHOP=$(PYTHONPATH=scripts /usr/bin/python3 -c '
import sys
from device_cli import create_shop
print(create_shop(sys.argv[1], "owner@dash.bench", [], lambda _: sys.argv[2]))' "$GATEWAY_URL" "$PASSWORD")
echo "seeding $ORDERS orders, $((ORDERS * 2)) items and $((ORDERS / 10)) customers"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO shopsync.customers (shop_id, customer_code, name, phone)
SELECT '$SHOP', 'C-' || g, 'Customer ' || g, '555-' || lpad(g::text, 4, '0') FROM generate_series(1, $ORDERS / 10) g;
INSERT INTO shopsync.orders (shop_id, order_code, customer_id, status, total, ordered_at)
SELECT '$SHOP', 'O-' || g, (SELECT id FROM shopsync.customers WHERE shop_id = '$SHOP' AND customer_code = 'C-' || (1 + g % ($ORDERS / 10))),
       (ARRAY['pending','confirmed','shipping','delivered','cancelled'])[1 + g % 5], (g % 500) + 0.5,
       now() - (g % 20) * interval '1 minute'
FROM generate_series(1, $ORDERS) g;
INSERT INTO shopsync.order_items (shop_id, order_id, product_name, sku, quantity, unit_price)
SELECT o.shop_id, o.id, 'Product ' || k, 'SKU-' || k, k, 2.5
FROM shopsync.orders o, generate_series(1, 2) k WHERE o.shop_id = '$SHOP';
SQL
ROWS=$(psql -X -At -c "SELECT (SELECT count(*) FROM shopsync.customers) + (SELECT count(*) FROM shopsync.orders)
                              + (SELECT count(*) FROM shopsync.order_items)")

# The C++ client: an empty device's first sync (snapshot, pull, SQLite).
D="build/shopsync-device --db $WORK/bench.db --json"
$D init --server "$GATEWAY_URL" --device-id bench-cpp >/dev/null
SHOPSYNC_PASSWORD="$PASSWORD" $D login owner@dash.bench >/dev/null
start=$EPOCHREALTIME
$D sync >/dev/null
CPP_SECONDS=$(python3 -c "print($EPOCHREALTIME - $start)")

RESULT=$(ROWS="$ROWS" CPP_SECONDS="$CPP_SECONDS" node bench/dashboard/web_bench.mjs)
python3 - "$RESULT" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
r["load_average"] = open("/proc/loadavg").read().split()[:3]
p, s = r["page_open"], r["sdk_sync"]
md = ["| measure | result | target |", "|---|---:|---|",
      f"| dashboard opened (signed in) → first of {r['orders']:,} orders shown, headless Chromium | median {p['median_ms']:.0f} ms (min {p['min_ms']:.0f}, max {p['max_ms']:.0f}; {p['runs']} runs) | < 1 s |",
      f"| initial sync of {s['rows']:,} rows, @shopsync/client in Node (memory) | {s['seconds']:.2f} s ({s['rows_per_s']:.0f} rows/s) | — |",
      f"| the same shop, C++ client (shopsync-device, SQLite), same run | {s['cpp_seconds']:.2f} s ({s['cpp_rows_per_s']:.0f} rows/s) | — |",
      f"| SDK / C++ rate | {s['rows_per_s'] / s['cpp_rows_per_s']:.2f}x | — |",
      "", f"Load average during the run: {' '.join(r['load_average'])}."]
r["table_md"] = "\n".join(md)
json.dump(r, open("bench/results/dashboard.json", "w"), indent=2)
print("\n".join(md))
PY
