#!/usr/bin/env python3
"""bench/citus/citus_bench.py — push and pull throughput on one node and on a
Citus coordinator with two workers, in the same run, and a shop moving to the
other worker while its devices push (nothing lost or duplicated).

Usage: citus_bench.py SINGLE_DSN COORDINATOR_DSN WORKER1_PORT WORKER2_PORT OUT_JSON
Every call goes the gateway's way: one transaction with role and claims.
"""
import json
import sys
import threading
import time
import uuid

import psycopg2

SINGLE, COORD, W1, W2, OUT = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
SHOPS, DEVICES, PUSHES, BATCH = 8, 8, 40, 50


def connect(dsn):
    c = psycopg2.connect(dsn)
    c.autocommit = True
    return c


def call(conn, user, shop, sql, params=()):
    cur = conn.cursor()
    cur.execute("BEGIN")
    cur.execute("SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                (json.dumps({"sub": user, "shop_id": shop, "role": "authenticated"}),))
    cur.execute(sql, params)
    row = cur.fetchone()
    cur.execute("COMMIT")
    return row[0]


def make_shops(dsn):
    conn = connect(dsn)
    shops = []
    for n in range(SHOPS):
        user = str(uuid.uuid4())
        shops.append((user, call(conn, user, None, "SELECT api.create_shop(%s)", (f"bench {n}",))["shop_id"]))
    return shops


def push_batch(conn, user, shop, device):
    events = [{"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": str(uuid.uuid4()),
               "op": "create", "base_version": 0, "payload": {"name": "bench"}} for _ in range(BATCH)]
    body = json.dumps({"device_id": device, "events": events})
    while True:
        try:
            res = call(conn, user, shop, "SELECT api.sync_push(%s::jsonb)", (body,))
            return len(res["accepted"])
        except psycopg2.Error:  # the same batch again (idempotent), as a device does
            conn.rollback() if not conn.autocommit else None
            try:
                conn.cursor().execute("ROLLBACK")
            except psycopg2.Error:
                pass
            time.sleep(0.05)


def run_devices(dsn, shops, pushes, accepted, key=0):
    def device(i):
        conn = connect(dsn)
        user, shop = shops[i % len(shops)]
        for _ in range(pushes):
            accepted[i] += push_batch(conn, user, shop, f"bench-{key}-{i}")
        conn.close()
    threads = [threading.Thread(target=device, args=(i,)) for i in range(len(accepted))]
    start = time.time()
    [t.start() for t in threads]
    [t.join() for t in threads]
    return time.time() - start


def pull_all(dsn, shops):
    conn = connect(dsn)
    total, start = 0, time.time()
    for user, shop in shops:
        cursor = 0
        while True:
            page = call(conn, user, shop, "SELECT api.sync_pull(%s, 500)", (cursor,))
            total += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
    return total, time.time() - start


results = {}
for name, dsn in (("one node", SINGLE), ("Citus, 2 workers", COORD)):
    shops = make_shops(dsn)
    accepted = [0] * DEVICES
    secs = run_devices(dsn, shops, PUSHES, accepted)
    pulled, pull_secs = pull_all(dsn, shops)
    results[name] = {"push_events_per_s": sum(accepted) / secs, "pull_changes_per_s": pulled / pull_secs,
                     "events": sum(accepted), "pulled": pulled}
    if name != "one node":
        coord, citus_shops = connect(dsn), shops

placement = ("SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid"
             " WHERE p.shardid = get_shard_id_for_distribution_column('shopsync.change_log', %s)")
cur = coord.cursor()
spread = {}
for _, shop in citus_shops:
    cur.execute(placement, (shop,))
    spread[shop] = cur.fetchone()[0]

# A busy shop moves to the other worker while two devices push to it.
user, shop = citus_shops[0]
src = spread[shop]
dst = W2 if src == W1 else W1
cur.execute("SELECT get_shard_id_for_distribution_column('shopsync.change_log', %s)", (shop,))
shard = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM shopsync.change_log WHERE shop_id = %s", (shop,))
before = cur.fetchone()[0]
accepted = [0, 0]
mover = threading.Thread(target=run_devices, args=(COORD, [(user, shop)], 30, accepted, 1))
mover.start()
time.sleep(0.5)
cur.execute("SET citus.check_available_space_before_move = off")
start = time.time()
cur.execute("SELECT citus_move_shard_placement(%s, '127.0.0.1', %s, '127.0.0.1', %s, 'block_writes')",
            (shard, src, dst))
move_secs = time.time() - start
mover.join()
cur.execute(placement, (shop,))
now_on = cur.fetchone()[0]
cur.execute("SELECT count(*), count(DISTINCT seq), max(seq), count(DISTINCT entity_id)"
            " FROM shopsync.change_log WHERE shop_id = %s", (shop,))
n, distinct, top, ids = cur.fetchone()
intact = n == before + sum(accepted) == distinct == top == ids
move = {"from": src, "to": dst, "now_on": now_on, "seconds": round(move_secs, 2),
        "events_during_move": sum(accepted), "log_entries": n, "gapless_no_duplicates": intact}

one, citus = results["one node"], results["Citus, 2 workers"]
table = ["| configuration | push events/s | pull changes/s |", "|---|---:|---:|"]
for name, r in results.items():
    table.append(f"| {name} | {r['push_events_per_s']:.0f} | {r['pull_changes_per_s']:.0f} |")
table.append(f"| ratio Citus / one node | {citus['push_events_per_s'] / one['push_events_per_s']:.2f}x"
             f" | {citus['pull_changes_per_s'] / one['pull_changes_per_s']:.2f}x |")
table += ["", f"{SHOPS} shops ({sorted(spread.values()).count(W1)} on worker 1, "
              f"{sorted(spread.values()).count(W2)} on worker 2), {DEVICES} devices, {PUSHES} pushes of {BATCH} events"
              " each; every node on this one machine.",
          f"Shop move {src} -> {dst} ({move['seconds']} s, block_writes) while 2 devices pushed"
          f" {move['events_during_move']} events: {n} log entries, gapless and without duplicates: {intact}."]
json.dump({"results": results, "move": move, "table_md": "\n".join(table)}, open(OUT, "w"), indent=2)
print("\n".join(table))
sys.exit(0 if intact and now_on == dst else 1)
