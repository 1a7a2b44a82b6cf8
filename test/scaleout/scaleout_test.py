"""test/scaleout/scaleout_test.py — two gateways behind PgBouncer (transaction
pooling) in front of a primary and its streaming replica (test/lib/scaleout.sh).
Devices here are small HTTP clients of the sync protocol: a cursor, pulled
pages applied to a dict, pushes, an event stream for pokes. Checks: devices
on different gateways converge with the server; a push through gateway A
pokes a device on gateway B; with the replica's replay paused, a poked device
still gets the change, a snapshot still has it, and no cursor (from the
primary, or from a replica ahead) meets cursor_expired; pulls are served by
the replica when it is caught up; api.sync_pull and api.sync_snapshot run on
the hot standby; concurrent calls of two shops through two PgBouncer server
connections never see each other's rows (claims and role per transaction).
"""
import json
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from gateway_harness import PokeListener, admin, finish, ok, token  # noqa: E402

import psycopg2  # noqa: E402

GW = {"A": os.environ["GW_A_URL"], "B": os.environ["GW_B_URL"]}
REPLICA = dict(host="127.0.0.1", port=os.environ["REPLICA_PORT"], dbname=os.environ["PGDATABASE"], user="postgres")
BOUNCER_PORT = os.environ["BOUNCER_PORT"]


def request(gw, method, path, body=None, bearer=None, timeout=15):
    import http.client
    host, port = GW[gw].rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    text = res.read().decode()
    conn.close()
    return res.status, json.loads(text) if text else None


def metrics(gw):
    import http.client
    host, port = GW[gw].rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    out = {}
    for line in text.splitlines():
        if line.startswith("shopsync_replica_reads_total{served=\""):
            out[line.split('"')[1]] = int(float(line.rsplit(" ", 1)[1]))
    return out


def replica_sql(sql):
    conn = psycopg2.connect(**REPLICA)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


class Device:
    """A device of one shop on one gateway: cursor, rows, the epochs it saw, its errors."""

    def __init__(self, name, gw, user, shop):
        self.name, self.gw, self.shop = name, gw, shop
        self.bearer = token(user, shop)
        self.cursor, self.rows, self.epochs, self.errors = 0, {}, set(), []

    def push(self, events):
        status, body = request(self.gw, "POST", "/sync/push",
                               {"device_id": self.name, "events": events}, self.bearer)
        if status != 200 or body["rejected"] or body["conflicts"]:
            self.errors.append(("push", status, body))
        return body

    def create(self, name):
        cid = str(uuid.uuid4())
        self.push([{"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": cid,
                    "op": "create", "base_version": 0, "payload": {"name": name}}])
        return cid

    def update(self, cid, base, name):
        self.push([{"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": cid,
                    "op": "update", "base_version": base, "payload": {"name": name}}])

    def pull(self):
        while True:
            status, body = request(self.gw, "GET", f"/sync/pull?cursor={self.cursor}&limit=50", bearer=self.bearer)
            if status != 200:
                self.errors.append(("pull", status, body))
                return
            self.epochs.add(body["restore_epoch"])
            for c in body["changes"]:
                if c["entity"] == "customers":
                    self.rows[c["entity_id"]] = (c["version"], c["payload"].get("name"))
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return


def server_rows(shop):
    return {str(r[0]): (r[1], r[2]) for r in
            admin("SELECT id, version, name FROM shopsync.customers WHERE shop_id = %s AND deleted_at IS NULL", shop)}


def wait_caught_up(seconds=10):
    lsn = admin("SELECT pg_current_wal_insert_lsn()::text")[0][0]
    deadline = time.time() + seconds
    while time.time() < deadline:
        if replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")[0][0]:
            return True
        time.sleep(0.02)
    return False


SHOP, OTHER = str(uuid.uuid4()), str(uuid.uuid4())
OWNER, STAFF, OTHER_OWNER = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
admin("INSERT INTO shopsync.shops (id, name) VALUES (%s, 'Scale'), (%s, 'Other')", SHOP, OTHER)
admin("INSERT INTO shopsync.shop_members VALUES (%s, %s, 'owner'), (%s, %s, 'staff'), (%s, %s, 'owner')",
      SHOP, OWNER, SHOP, STAFF, OTHER, OTHER_OWNER)

# 1. Devices on two gateways converge (pulls on the replica, pushes through PgBouncer).
devices = [Device("a1", "A", OWNER, SHOP), Device("a2", "A", STAFF, SHOP),
           Device("b1", "B", OWNER, SHOP), Device("b2", "B", STAFF, SHOP)]
made = []
for round_ in range(3):
    for d in devices:
        made.append(d.create(f"{d.name}-{round_}"))
    for d in devices:
        d.pull()
first = devices[0]
first.pull()
version, _ = first.rows[made[0]]
first.update(made[0], version, "renamed on a1")
devices[2].update(made[1], devices[2].rows[made[1]][0], "renamed on b1")
wait_caught_up()
for d in devices:
    d.pull()
server = server_rows(SHOP)
ok(len(server) == 12 and all(d.rows == server for d in devices),
   "four devices on two gateways (pulls from the replica) equal the server: 12 rows, 2 renamed")
ok(all(not d.errors for d in devices), "no device met an error: " + str([d.errors for d in devices if d.errors])[:300])
m = metrics("B")
ok(m.get("replica", 0) > 0, f"gateway B served pulls from the replica ({m})")
ok(len(set().union(*(d.epochs for d in devices))) == 1, "one restore epoch from the replica and the primary alike")

# 2. Hot standby: the sync reads run there and write nothing.
claims = json.dumps({"sub": OWNER, "role": "authenticated", "shop_id": SHOP})
conn = psycopg2.connect(**REPLICA)
try:
    with conn.cursor() as cur:
        cur.execute("SET ROLE authenticated")
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (claims,))
        cur.execute("SELECT jsonb_array_length(api.sync_pull(0, 100) -> 'changes'),"
                    " api.sync_snapshot('customers') IS NOT NULL")
        n, snap = cur.fetchone()
        ok(n >= 12 and snap, "api.sync_pull and api.sync_snapshot answer on the hot standby (no write)")
finally:
    conn.close()

# 3. A push through gateway A pokes a device listening on gateway B.
host_b, port_b = GW["B"].rsplit("/", 1)[1].split(":")
stream_b = PokeListener(int(port_b), devices[2].bearer, host=host_b)
time.sleep(0.3)  # the stream is subscribed
base = stream_b.pokes
devices[0].create("poke me")
ok(stream_b.wait_for(base + 1, 3), "a push through gateway A pokes the event stream on gateway B")

# 4. The replica lags (replay paused): no device misses a change or meets cursor_expired.
wait_caught_up()
for d in devices:
    d.pull()
before = metrics("B")
replica_sql("SELECT pg_wal_replay_pause()")
try:
    base = stream_b.pokes
    fresh = devices[0].create("while the replica lags")
    poked = stream_b.wait_for(base + 1, 3)
    devices[2].pull()  # on gateway B, poked: must see the change
    ok(poked and fresh in devices[2].rows, "a device poked on B while the replica lags pulls the new change")
    devices[0].pull()  # on A: cursor now past what the replica has
    ahead = Device("a1-on-b", "B", OWNER, SHOP)
    ahead.cursor = devices[0].cursor  # the same device, moving to gateway B
    ahead.pull()
    ok(not ahead.errors, f"a cursor from the primary asked on B (replica behind): no cursor_expired {ahead.errors}")
    status, snap = request("B", "POST", "/rpc/sync_snapshot", {"entity": "customers", "lim": 500},
                           devices[3].bearer)
    ids = {r["id"] for r in (snap or {}).get("rows", [])} if status == 200 else set()
    ok(status == 200 and fresh in ids, f"a snapshot on B while the replica lags has the new row ({status})")
    lagging = replica_sql(f"SELECT count(*) FROM shopsync.customers WHERE id = '{fresh}'")[0][0]
    ok(lagging == 0, "(the replica really lags: it does not have the row)")
    after = metrics("B")
    ok(after.get("primary_replica_behind", 0) > before.get("primary_replica_behind", 0),
       "those reads went to the primary because the replica was behind")
finally:
    replica_sql("SELECT pg_wal_replay_resume()")
ok(wait_caught_up(), "replay resumed: the replica catches up")
served = metrics("B").get("replica", 0)
for d in devices:
    d.pull()
server = server_rows(SHOP)
ok(all(d.rows == server for d in devices) and not any(d.errors for d in devices),
   "after the lag every device equals the server, no error")
ok(metrics("B").get("replica", 0) > served, "caught up, gateway B reads from the replica again")

# 5. Transaction pooling: two shops' calls interleave on few server connections,
# each sees only its own shop (role and claims per transaction, no session state).
mine = Device("x1", "A", OTHER_OWNER, OTHER)
mine.create("other shop's row")
leaks, seen = [], []


def hammer(device, own_ids, n):
    for _ in range(n):
        device.cursor = 0
        device.rows = {}
        device.pull()
        seen.append(len(device.rows))
        if set(device.rows) - own_ids:
            leaks.append(device.name)


other_ids = set(server_rows(OTHER))
threads = [threading.Thread(target=hammer, args=(Device(f"h{i}", "AB"[i % 2], *(
    (OWNER, SHOP) if i % 2 else (OTHER_OWNER, OTHER))), set(server) if i % 2 else other_ids, 15))
    for i in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
pools = psycopg2.connect(host="127.0.0.1", port=BOUNCER_PORT, dbname="pgbouncer", user="postgres")
pools.autocommit = True
with pools.cursor() as cur:
    cur.execute("SHOW POOLS")
    cols = [c[0] for c in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
pools.close()
modes = {r["database"]: r["pool_mode"] for r in rows if r["user"] == "shopsync_gateway"}
ok(modes.get("shopsync_test") == "transaction" and modes.get("shopsync_replica") == "transaction",
   f"the gateways' calls go through PgBouncer in transaction pooling ({modes})")
ok(not leaks and len(seen) == 90 and all(n > 0 for n in seen),
   f"90 concurrent pulls of two shops through 2 server connections: none saw the other shop ({leaks[:3]})")
sys.exit(finish())
