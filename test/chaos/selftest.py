"""test/chaos/selftest.py — every check of checker.py must be able to fail.

Runs one seed to a healed, passing state, then plants one bug at a time and
wants the checker to name it; each plant is undone before the next:
  converge   a device's SQLite edited behind its back (a synced row's column)
  converge   a pull page skipped (the proxy moves one pull's cursor on)
  fate       a pending edit dropped from a device's outbox, its row marked synced
  fate       a refused write's failure erased on the device (row marked synced)
  isolation  a row of shop B copied into a device of shop A
  seq        a change_log entry missing from the captured log
  duplicate  a row the server holds that no device wrote
  session    a device's session dropped although its user is still a member
It also wants a seed to draw the same plan every time. Prints TAP; returns whether every plant was caught and the clean state passed.
"""
import os
import shutil
import sqlite3
import tempfile

import world as world_mod
from checker import check
from workload import FAULT_KINDS, Run, plan

results = []


def ok(condition, name, detail=None):
    results.append(bool(condition))
    print(f"{'ok' if condition else 'not ok'} {len(results)} - {name}", flush=True)
    for line in (detail or [])[:10]:
        print(f"#   {line}")


def observe_all(run):
    return {(name, run.shop_of[name]): run.observe(d, run.shop_of[name]) for name, d in run.world.devices.items()}


def sql(d, statement, *args):
    db = sqlite3.connect(d.db)
    try:
        rows = db.execute(statement, args).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def record(run, d, op, entity, row_id, fields):
    run.writes.append({"step": 999, "device": d.name, "user": d.user, "shop": run.shop_of[d.name], "entity": entity,
                       "op": op, "fields": fields, "override": False, "id": row_id, "outcome": "ok"})
    if op == "create":
        run.ids[1000 + len(run.ids)] = row_id


def planted(run, name, kind, plant, undo, must=""):
    """Plants a bug, checks, undoes it; the checker must report `kind`."""
    backups = {n: d.db + ".bak" for n, d in run.world.devices.items()}
    for n, d in run.world.devices.items():
        shutil.copy(d.db, backups[n])
    log = dict(run.world.log)
    try:
        plant()
        found = check(run, observe_all(run))
    finally:
        run.world.log = log
        run.world.capture_log()
        for n, d in run.world.devices.items():
            shutil.copy(backups[n], d.db)
        if undo:
            undo()
    caught = [f"[{k}] {detail}" for k, detail in found if k == kind and must in detail]
    ok(caught, f"planted: {name} -> the checker reports {kind}", caught[:2] or [f"[{k}] {x}" for k, x in found])


def selftest():
    ok(plan(7, FAULT_KINDS, 60) == plan(7, FAULT_KINDS, 60) and plan(7, FAULT_KINDS, 60) != plan(8, FAULT_KINDS, 60),
       "a seed's plan is the same every time, and another seed's differs")
    work = tempfile.mkdtemp(prefix="shopsync-chaos-selftest-")
    world = world_mod.World(0, work)
    try:
        run = Run(world, 0, ["reset", "kill_gateway", "purge", "token_expiry"], 40)
        run.execute()
        w = world
        desk, tablet, bdesk = w.devices["desk"], w.devices["tablet"], w.devices["bdesk"]
        # a write the server refuses although the device could not know: an item for an order the owner
        # has deleted meanwhile (kept visible as failed, with its reason)
        victim = desk.add("customer", customer_code="SELF-1", name="self test")
        record(run, desk, "create", "customers", victim, {"customer_code": "SELF-1", "name": "self test"})
        order = desk.add("order", order_code="SELF-O", customer_id=victim)
        record(run, desk, "create", "orders", order, {"order_code": "SELF-O", "customer_id": victim})
        desk.sync(check=False)
        tablet.sync(check=False)
        desk.delete("order", order)
        record(run, desk, "delete", "orders", order, {})
        desk.sync(check=False)
        item = tablet.add("item", order_id=order, product_name="refused", quantity=1, unit_price=1)
        record(run, tablet, "create", "order_items", item,
               {"order_id": order, "product_name": "refused", "quantity": 1, "unit_price": 1})
        tablet.sync(check=False)
        observations = run.heal()
        found = check(run, observations)
        ok(not found, "the clean run passes the checker", [f"[{k}] {x}" for k, x in found])
        ok(any(f["id"] == item for f in tablet.status()["failed"]) or
           any(f["entity_id"] == item for f in tablet.run("failed")),
           "the run holds a write the server refused (an item of a deleted order), failed with its reason")

        def edit_behind_back():
            row = sql(desk, "SELECT id FROM customers WHERE sync_state = 'synced' AND deleted_at IS NULL LIMIT 1")[0][0]
            sql(desk, "UPDATE customers SET data = json_set(data, '$.name', 'tampered') WHERE id = ?", row)
        planted(run, "a device's SQLite edited behind its back", "converge", edit_behind_back, None, must="'tampered'")

        extra = []

        def skip_pull_page():
            for i in range(5):
                row_id = desk.add("customer", customer_code=f"SKIP-{i}", name="skipped")
                record(run, desk, "create", "customers", row_id, {"customer_code": f"SKIP-{i}", "name": "skipped"})
                extra.append(row_id)
            desk.sync()
            tablet.proxy.skip_pull = 3
            tablet.sync()
            tablet.sync()
            w.capture_log()

        def catch_up():
            for d in w.devices.values():
                d.sync(check=False)
        planted(run, "a pull page skipped", "converge", skip_pull_page, catch_up, must="on the server only")

        def drop_pending():
            desk.edit("customer", "SELF-1", phone="555-LOST")
            record(run, desk, "update", "customers", victim, {"phone": "555-LOST"})
            sql(desk, "DELETE FROM sync_outbox")
            sql(desk, "UPDATE customers SET sync_state = 'synced' WHERE id = ?", victim)
            desk.sync()
        planted(run, "a pending edit dropped from the outbox", "fate", drop_pending,
                lambda: run.writes.pop(), must="555-LOST")

        def erase_failure():
            sql(tablet, "UPDATE order_items SET sync_state = 'synced', last_error = NULL WHERE id = ?", item)
            if sql(tablet, "SELECT 1 FROM sqlite_master WHERE name = 'sync_failed'"):
                sql(tablet, "DELETE FROM sync_failed WHERE entity_id = ?", item)
        planted(run, "a refused write's failure erased", "fate", erase_failure, None, must=f"create order_items {item[:8]}")

        def foreign_row():
            columns = [r[1] for r in sql(bdesk, "PRAGMA table_info(customers)")]
            row = sql(bdesk, "SELECT * FROM customers LIMIT 1")[0]
            sql(desk, f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", *row)
        planted(run, "a row of shop B on a device of shop A", "isolation", foreign_row, None, must="another shop")

        def log_gap():
            key = sorted(k for k in w.log if k[0] == run.shops["A"])[2]
            del w.log[key]
        planted(run, "a change_log entry missing", "seq", log_gap, None)

        def phantom():
            w.admin("SELECT set_config('request.jwt.claims', %s, true);"
                    " INSERT INTO shopsync.customers (shop_id, customer_code, name) VALUES (%s, 'PHANTOM', 'x')",
                    '{"shop_id": "%s"}' % run.shops["A"], run.shops["A"])
            w.capture_log()
        planted(run, "a server row no device wrote", "duplicate", phantom, None, must="created by no device")

        def signed_out():
            sql(tablet, "DELETE FROM sync_kv WHERE key IN ('refresh_token', 'access_token')")
        planted(run, "a device signed out behind the user's back", "session", signed_out, None, must="tablet")
    finally:
        world.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"1..{len(results)}")
    return all(results)
