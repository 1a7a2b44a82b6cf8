"""scripts/demo_story.py — the story `make demo` tells, with a readable report.

A corner shop with an owner (desk), a staff member (tablet) and a viewer
(phone), each device a real shopsync-device with its own SQLite file: offline
work, a conflict, a delete, a refused write, a refused and then overridden
status change, a retried push, sync latency with pokes, and a final
convergence check of every device against the server, row by row.
Exit status 1 if anything diverges.
Usage: demo_story.py DSN GATEWAY_URL WORKDIR DEVICE_BINARY   (DSN: the admin's view, for checks)
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import time

import psycopg2

from device_cli import CliError, DeviceCli, create_shop, differences
from lossy_proxy import LossyProxy

DSN, GATEWAY, WORKDIR, BINARY = sys.argv[1:5]
failures = []


def say(text=""):
    print(text, flush=True)


def step(title):
    say(f"\n── {title} " + "─" * max(0, 66 - len(title)))


def admin(sql, *args):
    conn = psycopg2.connect(DSN)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def check(condition, text):
    say(f"  {'✔' if condition else '✘'} {text}")
    if not condition:
        failures.append(text)


def sync(device, offline=False):
    """One sync round of a device, reported in a line."""
    if offline:
        say(f"  {device.name:7} offline: {device.status()['pending']} change(s) wait in its outbox")
        return None
    r = device.sync(check=False)
    line = (f"  {device.name:7} sync {r['seconds'] * 1000:6.1f} ms: pushed {r['accepted']} accepted, "
            f"{r['conflicts']} conflict(s), {r['rejected']} rejected; pulled {r['pulled']} change(s)")
    if r.get("rebuilt"):
        line += " (first sync: from the snapshot)"
    say(line)
    if r.get("error"):
        say(f"          server said: {r['error']}")
    return r


def row(device, entity, row_id):
    return next(r for r in device.rows(entity) if r["id"] == row_id)


step("Setting up the shop, through the gateway")
PASSWORD = "demo password 1"
SHOP = create_shop(GATEWAY, "olivia@corner.example",
                   [("sam@corner.example", "staff"), ("vic@corner.example", "viewer")], lambda _: PASSWORD)
devices = []
for name, email in (("desk", "olivia@corner.example"), ("tablet", "sam@corner.example"),
                    ("phone", "vic@corner.example")):
    d = DeviceCli(BINARY, name, os.path.join(WORKDIR, name + ".db"), GATEWAY)
    d.login(email, PASSWORD)
    devices.append(d)
desk, tablet, phone = devices
say(f"  Olivia signed up, created 'Corner Shop' ({SHOP}) and added Sam (staff) and Vic (viewer)")
say("  desk = Olivia, tablet = Sam, phone = Vic: each is shopsync-device with its own SQLite file")
say(f"  e.g.  {os.path.basename(BINARY)} --db {desk.db} list orders")

step("1. Customers and orders, with the tablet offline")
ann = desk.add("customer", name="Ann Lee", customer_code="C-001", phone="555-0101")
bob = desk.add("customer", name="Bob Ray", customer_code="C-002")
order1 = desk.add("order", order_code="O-1001", customer_id=ann, total=42.5)
desk.add("item", order_id=order1, product_name="Green tea", sku="TEA-G", quantity=2, unit_price=12.5)
desk.add("item", order_id=order1, product_name="Teapot", quantity=1, unit_price=17.5)
cy = tablet.add("customer", name="Cy Park", customer_code="C-003")
order2 = tablet.add("order", order_code="O-1002", customer_id=cy, total=9.9)
say("  desk: 2 customers, order O-1001 with 2 items;  tablet (offline): customer C-003, order O-1002")
sync(desk)
sync(tablet, offline=True)
sync(phone)
say("  tablet is back online")
for d in (tablet, desk, phone):
    sync(d)
check(len(phone.rows("customers", include_deleted=False)) == 3, "the phone sees all 3 customers, from both devices")

step("2. The same order edited on two devices at once")
desk.edit("order", "O-1001", notes="Gift wrap, please")
tablet.edit("order", "O-1001", notes="Deliver after 5 pm")
say("  desk: notes = 'Gift wrap, please';  tablet: notes = 'Deliver after 5 pm' (both from version 1)")
sync(desk)
sync(tablet)
banner = tablet.conflicts()
check(len(banner) == 1, "the tablet got a conflict: the server's version wins")
if banner:
    say(f"  banner on tablet: your notes {banner[0]['local_payload'].get('notes')!r} were replaced by "
        f"{banner[0]['server_record'].get('notes')!r}")
check(row(tablet, "orders", order1)["notes"] == "Gift wrap, please", "the tablet now shows the server's order")

step("3. A customer deleted on one device")
bob_version = row(desk, "customers", bob)["version"]
desk.delete("customer", "C-002")
for d in devices:
    sync(d)
check(all(bob not in [c["id"] for c in d.rows("customers", include_deleted=False)] for d in devices),
      "Bob's tombstone reached every device")
tombstone = admin("SELECT deleted_at IS NOT NULL, version FROM shopsync.customers WHERE id = %s", bob)[0]
check(tombstone[0] and tombstone[1] == bob_version + 1, "on the server Bob is a tombstone, not a removed row")

step("4. The viewer tries to write")
# The phone knows its role from the server (sync_health) and refuses what the
# server would refuse, at once and with the server's reason, even offline.
try:
    phone.add("customer", name="Mallory", customer_code="C-666")
    refusal = None
except CliError as e:
    refusal = e
say(f"  phone: {refusal.message if refusal else 'accepted?'}")
check(refusal is not None and refusal.code == 8 and refusal.message.startswith("forbidden"),
      "the viewer's write is refused on the phone at once, with the server's reason (forbidden)")
status = phone.status()
check(status["pending"] == 0 and not status["failed"], "nothing was queued: no write is kept that could never be sent")
check(not admin("SELECT 1 FROM shopsync.customers WHERE customer_code = 'C-666'"), "nothing reached the server")

step("5. Order status only moves forward")
tablet.edit("order", "O-1001", status="confirmed")
sync(tablet)
# Sam's device knows the shop's rules (sync_health) and refuses the move back
# at once, with the server's reason, before anything is queued.
try:
    tablet.edit("order", "O-1001", status="pending")
    refusal = None
except CliError as e:
    refusal = e
say(f"  tablet tried confirmed → pending: {refusal.message if refusal else 'accepted?'}")
check(refusal is not None and refusal.message.startswith("invalid_transition")
      and row(tablet, "orders", order1)["status"] == "confirmed" and tablet.status()["pending"] == 0,
      "moving back was refused on the tablet at once (invalid_transition), nothing queued")
sync(desk)
desk.edit("order", "O-1001", override=True, status="pending")
r = sync(desk)
check(r["accepted"] == 1 and row(desk, "orders", order1)["status"] == "pending",
      "the owner overrode it explicitly (edit --override)")
audit = admin("SELECT action FROM shopsync.audit_log WHERE entity_id = %s", order1)
say(f"  audit log for O-1001: {[a for (a,) in audit]}")
for d in devices:
    sync(d)

step("5b. A refusal no device could foresee stays visible until acted on")
# Sam, offline, adds an item to O-1002 while Olivia deletes that order.
item = tablet.add("item", order_id=order2, product_name="Gift card", quantity=1, unit_price=20)
desk.delete("order", "O-1002")
sync(desk)
r = sync(tablet)
refused = [f for f in tablet.run("failed") if f["entity_id"] == item]
say(f"  tablet: {refused[0]['reason'] + ': ' + refused[0]['message'] if refused else 'no refusal?'}")
check(r["rejected"] == 1 and len(refused) == 1 and refused[0]["reason"] == "parent_deleted"
      and refused[0]["attempt"].get("product_name") == "Gift card",
      "the server refused the item under the deleted order; the tablet keeps it: reason and Sam's attempt")
sync(tablet)
check(len([f for f in tablet.run("failed") if f["entity_id"] == item]) == 1
      and row(tablet, "orders", order2)["deleted_at"] is not None,
      "a later pull brings the order's tombstone and never erases the refusal")
tablet.run("failed", "discard", str(refused[0]["id"]))
check(not tablet.run("failed") and not [i for i in tablet.rows("order_items") if i["id"] == item],
      "Sam discards it (failed discard): the item goes, nothing refused is left")

step("6. A push whose response is lost, then retried")
host, port = GATEWAY.rsplit("//", 1)[1].split(":")
proxy = LossyProxy(host, int(port))
desk.run("init", "--server", f"http://127.0.0.1:{proxy.port}")
desk.options = {"backoff_base": "0.01", "backoff_cap": "0.02"}
dana = desk.add("customer", name="Dana Cho", customer_code="C-004")
before = admin("SELECT count(*) FROM shopsync.change_log WHERE shop_id = %s", SHOP)[0][0]
proxy.drop_next_push = True
sync(desk)
say("  desk pushed; the connection died before the answer arrived (the server had committed)")
time.sleep(0.05)
retry = sync(desk)
after = admin("SELECT count(*) FROM shopsync.change_log WHERE shop_id = %s", SHOP)[0][0]
check(retry["accepted"] == 1 and after == before + 1 and
      admin("SELECT version FROM shopsync.customers WHERE id = %s", dana)[0][0] == 1,
      "the retry (same idempotency key) was applied exactly once")
desk.run("init", "--server", GATEWAY)
desk.options = {}
proxy.close()

step("7. Sync latency: a write on the desk, seen by the watching tablet")
watch = subprocess.Popen([BINARY, "--db", tablet.db, "watch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)  # its event stream connects
latencies = []
try:
    for i in range(15):
        desk.edit("customer", "C-001", notes=f"visit {i}")
        start = time.perf_counter()
        desk.sync()
        while True:  # the tablet's worker pulls on the gateway's poke
            db = sqlite3.connect(tablet.db)
            seen = db.execute("SELECT json_extract(data, '$.notes') FROM customers WHERE id = ?", (ann,)).fetchone()
            db.close()
            if seen and seen[0] == f"visit {i}":
                break
            if time.perf_counter() - start > 10:
                raise TimeoutError("the tablet never saw the change")
            time.sleep(0.002)
        latencies.append((time.perf_counter() - start) * 1000)
finally:
    watch.terminate()
    watch.wait(timeout=10)
say(f"  desk sync (push) → tablet has it, 15 rounds: p50 {statistics.median(latencies):.1f} ms, "
    f"max {max(latencies):.1f} ms (includes starting the desk's CLI process)")

step("Convergence check: every device against the server, every row and column")
for d in devices:
    sync(d)
for d in devices:
    diff = differences(d, admin, SHOP)
    for line in diff[:10]:
        say(f"    {line}")
    check(not diff, f"{d.name:7} equals the server ({sum(len(d.rows(e)) for e in ('customers', 'orders', 'order_items'))} rows"
          + ")")

say()
if failures:
    say(f"NOT converged: {len(failures)} check(s) failed")
    sys.exit(1)
say("converged")
