"""scripts/rehearse_restore.py — the restore rehearsal (scripts/rehearse-restore.sh
says what it does). Every step is timed; the table goes to stdout and, when a
path is given, to that file (docs/runbook.md quotes a run's figures).
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from device_cli import DeviceCli, create_shop, differences  # noqa: E402

import psycopg2  # noqa: E402

ROOT = os.getcwd()
BINDIR = os.environ.get("PG_BINDIR") or subprocess.run(
    ["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
TMP = tempfile.mkdtemp(prefix="shopsync-rehearsal.", dir=os.environ.get("SHOPSYNC_TMPDIR", "/tmp"))
os.chmod(TMP, 0o755)
RUNAS = "shopsync-test" if os.geteuid() == 0 else None  # PostgreSQL refuses to run as root
PASSWORD = "rehearsal password 1"
SHOP_ENTITIES = ("customers", "orders", "order_items")
LOAD_AT_START = open("/proc/loadavg").read().split()[0]
timings = []
failures = []
processes = []
clusters = []


def as_owner(cmd):
    return (["runuser", "-u", RUNAS, "--"] if RUNAS else []) + cmd


def run(cmd, **kw):
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()}")
    return done


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def step(name):
    start = time.monotonic()
    yield
    timings.append((name, time.monotonic() - start))
    print(f"rehearsal: {name}: {timings[-1][1]:.1f} s", flush=True)


def check(condition, what):
    print(f"{'ok' if condition else 'not ok'} - {what}", flush=True)
    if not condition:
        failures.append(what)


class Cluster:
    def __init__(self, name):
        self.dir = os.path.join(TMP, name)
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.log = os.path.join(self.dir, "server.log")
        if RUNAS:
            run(["chown", RUNAS, self.dir])
        clusters.append(self)

    def configure(self, **settings):
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            for key, value in settings.items():
                f.write(f"{key} = {value}\n")

    def ctl(self, *args):
        run(as_owner([f"{BINDIR}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "120", *args]))

    def dsn(self, db="shop", user="postgres"):
        return f"host={self.dir} port={self.port} user={user} dbname={db}"

    def sql(self, query, *args, db="shop"):
        conn = psycopg2.connect(self.dsn(db))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(query, args)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def stop(self, mode="immediate"):
        subprocess.run(as_owner([f"{BINDIR}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"]),
                       capture_output=True)


class Gateway:
    def __init__(self, port, cluster, secret):
        self.port = port
        self.log = open(os.path.join(TMP, f"gateway-{cluster.port}.log"), "w")
        env = dict(os.environ, JWT_SECRET=secret, LISTEN=f"127.0.0.1:{port}",
                   DATABASE_URL=cluster.dsn(user="shopsync_gateway"))
        self.proc = subprocess.Popen([os.path.join(ROOT, "build/shopsync-gateway")], env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        processes.append(self.proc)
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the gateway did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def cleanup(*_):
    for p in processes:
        if p.poll() is None:
            p.kill()
            p.wait()
    for c in clusters:
        c.stop()
    shutil.rmtree(TMP, ignore_errors=True)


def client_columns(row):
    return {k: v for k, v in row.items() if k not in ("version", "updated_at", "deleted_at", "line_total")}


def server_state(cluster, shop, db="shop"):
    """{entity: {id: row}} of the shop, tombstones included."""
    state = {}
    for entity in SHOP_ENTITIES:
        rows = cluster.sql(f"SELECT to_jsonb(t) FROM shopsync.{entity} t WHERE shop_id = %s", shop, db=db)
        state[entity] = {r["id"]: r for (r,) in rows}
    return state


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else None
    if RUNAS:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", RUNAS],
                       capture_output=True)
    archive = os.path.join(TMP, "wal-archive")
    os.makedirs(archive)
    if RUNAS:
        run(["chown", RUNAS, archive])
    device_bin = os.path.join(ROOT, "build/shopsync-device")
    secret = "rehearsal-" + os.urandom(16).hex()
    gateway_port = free_port()
    server = f"http://127.0.0.1:{gateway_port}"

    # ---- the primary, archiving its WAL -------------------------------------------------
    primary = Cluster("primary")
    with step("primary: initdb, WAL archiving on, extension installed"):
        run(as_owner([f"{BINDIR}/initdb", "-D", primary.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8"]))
        # fsync off: the rehearsal simulates PostgreSQL crashes, not the machine's;
        # synchronous_commit stays on, so an acknowledged write survives a crash restart.
        primary.configure(listen_addresses="'127.0.0.1'", port=primary.port,
                          unix_socket_directories=f"'{primary.dir}'", fsync="off", wal_level="replica",
                          archive_mode="on", archive_command=f"'test ! -f {archive}/%f && cp %p {archive}/%f'",
                          log_min_messages="warning")
        primary.ctl("start")
        primary.sql("CREATE DATABASE shop", db="postgres")
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", primary.dsn(), "-f", "sql/roles.sql"])
        primary.sql("CREATE EXTENSION shopsync")
    gateway = Gateway(gateway_port, primary, secret)

    with step("shop, three devices signed in, first writes synced"):
        create_shop(server, "olivia@corner.example", [("sam@corner.example", "staff"),
                                                      ("tia@corner.example", "staff")], lambda _: PASSWORD)
        shop = primary.sql("SELECT id FROM shopsync.shops")[0][0]
        devices = {}
        for name, email in (("desk", "olivia@corner.example"), ("till", "sam@corner.example"),
                            ("phone", "tia@corner.example")):
            d = DeviceCli(device_bin, name, os.path.join(TMP, f"{name}.db"), server)
            d.login(email, PASSWORD)
            devices[name] = d
        desk, till, phone = devices["desk"], devices["till"], devices["phone"]
        for i in range(1, 6):
            desk.add("customer", customer_code=f"C-{i}", name=f"Customer {i}")
            desk.add("order", order_code=f"O-{i}", customer_id=f"C-{i}", total=10.0 * i)
            desk.add("item", order_id=f"O-{i}", product_name="Tea", quantity=i, unit_price=4.25)
        for d in devices.values():
            d.sync()

    # ---- base backup while the devices sync --------------------------------------------
    backup = os.path.join(TMP, "base-backup")
    os.makedirs(backup, mode=0o700)
    if RUNAS:
        run(["chown", RUNAS, backup])
    busy = threading.Event()
    busy.set()

    def keep_syncing():
        n = 0
        while busy.is_set():
            n += 1
            till.add("customer", customer_code=f"T-{n}", name=f"Walk-in {n}")
            till.sync()
            phone.sync()

    with step("base backup (pg_basebackup) while devices sync"):
        writer = threading.Thread(target=keep_syncing)
        writer.start()
        try:
            run(as_owner([f"{BINDIR}/pg_basebackup", "-h", primary.dir, "-p", str(primary.port), "-U", "postgres",
                          "-D", backup, "-X", "stream", "-c", "fast"]))
        finally:
            busy.clear()
            writer.join()

    with step("writes after the backup, then the restore point"):
        phone.add("customer", customer_code="P-1", name="Before the point")
        desk.edit("order", "O-1", status="confirmed")
        for d in devices.values():
            d.sync()
        primary.sql("SELECT pg_create_restore_point('rehearsal')")

    # Everything below is acknowledged to the devices, and lost by the restore.
    with step("writes after the restore point, acknowledged to the devices"):
        desk.add("customer", customer_code="L-1", name="Late customer")
        desk.add("order", order_code="L-O1", customer_id="L-1", total=99.5)
        desk.add("item", order_id="L-O1", product_name="Cake", quantity=3, unit_price=2.5)
        till.sync()  # till learns the edit of O-1 and the late rows
        till.edit("order", "O-1", status="shipping")
        phone.add("customer", customer_code="L-2", name="Created, then deleted")
        phone.sync()
        desk.sync()
        desk.delete("customer", "L-2")
        desk.delete("customer", "C-5")
        for d in (desk, till, phone, desk, till, phone):
            d.sync()
        # one more edit made offline, queued on a version the restored server will lack
        till.edit("order", "O-1", notes="left at the door")
    truth = server_state(primary, shop)
    late_ids = {e: set(truth[e]) for e in SHOP_ENTITIES}

    with step("crash restart of the primary (immediate stop)"):
        epoch_before = primary.sql("SELECT shopsync.restore_epoch()")[0][0]
        primary.ctl("-m", "immediate", "restart")
        epoch_after_crash = primary.sql("SELECT shopsync.restore_epoch()")[0][0]
    check(epoch_before == epoch_after_crash, "a crash restart keeps the restore epoch")

    with step("last WAL segment archived, the primary lost"):
        segment = primary.sql("SELECT pg_walfile_name(pg_switch_wal())")[0][0]
        for _ in range(600):
            done = primary.sql("SELECT last_archived_wal FROM pg_stat_archiver")[0][0]
            if done and done >= segment:
                break
            time.sleep(0.1)
        gateway.stop()
        primary.stop("immediate")

    # ---- point-in-time recovery into a new cluster --------------------------------------
    restored = Cluster("restored")
    with step("point-in-time recovery into a new cluster (to the restore point)"):
        shutil.move(backup, restored.data)
        new_archive = os.path.join(TMP, "wal-archive-restored")
        os.makedirs(new_archive)
        if RUNAS:
            run(["chown", "-R", RUNAS, restored.data, new_archive])
        restored.configure(port=restored.port, unix_socket_directories=f"'{restored.dir}'",
                           restore_command=f"'cp {archive}/%f %p'", recovery_target_name="'rehearsal'",
                           recovery_target_action="'promote'",
                           archive_command=f"'test ! -f {new_archive}/%f && cp %p {new_archive}/%f'")
        open(os.path.join(restored.data, "recovery.signal"), "w").close()
        if RUNAS:
            run(["chown", RUNAS, os.path.join(restored.data, "recovery.signal")])
        restored.ctl("start")
        for _ in range(600):
            if not restored.sql("SELECT pg_is_in_recovery()")[0][0]:
                break
            time.sleep(0.1)
    lost = server_state(restored, shop)
    lost_rows = sum(len(late_ids[e] - set(lost[e])) for e in SHOP_ENTITIES)
    check(lost_rows > 0, f"the restore lost rows the devices hold ({lost_rows})")
    epoch_restored = restored.sql("SELECT shopsync.restore_epoch()")[0][0]
    check(epoch_restored != epoch_before, "the point-in-time recovery starts a new restore epoch")

    with step("gateway pointed at the restored cluster"):
        gateway = Gateway(gateway_port, restored, secret)

    with step("devices recover by themselves (each syncs until quiet)"):
        recovered = {}
        # The owner's desk last: the staff devices give back first (the till
        # with its offline edit on a lost version), and what only an owner may
        # give back (the tombstones) still comes back after them.
        for _ in range(3):
            for name in ("till", "phone", "desk"):
                d = devices[name]
                report = d.sync()
                if report.get("recovered"):
                    recovered[name] = report.get("reuploaded", 0)
    check(set(recovered) == set(devices), f"every device noticed the restore and recovered ({recovered})")
    verify(restored, shop, devices, truth, "after the point-in-time recovery")

    # ---- logical round trip --------------------------------------------------------------
    dump = os.path.join(TMP, "shop.dump")
    with step("pg_dump of the shop database (custom format)"):
        run([f"{BINDIR}/pg_dump", "-Fc", "-d", restored.dsn(), "-f", dump])
    with step("pg_restore into a new database (schema, data without triggers, indexes)"):
        restored.sql("CREATE DATABASE shop_copy", db="postgres")
        # --disable-triggers only acts on a data-only restore: the rows keep
        # their versions and tombstones and are not logged a second time.
        for section in (["--section=pre-data"], ["--section=data", "--disable-triggers"], ["--section=post-data"]):
            run([f"{BINDIR}/pg_restore", *section, "--exit-on-error", "-d", restored.dsn("shop_copy"), dump])
    for table in ("shops", "shop_members", "shop_cursors", "customers", "orders", "order_items", "change_log",
                  "idempotency_keys", "devices", "audit_log", "users", "refresh_tokens"):
        digest = f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM shopsync.{table} t"
        check(restored.sql(digest) == restored.sql(digest, db="shop_copy"),
              f"pg_dump / pg_restore keeps shopsync.{table} row for row")
    epoch_copy = restored.sql("SELECT shopsync.restore_epoch()", db="shop_copy")[0][0]
    check(epoch_copy not in (epoch_restored, epoch_before), "the logical restore starts a new restore epoch")
    with step("gateway pointed at the logical copy; devices recover"):
        gateway.stop()
        copy = Cluster.__new__(Cluster)
        copy.__dict__.update(restored.__dict__)
        copy.dsn = lambda db="shop_copy", user="postgres": restored.dsn(db, user)
        gateway = Gateway(gateway_port, copy, secret)
        given_back = 0
        for _ in range(2):
            for d in devices.values():
                report = d.sync()
                given_back += report.get("reuploaded", 0) if report.get("recovered") else 0
    check(given_back == 0, "after a logical restore nothing was lost, so nothing is given back")
    verify(restored, shop, devices, truth, "after the logical restore", db="shop_copy")
    gateway.stop()

    table = ["| step | seconds |", "|---|---|"] + [f"| {name} | {secs:.1f} |" for name, secs in timings]
    total = sum(s for _, s in timings)
    table.append(f"| **total** | **{total:.1f}** |")
    table += ["", f"Load average at the start: {LOAD_AT_START}, at the end: {open('/proc/loadavg').read().split()[0]}"
              f" ({os.cpu_count()} cores)."]
    print("\n".join(table))
    if out_path:
        with open(out_path, "w") as f:
            f.write("\n".join(table) + "\n")
    if failures:
        print(f"rehearsal: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("rehearsal: every acknowledged write is back, nothing twice, every device equals the server")
    return 0


def verify(cluster, shop, devices, truth, when, db="shop"):
    now = server_state(cluster, shop, db=db)
    missing, changed = [], []
    for entity in SHOP_ENTITIES:
        for row_id, row in truth[entity].items():
            got = now[entity].get(row_id)
            if got is None:
                missing.append(f"{entity} {row_id[:8]}")
                continue
            if (got["deleted_at"] is None) != (row["deleted_at"] is None):
                changed.append(f"{entity} {row_id[:8]} deleted={got['deleted_at'] is not None}")
            want = client_columns(row)
            have = client_columns(got)
            if entity == "orders" and want.get("order_code") == "O-1":
                want["notes"] = "left at the door"  # the offline edit, made after the disaster
            for column, value in want.items():
                if have.get(column) != value and not (isinstance(value, (int, float)) and
                                                      abs(float(have.get(column) or 0) - float(value)) < 1e-9):
                    changed.append(f"{entity} {row_id[:8]}.{column}: {have.get(column)!r}, was {value!r}")
    check(not missing, f"{when}: every acknowledged row is back ({len(missing)} missing: {missing[:5]})")
    check(not changed, f"{when}: with its acknowledged values and tombstones ({changed[:5]})")
    twice = cluster.sql("SELECT entity, entity_id FROM shopsync.change_log WHERE shop_id = %s AND op = 'create'"
                        " GROUP BY 1, 2 HAVING count(*) > 1", shop, db=db)
    codes = cluster.sql("SELECT customer_code FROM shopsync.customers WHERE shop_id = %s AND deleted_at IS NULL"
                        " AND customer_code IS NOT NULL GROUP BY 1 HAVING count(*) > 1", shop, db=db)
    check(not twice and not codes, f"{when}: nothing was created twice ({twice[:3]} {codes[:3]})")
    admin = lambda q, *a: cluster.sql(q, *a, db=db)  # noqa: E731
    for d in devices.values():
        diff = differences(d, admin, shop)
        check(not diff, f"{when}: {d.name} equals the server ({diff[:3]})")
        status = d.status()
        check(not status.get("failed") and not status.get("pending"),
              f"{when}: {d.name} has nothing pending or refused ({status.get('pending')}, {status.get('failed')})")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: (cleanup(), sys.exit(143)))
    signal.signal(signal.SIGINT, lambda *_: (cleanup(), sys.exit(130)))  # Ctrl-C leaves nothing running
    try:
        code = main()
    except Exception:
        cleanup()
        raise
    cleanup()
    sys.exit(code)
