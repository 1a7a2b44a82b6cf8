"""test/chaos/world.py — what one chaos seed runs against: a database of its own
in the private cluster (test/lib/pgcluster.sh, started by run.sh), the real
build/shopsync-gateway on a fixed port (killed with -9 and restarted there),
a FaultProxy per device, and devices (build/shopsync-device, one SQLite file
each). It also keeps every change_log entry it has seen, since a retention
purge removes them from the server.
"""
import base64
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import psycopg2

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from device_cli import DeviceCli, http  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

DEVICE_BINARY = os.path.join(ROOT, "build", "shopsync-device")
GATEWAY_BINARY = os.path.join(ROOT, "build", "shopsync-gateway")
DEVICE_OPTIONS = {"backoff_base": "0.01", "backoff_cap": "0.05", "timeout": "10"}


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def password_of(email):
    return "pw " + email


class Device(DeviceCli):
    """A chaos device: a DeviceCli behind its own FaultProxy."""

    def __init__(self, name, user, db_path, proxy):
        self.user, self.proxy = user, proxy
        super().__init__(DEVICE_BINARY, name, db_path, f"http://127.0.0.1:{proxy.port}", dict(DEVICE_OPTIONS))

    def command(self, *args):
        cmd = [self.binary, "--db", self.db, "--json"]
        for key, value in self.options.items():
            cmd += ["--option", f"{key}={value}"]
        return cmd + list(args)

    def kv(self, key, value=None):
        db = sqlite3.connect(self.db, timeout=30)
        try:
            if value is not None:
                db.execute("INSERT OR REPLACE INTO sync_kv (key, value) VALUES (?, ?)", (key, value))
                db.commit()
            row = db.execute("SELECT value FROM sync_kv WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None
        finally:
            db.close()


class World:
    def __init__(self, seed, work):
        self.seed, self.work = seed, work
        self.dbname = f"chaos_{seed}_{os.getpid()}"
        self.jwt_secret = "chaos-" + hashlib.sha256(str(seed).encode()).hexdigest()
        self.port = free_port()
        self.gateway = None
        self.devices = {}
        self.log = {}            # (shop, seq) -> (entity, entity_id, op, version, payload, device_id)
        self.log_rewrites = []   # a seq seen twice with different contents
        self.purged_ids = set()  # rows a retention purge removed from the server
        self.purge_own = set()   # (shop, seq) a purge wrote and removed itself
        admin_sql(None, f"CREATE DATABASE {self.dbname}")
        # The test cluster runs with synchronous_commit off; an immediate restart would then lose
        # commits the devices were told about. Commits here are durable, as in production.
        admin_sql(None, f"ALTER DATABASE {self.dbname} SET synchronous_commit = on")
        if CITUS_WORKERS:
            citus_database(self.dbname)
        self.admin("CREATE EXTENSION shopsync")
        if CITUS_WORKERS:
            self.admin("SELECT shopsync.distribute()")
        try:
            self.start_gateway()
        except BaseException:  # e.g. SIGTERM while starting: run_seed has no world to close yet
            self.kill_gateway()
            raise

    # ---- server side ---------------------------------------------------------------------------
    def admin(self, sql, *args):
        return admin_sql(self.dbname, sql, *args)

    def start_gateway(self):
        env = dict(os.environ, LISTEN=f"127.0.0.1:{self.port}", JWT_SECRET=self.jwt_secret, USER_RATE="0",
                   DEVICE_RATE="0",
                   DATABASE_URL=f"host={os.environ['PGHOST']} port={os.environ['PGPORT']} dbname={self.dbname}"
                                " user=shopsync_gateway")
        log = open(os.path.join(self.work, "gateway.log"), "ab")
        for _ in range(100):  # the port may linger a moment after a kill -9
            self.gateway = subprocess.Popen([GATEWAY_BINARY], env=env, stdout=log, stderr=log,
                                            start_new_session=True)
            for _ in range(100):
                if self.gateway.poll() is not None:
                    break
                try:
                    http(f"http://127.0.0.1:{self.port}", "GET", "/health")
                    return
                except Exception:
                    time.sleep(0.02)
            if self.gateway.poll() is None:
                self.kill_gateway()  # in a session of its own: nothing else would ever stop it
                raise RuntimeError("gateway did not answer /health")
            time.sleep(0.1)
        raise RuntimeError("gateway would not start; see gateway.log")

    def kill_gateway(self):
        if self.gateway and self.gateway.poll() is None:
            os.kill(self.gateway.pid, signal.SIGKILL)
            self.gateway.wait()

    def stop_gateway(self):
        if self.gateway and self.gateway.poll() is None:
            self.gateway.terminate()
            try:
                self.gateway.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill_gateway()

    def restart_postgres(self):
        """An immediate restart (as after a crash): same data, same port."""
        subprocess.run(["bash", "-c", 'source test/lib/pgcluster.sh && _pgcluster_as_owner "$PG_BINDIR/pg_ctl" '
                        '-D "$PGCLUSTER_DIR/data" -m immediate -w restart -l "$PGCLUSTER_DIR/server.log"'],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ))

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def token(self, email, shop=None):
        body = {"email": email, "password": password_of(email)}
        if shop:
            body["shop_id"] = shop
        return http(self.url(), "POST", "/auth/login", body)["access_token"]

    def user_id(self, email):
        return self.admin("SELECT id::text FROM shopsync.users WHERE email = %s", email)[0][0]

    def capture_log(self):
        """Every change_log entry not seen yet (before a purge removes them, and at the end)."""
        for shop, seq, entity, entity_id, op, version, payload, device in self.admin(
                "SELECT shop_id::text, seq, entity, entity_id::text, op, version, payload, device_id"
                " FROM shopsync.change_log ORDER BY shop_id, seq"):
            entry = (entity, entity_id, op, version, payload, device)
            old = self.log.get((shop, seq))
            if old is not None and old[:4] != entry[:4]:
                self.log_rewrites.append(f"shop {shop[:8]} seq {seq}: was {old[:4]}, now {entry[:4]}")
            self.log[(shop, seq)] = entry

    def purge(self):
        self.capture_log()
        before = {r[0] for r in self.admin("SELECT id::text FROM shopsync.customers UNION ALL SELECT id::text FROM"
                                           " shopsync.orders UNION ALL SELECT id::text FROM shopsync.order_items")}
        self.admin("SELECT shopsync.purge('0 seconds', '0 seconds', NULL)")
        after = {r[0] for r in self.admin("SELECT id::text FROM shopsync.customers UNION ALL SELECT id::text FROM"
                                          " shopsync.orders UNION ALL SELECT id::text FROM shopsync.order_items")}
        self.purged_ids |= before - after
        # The purge itself writes: a purged customer's orders lose their customer_id (ON DELETE SET
        # NULL), logged and removed by the same purge. Those seqs were drawn but never readable.
        seen = {}
        for shop, seq in self.log:
            seen[shop] = max(seen.get(shop, 0), seq)
        for shop, last in self.admin("SELECT shop_id::text, last_seq FROM shopsync.shop_cursors"):
            self.purge_own.update((shop, seq) for seq in range(seen.get(shop, 0) + 1, last + 1))

    # ---- devices -------------------------------------------------------------------------------
    def add_device(self, name, user):
        proxy = FaultProxy(self.port)
        proxy.expire = self.expire_token
        d = Device(name, user, os.path.join(self.work, name + ".db"), proxy)
        self.devices[name] = d
        return d

    def expired_token(self, d):
        """The device's access token re-signed with an exp in the past (the device still thinks it valid)."""
        return self.expire_token(d.kv("access_token") or "")

    def expire_token(self, token):
        parts = token.split(".")
        if len(parts) != 3:
            return None
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        claims["exp"] = int(time.time()) - 30
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        signing = f"{parts[0]}.{payload}".encode()
        sig = base64.urlsafe_b64encode(hmac.new(self.jwt_secret.encode(), signing, hashlib.sha256).digest())
        return f"{parts[0]}.{payload}.{sig.rstrip(b'=').decode()}"

    def close(self):
        self.stop_gateway()
        for d in self.devices.values():
            d.proxy.close()
        try:
            admin_sql(None, f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
            for port in CITUS_WORKERS:
                node_sql(port, None, f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
        except Exception:
            pass


# On a Citus cluster (test/citus/run.sh): CHAOS_CITUS_WORKERS names the worker ports of the
# coordinator at PGHOST/PGPORT. Citus lives per database: each seed's database is made on
# every node, the workers are added to it, and shopsync.distribute() lays it out.
CITUS_WORKERS = os.environ.get("CHAOS_CITUS_WORKERS", "").split()


def node_sql(port, dbname, sql, *args):
    """One statement in autocommit as a node's superuser."""
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname or "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args or None)
    finally:
        conn.close()


def citus_database(dbname):
    coordinator = os.environ["PGPORT"]
    for port in CITUS_WORKERS:
        node_sql(port, None, f"CREATE DATABASE {dbname}")
        node_sql(port, None, f"ALTER DATABASE {dbname} SET synchronous_commit = on")
        node_sql(port, dbname, "CREATE EXTENSION citus")
    node_sql(coordinator, dbname, "CREATE EXTENSION citus")
    node_sql(coordinator, dbname, "SELECT citus_set_coordinator_host('127.0.0.1', %s)", int(coordinator))
    for port in CITUS_WORKERS:
        node_sql(coordinator, dbname, "SELECT citus_add_node('127.0.0.1', %s)", int(port))


def admin_sql(dbname, sql, *args):
    """One statement as the cluster's superuser, retried while PostgreSQL restarts."""
    for attempt in range(100):
        try:
            conn = psycopg2.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"], user="postgres",
                                    dbname=dbname or "postgres")
            break
        except psycopg2.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.1)
    conn.autocommit = dbname is None
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args or None)
            rows = cur.fetchall() if cur.description else None
        conn.commit()
        return rows
    finally:
        conn.close()
