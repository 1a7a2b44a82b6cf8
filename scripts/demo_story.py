"""scripts/demo_story.py — the story `make demo` tells, with a readable report.

A corner shop with an owner (desk), a staff member (tablet) and a viewer
(phone): offline work, a conflict, a delete, a refused write, a refused and
then overridden status change, a retried push, and a final convergence check
of every device against the server. Exit status 1 if anything diverges.
Usage: demo_story.py DSN GATEWAY_URL WORKDIR   (DSN: the admin's view, for checks)
"""
import json
import sys
import time
import uuid

import psycopg2

from demo_device import ENTITIES, Device, PushRefused, http

DSN, GATEWAY, WORKDIR = sys.argv[1], sys.argv[2], sys.argv[3]
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


def timed_sync(device):
    start = time.perf_counter()
    pushed = device.push()
    pulled = device.pull()
    ms = (time.perf_counter() - start) * 1000
    if pushed is None:
        say(f"  {device.name:7} offline: {device.pending()} change(s) wait in its outbox")
        return
    a, c, r, rep = pushed
    say(f"  {device.name:7} sync {ms:6.1f} ms: pushed {a} accepted, {c} conflict(s), {r} rejected"
        f"{f', {rep} replayed' if rep else ''}; pulled {pulled} change(s)")


def check(condition, text):
    say(f"  {'✔' if condition else '✘'} {text}")
    if not condition:
        failures.append(text)


step("Setting up the shop, through the gateway")
people = {"olivia@corner.example": "owner", "sam@corner.example": "staff", "vic@corner.example": "viewer"}
for email in people:
    http(GATEWAY, "POST", "/auth/signup", {"email": email, "password": "demo password 1"})
olivia = http(GATEWAY, "POST", "/auth/login", {"email": "olivia@corner.example", "password": "demo password 1"})
SHOP = http(GATEWAY, "POST", "/rpc/create_shop", {"name": "Corner Shop"}, olivia["access_token"])["shop_id"]
olivia = http(GATEWAY, "POST", "/auth/refresh", {"refresh_token": olivia["refresh_token"], "shop_id": SHOP})
for email, role in people.items():
    if role != "owner":
        http(GATEWAY, "POST", "/rpc/add_member", {"email": email, "role": role}, olivia["access_token"])
sam = http(GATEWAY, "POST", "/auth/login", {"email": "sam@corner.example", "password": "demo password 1"})
vic = http(GATEWAY, "POST", "/auth/login", {"email": "vic@corner.example", "password": "demo password 1"})
desk = Device("desk", olivia["access_token"], GATEWAY, f"{WORKDIR}/desk.db")
tablet = Device("tablet", sam["access_token"], GATEWAY, f"{WORKDIR}/tablet.db")
phone = Device("phone", vic["access_token"], GATEWAY, f"{WORKDIR}/phone.db")
devices = (desk, tablet, phone)
say(f"  Olivia signed up, created 'Corner Shop' ({SHOP}) and added Sam (staff) and Vic (viewer)")
say("  desk = Olivia, tablet = Sam, phone = Vic; each device has its own SQLite cache and logs in over HTTP")

step("1. Customers and orders, with the tablet offline")
ann = desk.write("customers", "create", name="Ann Lee", customer_code="C-001", phone="555-0101")
bob = desk.write("customers", "create", name="Bob Ray", customer_code="C-002")
order1 = desk.write("orders", "create", order_code="O-1001", customer_id=ann, total=42.5)
desk.write("order_items", "create", order_id=order1, product_name="Green tea", sku="TEA-G", quantity=2,
           unit_price=12.5)
desk.write("order_items", "create", order_id=order1, product_name="Teapot", quantity=1, unit_price=17.5)
tablet.online = False
cy = tablet.write("customers", "create", name="Cy Park", customer_code="C-003")
order2 = tablet.write("orders", "create", order_code="O-1002", customer_id=cy, total=9.9)
say("  desk: 2 customers, order O-1001 with 2 items;  tablet (offline): customer C-003, order O-1002")
for d in devices:
    timed_sync(d)
tablet.online = True
say("  tablet is back online")
for d in (tablet, desk, phone):
    timed_sync(d)
check(len(phone.live("customers")) == 3, "the phone sees all 3 customers, from both devices")

step("2. The same order edited on two devices at once")
desk.write("orders", "update", order1, notes="Gift wrap, please")
tablet.write("orders", "update", order1, notes="Deliver after 5 pm")
say("  desk: notes = 'Gift wrap, please';  tablet: notes = 'Deliver after 5 pm' (both from version 1)")
timed_sync(desk)
timed_sync(tablet)
banner = tablet.conflicts()
check(len(banner) == 1, "the tablet got a conflict: the server's version wins")
if banner:
    detail = json.loads(banner[0][2])
    say(f"  banner on tablet: your notes {detail['mine'].get('notes')!r} were replaced by "
        f"{detail['server'].get('notes')!r}")

step("3. A customer deleted on one device")
bob_version = desk.rows("customers")[bob][0]
desk.write("customers", "delete", bob)
for d in devices:
    timed_sync(d)
check(all(bob not in [c["id"] for c in d.live("customers")] for d in devices),
      "Bob's tombstone reached every device")
tombstone = admin("SELECT deleted_at IS NOT NULL, version FROM shopsync.customers WHERE id = %s", bob)[0]
check(tombstone[0] and tombstone[1] == bob_version + 1, "on the server Bob is a tombstone, not a removed row")

step("4. The viewer tries to write")
phone.write("customers", "create", name="Mallory", customer_code="C-666")
try:
    phone.push()
    check(False, "the viewer's push was refused")
except PushRefused as e:
    say(f"  server: {e}")
    check(True, "the viewer's push was refused, and the phone shows it as failed")

step("5. Order status only moves forward")
tablet.write("orders", "update", order1, status="confirmed")
timed_sync(tablet)
tablet.write("orders", "update", order1, status="pending")
timed_sync(tablet)
failed = tablet.db.execute("SELECT last_error FROM orders WHERE id = ?", (order1,)).fetchone()[0]
say(f"  tablet tried confirmed → pending: {failed}")
check(failed is not None and failed.startswith("invalid_transition"), "moving back was refused")
for d in devices:
    d.pull()
version = desk.rows("orders")[order1][0]
override = desk.request("POST", "/sync/push", {"device_id": "desk", "events": [
    {"idempotency_key": str(uuid.uuid4()), "entity": "orders", "entity_id": order1, "op": "update",
     "base_version": version, "payload": {"status": "pending"}, "override": True}]})
check(len(override["accepted"]) == 1, "the owner overrode it explicitly")
audit = admin("SELECT action, detail::text FROM shopsync.audit_log WHERE entity_id = %s", order1)
say(f"  audit log: {audit}")
for d in devices:
    timed_sync(d)

step("6. A push whose response is lost, then retried")
dana = desk.write("customers", "create", name="Dana Cho", customer_code="C-004")
before = admin("SELECT count(*) FROM shopsync.change_log WHERE shop_id = %s", SHOP)[0][0]
desk.push(lose_response=True)
say("  desk pushed; the connection died before the answer arrived (the server had committed)")
retry = desk.push()
after = admin("SELECT count(*) FROM shopsync.change_log WHERE shop_id = %s", SHOP)[0][0]
say(f"  desk retried with the same idempotency key: {retry[0]} accepted, {retry[3]} replayed")
check(retry[3] == 1 and after == before + 1, "the retry was replayed: applied exactly once")
for d in devices:
    timed_sync(d)

step("7. Sync latency: a write on the desk, seen by the tablet")
latencies = []
for i in range(20):
    desk.write("customers", "update", ann, notes=f"visit {i}")
    start = time.perf_counter()
    desk.push()
    tablet.pull()
    latencies.append((time.perf_counter() - start) * 1000)
latencies.sort()
say(f"  push + pull, 20 rounds: p50 {latencies[9]:.1f} ms, p99 {latencies[-1]:.1f} ms")
for d in devices:
    d.pull()

step("Convergence check")
for entity in ENTITIES:
    server = {str(r[0]): (r[1], r[2]) for r in admin(
        f"SELECT id, version, to_jsonb(t) FROM shopsync.{entity} t WHERE shop_id = %s", SHOP)}
    for d in devices:
        local = {k: v for k, v in d.rows(entity).items()
                 if d.db.execute(f"SELECT sync_state FROM {entity} WHERE id = ?", (k,)).fetchone()[0] != "failed"}
        same = local.keys() == server.keys() and all(local[k][0] == server[k][0] and local[k][1] == server[k][1]
                                                      for k in server)
        check(same, f"{d.name:7} {entity:13} {len(local):3} rows equal the server's")

say()
if failures:
    say(f"NOT converged: {len(failures)} check(s) failed")
    sys.exit(1)
say("converged")
