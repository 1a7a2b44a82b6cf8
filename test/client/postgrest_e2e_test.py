"""test/client/postgrest_e2e_test.py — shopsync-device with the postgrest
profile and tokens minted outside the library, through the gateway's
PostgREST-style routes (POST /rpc/<fn> and Supabase's /rest/v1/rpc/<fn>)
with a private cluster: a device signed in with a token
from /auth/login called here, another with a JWT signed here with the test
secret and read from a token file (the token source), push, pull and
converge; a handed-in refresh token renews an expired token (gateway and
GoTrue); a refused token is renewed from the source once and the request
retried; without an event stream a device polls and a change from another
device arrives; losing membership moves the device out; a missing route keeps
writes queued; GoTrue sign-in, refresh and sign-out under /auth/v1.

Needs GATEWAY_URL, JWT_SECRET, the PG* environment and build/shopsync-device; prints TAP.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from device_cli import CliError, DeviceCli, create_shop, differences  # noqa: E402
from device_cli import http as call  # noqa: E402

BINARY = os.path.abspath(os.environ.get("SHOPSYNC_DEVICE_BINARY", "build/shopsync-device"))
GATEWAY = os.environ["GATEWAY_URL"]
SECRET = os.environ["JWT_SECRET"]
WORK = tempfile.mkdtemp(prefix="shopsync-postgrest-e2e-", dir=os.environ.get("SHOPSYNC_TMPDIR"))
results = []


def ok(condition, name, detail=None):
    results.append(bool(condition))
    print(f"{'ok' if condition else 'not ok'} {len(results)} - {name}", flush=True)
    if not condition and detail:
        for line in (detail if isinstance(detail, list) else [detail])[:20]:
            print(f"#   {line}", flush=True)


def admin(sql, *args):
    conn = psycopg2.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"], user="postgres",
                            dbname=os.environ["PGDATABASE"])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(claims, secret=SECRET):
    """An HS256 JWT signed here, as an identity service outside the library would."""
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


# The project's anon key, as Supabase issues it: the gateway checks an apikey it is sent.
ANON_KEY = mint({"role": "anon", "iss": "supabase", "iat": int(time.time()), "exp": int(time.time()) + 86400})


def claims_for(email, shop, ttl=900):
    user = admin("SELECT id::text FROM shopsync.users WHERE email = %s", email)[0][0]
    now = int(time.time())
    return {"sub": user, "email": email, "role": "authenticated", "aud": "authenticated",
            "iat": now, "exp": now + ttl, "app_metadata": {"shop_id": shop}}


def expire_access_token(d):
    """Makes the device's stored access token look expired: the next call renews it."""
    db = sqlite3.connect(d.db)
    with db:
        db.execute("UPDATE sync_kv SET value = '1' WHERE key = 'access_expires_at'")
    refresh = db.execute("SELECT value FROM sync_kv WHERE key = 'refresh_token'").fetchone()[0]
    db.close()
    return refresh


def password_of(email):
    return "pw " + email


class RestDevice(DeviceCli):
    """A device under the postgrest profile; tokens come from the environment
    or a token file, never from the command line."""

    def __init__(self, name, prefix="", token_file=None, env=None, **options):
        self.env, self.token_file = dict(env or {}), token_file
        super().__init__(BINARY, name, os.path.join(WORK, name + ".db"), GATEWAY, options)
        self.run("init", "--server", GATEWAY, "--device-id", name, "--profile", "postgrest",
                 "--rpc-prefix", prefix, "--apikey", ANON_KEY)

    def run(self, *args, password=None, check=True, env=None):
        cmd = [self.binary, "--db", self.db, "--json"]
        for key, value in self.options.items():
            cmd += ["--option", f"{key}={value}"]
        if getattr(self, "token_file", None):
            cmd += ["--token-file", self.token_file]
        full_env = dict(os.environ, **getattr(self, "env", {}), **(env or {}))
        if password is not None:
            full_env["SHOPSYNC_PASSWORD"] = password
        done = subprocess.run(cmd + list(args), capture_output=True, text=True, env=full_env, timeout=120)
        lines = done.stdout.strip().splitlines()
        answer = json.loads(lines[-1]) if lines and lines[-1].startswith("{") or lines and lines[-1].startswith("[") else None
        if done.returncode != 0 and check:
            info = answer if isinstance(answer, dict) else {}
            raise CliError(args, info.get("code"), info.get("error") or done.stderr.strip())
        self.last_stdout = done.stdout
        return answer


owner, staff, viewer = "olivia@rest.example", "sam@rest.example", "vic@rest.example"
SHOP = create_shop(GATEWAY, owner, [(staff, "staff"), (viewer, "viewer")], password_of)

# ---- a token from a sign-in outside the library (the gateway's /auth/login, called here) ----------
login = call(GATEWAY, "POST", "/auth/login", {"email": owner, "password": password_of(owner)})
desk = RestDevice("rest-desk", env={"SHOPSYNC_TOKEN": login["access_token"]})
answer = desk.run("use-token")
ok(answer["shop_id"] == SHOP, "use-token: the shop comes from the token's claims")
status = desk.status()
ok(status["profile"] == "postgrest" and status["signed_in"], "status shows the postgrest profile, signed in")
ok(login["access_token"] not in json.dumps(status), "status never shows the token")
c1 = desk.add("customer", customer_code="R-1", name="Ann via PostgREST")
report = desk.sync()
ok(report["accepted"] == 1 and report["ok"], "a push through POST /rpc/sync_push is accepted", report)
ok(admin("SELECT name FROM shopsync.customers WHERE id = %s", c1) == [("Ann via PostgREST",)],
   "the row is on the server")

# ---- a JWT minted here with the test secret, read from a token file (the token source) ------------
token_file = os.path.join(WORK, "tablet.token")
with open(token_file, "w") as f:
    f.write(mint(claims_for(staff, SHOP)) + "\n")
tablet = RestDevice("rest-tablet", token_file=token_file)
report = tablet.sync()
ok(report["ok"] and report["rebuilt"], "a new device under a token source starts from the snapshot", report)
ok(c1 in [r["id"] for r in tablet.rows("customers")], "and holds the other device's row")
o1 = tablet.add("order", order_code="RO-1", customer_id=c1, total=12.5)
tablet.edit("customer", "R-1", phone="555-0199")
tablet.sync()
desk.sync()
diff = [x for d in (desk, tablet) for x in differences(d, admin, SHOP)]
ok(not diff, "both devices equal the server, row by row", diff)

# ---- a refused token: the source is asked once, the request retried -------------------------------
forged = mint(claims_for(staff, SHOP), secret="not-the-server-secret-" + "x" * 20)
tablet.run("use-token", env={"SHOPSYNC_TOKEN": forged})  # stored; the server will refuse it
tablet.edit("order", "RO-1", notes="after a refused token")
report = tablet.sync(check=False)
ok(report["ok"] and report["accepted"] == 1, "401 → the token file is read → the retry is accepted", report)
ok(admin("SELECT notes FROM shopsync.orders WHERE id = %s", o1) == [("after a refused token",)],
   "the write reached the server once")
with open(token_file, "w") as f:
    f.write(forged + "\n")  # the source itself has only a refused token now
tablet.run("use-token", env={"SHOPSYNC_TOKEN": forged})
tablet.edit("order", "RO-1", notes="never with a forged token")
report = tablet.sync(check=False)
ok(not report["ok"] and report["code"] == 7, "a source that only has refused tokens: SHOPSYNC_AUTH", report)
ok(tablet.status()["pending"] == 1, "and the write stays queued")
with open(token_file, "w") as f:
    f.write(mint(claims_for(staff, SHOP)) + "\n")
ok(tablet.sync(check=False)["ok"] and tablet.status()["pending"] == 0, "a good token again: it goes out")

# ---- tokens handed in with a refresh token: the library renews them (gateway profile: /auth/refresh) ----
pair = call(GATEWAY, "POST", "/auth/login", {"email": owner, "password": password_of(owner)})
keeper = DeviceCli(BINARY, "gw-keeper", os.path.join(WORK, "gw-keeper.db"), GATEWAY)
subprocess.run([BINARY, "--db", keeper.db, "use-token"], check=True, capture_output=True,
               env=dict(os.environ, SHOPSYNC_TOKEN=pair["access_token"], SHOPSYNC_REFRESH_TOKEN=pair["refresh_token"]))
spent = expire_access_token(keeper)
ok(keeper.sync()["ok"] and expire_access_token(keeper) != spent,
   "gateway profile: an expired handed-in token is renewed with its refresh token, which rotates")

# ---- without an event stream the device polls --------------------------------------------------
watcher = RestDevice("rest-watch", token_file=os.path.join(WORK, "watch.token"), poll_min="0.3", poll_max="0.6")
with open(watcher.token_file, "w") as f:
    f.write(mint(claims_for(owner, SHOP)) + "\n")
watcher.sync()
proc = subprocess.Popen([BINARY, "--db", watcher.db, "--option", "poll_min=0.3", "--option", "poll_max=0.6",
                         "--token-file", watcher.token_file, "watch", "--for", "6"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.5)
c2 = desk.add("customer", customer_code="R-2", name="Polled")
desk.sync()
out, _ = proc.communicate(timeout=30)
ok("pull\tcustomers changed" in out, "a watching device with no event stream polls and sees the change", out)
ok(c2 in [r["id"] for r in watcher.rows("customers")], "the other device's row arrived by polling")

# ---- errors the PostgREST way lead to the device's behaviour -------------------------------------
lost = RestDevice("rest-lost", prefix="/no/such/prefix", env={"SHOPSYNC_TOKEN": login["access_token"]})
lost.run("use-token")
lost.add("customer", customer_code="R-404", name="Queued")
report = lost.sync(check=False)
ok(report["code"] == 10 and lost.status()["pending"] == 1 and lost.status()["failed"] == [],
   "a wrong route (404): SHOPSYNC_NOT_CONFIGURED, the write stays queued, not refused", report)

sam_token = os.path.join(WORK, "sam.token")
with open(sam_token, "w") as f:
    f.write(mint(claims_for(staff, SHOP)) + "\n")
moving = RestDevice("rest-moving", token_file=sam_token)
moving.sync()
moving.add("customer", customer_code="R-9", name="Queued before removal")
owner_token = call(GATEWAY, "POST", "/auth/login", {"email": owner, "password": password_of(owner)})["access_token"]
sam_id = admin("SELECT id::text FROM shopsync.users WHERE email = %s", staff)[0][0]
call(GATEWAY, "POST", "/rpc/remove_member", {"user_id": sam_id}, owner_token)
report = moving.sync(check=False)
status = moving.status()
ok(report["code"] == 8 and status["access_lost"], "403 42501 not a member: the device moves out", report)
ok([f["reason"] for f in moving.run("failed")] == ["not_a_member"], "its unsent write ends refused, kept")

# ---- the /rest/v1 prefix (Supabase's) and GoTrue's /auth/v1, as supabase-js calls them ---------
supa = RestDevice("rest-v1", prefix="/rest/v1", env={"SHOPSYNC_TOKEN": login["access_token"]})
supa.run("use-token")
c3 = supa.add("customer", customer_code="R-3", name="Through /rest/v1")
supa.sync()
desk.sync()
diff = [x for d in (desk, supa) for x in differences(d, admin, SHOP)]
ok(not diff and c3 in [r["id"] for r in desk.rows("customers")], "the /rest/v1 prefix: push, pull, converge", diff)
goer = RestDevice("rest-gotrue", prefix="/rest/v1")
goer.login(owner, password_of(owner))
ok(goer.status()["shop_id"] == SHOP, "GoTrue sign-in (/auth/v1/token): the shop from app_metadata")
ok(goer.sync(check=False)["ok"], "and the device syncs with it")
grant = call(GATEWAY, "POST", "/auth/v1/token?grant_type=password", {"email": owner, "password": password_of(owner)})
renew = RestDevice("rest-renew", prefix="/rest/v1",
                   env={"SHOPSYNC_TOKEN": grant["access_token"], "SHOPSYNC_REFRESH_TOKEN": grant["refresh_token"]})
renew.run("use-token")
spent = expire_access_token(renew)
report = renew.sync(check=False)
ok(report["ok"] and expire_access_token(renew) != spent,
   "GoTrue's refresh grant renews a handed-in token when it runs out", report)
goer.run("logout")
ok(not goer.status()["signed_in"], "sign-out (GoTrue's /auth/v1/logout) forgets the tokens")

shutil.rmtree(WORK, True)
print(f"1..{len(results)}")
sys.exit(0 if all(results) else 1)
