"""test/gateway/integration_test.py — the gateway over real HTTP on loopback.

Needs: a private cluster with the extension (PG* environment), the gateway
binary, and JWT_SECRET. Starts its own gateway instances; prints TAP.
Usage: integration_test.py GATEWAY_BINARY
"""
import json
import socket
import subprocess
import os
import re
import sys
import threading
import time
import uuid

os.environ.setdefault("GATEWAY_BINARY", sys.argv[1])
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from gateway_harness import Gateway, PokeListener, admin, finish, ok, token  # noqa: E402


def event(entity_id, op="create", base=0, **payload):
    return {"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": entity_id, "op": op,
            "base_version": base, "payload": payload}


print("1..53", flush=True)
SHOP_A, SHOP_B = str(uuid.uuid4()), str(uuid.uuid4())
OWNER_A, OWNER_B, VIEWER_A = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
admin("INSERT INTO shopsync.shops (id, name) VALUES (%s, 'A'), (%s, 'B')", SHOP_A, SHOP_B)
admin("INSERT INTO shopsync.shop_members VALUES (%s, %s, 'owner'), (%s, %s, 'owner'), (%s, %s, 'viewer')",
      SHOP_A, OWNER_A, SHOP_B, OWNER_B, SHOP_A, VIEWER_A)
TA, TB = token(OWNER_A, SHOP_A), token(OWNER_B, SHOP_B)

gw = Gateway(USER_RATE=1000, DEVICE_RATE=1000)
status, body, _ = gw.request("GET", "/health")
ok(status == 200 and body == {"status": "ok"}, "GET /health answers without the database")
ok(gw.request("GET", "/ready")[0] == 200, "GET /ready: the database answers")

# push / pull round trips, both URL schemes
c1 = str(uuid.uuid4())
status, body, _ = gw.request("POST", "/sync/push", {"device_id": "d1", "events": [event(c1, name="Ann")]}, TA)
ok(status == 200 and len(body["accepted"]) == 1, "POST /sync/push applies an event")
status, body, _ = gw.request("GET", "/sync/pull?cursor=0&limit=10", bearer=TA)
ok(status == 200 and body["changes"][0]["entity_id"] == c1, "GET /sync/pull returns it")
status, body, _ = gw.request("POST", "/rpc/sync_push",
                             {"body": {"device_id": "d1", "events": [event(c1, "update", 1, phone="555")]}}, TA)
ok(status == 200 and body["accepted"][0]["version"] == 2, "POST /rpc/sync_push, PostgREST style")
status, body, _ = gw.request("POST", "/rpc/sync_pull", {"cursor": 1, "lim": 10}, TA)
ok(status == 200 and [c["version"] for c in body["changes"]] == [2], "POST /rpc/sync_pull with named arguments")
status, body, _ = gw.request("POST", "/rpc/sync_health", {}, TA)
ok(status == 200 and body["shop_id"] == SHOP_A and body["role"] == "owner", "POST /rpc/sync_health")

# auth paths
ok(gw.request("POST", "/sync/push", {"device_id": "d", "events": []})[0] == 401, "no token: 401")
ok(gw.request("POST", "/rpc/sync_health", {})[0] == 401, "anon calling an api function: 401 (42501 as anon)")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER_A, SHOP_A, exp_in=-60))[0] == 401, "expired token: 401")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER_A, SHOP_A, secret="x" * 40))[0] == 401,
   "token signed with another secret: 401")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER_A, SHOP_A, alg="none"))[0] == 401, "alg none: 401")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER_A, SHOP_A, aud="anon"))[0] == 401, "wrong audience: 401")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER_A, SHOP_A, role="service_role"))[0] == 401,
   "a token asking for another database role: 401")
status, body, res = gw.request("GET", "/sync/pull?cursor=0", bearer="garbage")
ok(status == 401 and body["code"] == "PGRST301" and res.getheader("WWW-Authenticate"), "malformed token: PostgREST-style 401")
status, body, _ = gw.request("POST", "/sync/push", {"device_id": "d", "events": [event(str(uuid.uuid4()), name="x")]},
                             token(VIEWER_A, SHOP_A))
ok(status == 403 and body["code"] == "42501", "a viewer's push: 403 with the SQLSTATE")

# cross-shop attempts
status, body, _ = gw.request("POST", "/sync/push", {"device_id": "b", "events": [event(c1, "update", 2, name="stolen")]}, TB)
ok(status == 200 and body["rejected"][0]["reason"] == "not_found", "shop B cannot update shop A's row by id")
status, body, _ = gw.request("GET", "/sync/pull?cursor=0", bearer=TB)
ok(status == 200 and body["changes"] == [], "shop B pulls nothing of shop A")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER_A, SHOP_B))[0] == 403,
   "a token naming a shop the user is not a member of: 403")

# bad input
status, body, _ = gw.request("POST", "/sync/push", raw="{not json", bearer=TA)
ok(status == 400 and body["code"] == "PGRST102", "malformed JSON: 400")
big = socket.create_connection(("127.0.0.1", gw.port))
big.sendall(f"POST /sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TA}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {2 * 1024 * 1024}\r\n\r\n".encode())
answer = big.recv(4096).decode()
big.close()
ok(answer.startswith("HTTP/1.1 413"), "a body over the cap: 413 as soon as the headers say so")
status, body, _ = gw.request("POST", "/sync/push", {"device_id": "d", "events": [event(str(uuid.uuid4()))] * 101}, TA)
ok(status == 413 and body["code"] == "PT413", "a batch over 100 events: 413 from the database")
status, body, _ = gw.request("GET", "/sync/pull?cursor=999999", bearer=TA)
ok(status == 410 and body["message"] == "cursor_expired", "a cursor ahead of the log: 410 cursor_expired")
ok(gw.request("POST", "/rpc/no_such_function", {}, TA)[0] == 404, "an unknown function: 404")
ok(gw.request("POST", "/rpc/sync_pull;drop", {}, TA)[0] == 400, "an injected function name: 400")
ok(gw.request("GET", "/sync/pull?cursor=-1", bearer=TA)[0] == 400, "a negative cursor: 400")

# pokes: shop A's stream hears shop A's changes only
listener_a = PokeListener(gw.port, TA)
time.sleep(0.3)
gw.request("POST", "/sync/push", {"device_id": "b", "events": [event(str(uuid.uuid4()), name="B only")]}, TB)
time.sleep(0.5)
ok(listener_a.pokes == 0, "a change in shop B does not poke shop A's stream")
start = time.time()
gw.request("POST", "/sync/push", {"device_id": "d1", "events": [event(str(uuid.uuid4()), name="poke me")]}, TA)
ok(listener_a.wait_for(1, 3), f"a change in shop A pokes its stream ({(time.time() - start) * 1000:.0f} ms)")
ok("B only" not in listener_a.text and SHOP_B not in listener_a.text, "the poke carries no data")
intruder = socket.create_connection(("127.0.0.1", gw.port))
intruder.sendall(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token(OWNER_A, SHOP_B)}\r\n\r\n".encode())
ok(intruder.recv(4096).decode().startswith("HTTP/1.1 403"), "an event stream for a shop the user is not in: 403")
intruder.close()
anon = socket.create_connection(("127.0.0.1", gw.port))
anon.sendall(b"GET /sync/events HTTP/1.1\r\nHost: x\r\n\r\n")
ok(anon.recv(4096).decode().startswith("HTTP/1.1 401"), "an event stream without a token: 401")
anon.close()

# metrics
status, text, _ = gw.request("GET", "/metrics")
ok(status == 200 and 'shopsync_push_events_total{outcome="accepted"}' in text and "shopsync_sse_streams 1" in text,
   "GET /metrics: Prometheus text with push outcomes and open streams")

# sync figures (issue 16): the outbox report and the pulls' sync latency, and
# the Grafana dashboard shows only metrics the gateway exposes


def samples(text):
    """{sample name with labels: value} of a Prometheus text page."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


before = samples(gw.request("GET", "/metrics")[1])
status, _, _ = gw.request("POST", "/sync/push", {"device_id": "d-stats", "protocol": 3, "outbox": {
    "pending": 1, "failed": 0, "oldest_age_ms": 2500, "retry_depth": 2}, "events": [event(str(uuid.uuid4()), name="Zed")]}, TA)
ok(status == 200, "a push with an outbox report is served")
status, _, _ = gw.request("POST", "/rpc/sync_push", {"body": {"device_id": "d-stats", "protocol": 3, "outbox": {
    "retry_depth": 0, "oldest_age_ms": 100}, "events": []}}, TA)
status, pulled, _ = gw.request("GET", "/sync/pull?cursor=0&limit=100", bearer=TA)
after = samples(gw.request("GET", "/metrics")[1])
delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
ok(delta["shopsync_push_retry_depth_count"] == 2 and delta['shopsync_push_retry_depth_bucket{le="1"}'] == 1
   and delta['shopsync_push_retry_depth_bucket{le="2"}'] == 2 and delta["shopsync_push_retry_depth_sum"] == 2,
   "each push's retry depth is observed, from /sync/push and /rpc/sync_push alike")
ok(delta["shopsync_push_outbox_age_seconds_count"] == 2 and abs(delta["shopsync_push_outbox_age_seconds_sum"] - 2.6) < 1e-6,
   "and its oldest pending age, in seconds")
latency = delta["shopsync_sync_latency_seconds_count"]
ok(status == 200 and latency == len(pulled["changes"]) > 0
   and delta['shopsync_sync_latency_seconds_bucket{le="3600"}'] == latency,
   f"every change a pull delivers is one sync latency observation ({latency:.0f}, all under an hour old)")
exposed = {re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", k).group(0) for k in after}
dashboard = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "grafana-dashboard.json")))
used = {}
for panel in dashboard["panels"]:
    names = {n for t in panel["targets"] for n in re.findall(r"\bshopsync_[a-z_]+\b", t["expr"])}
    used[panel["title"]] = names
ok(len(used) >= 10 and all(used.values()), f"every one of the dashboard's {len(used)} panels queries a shopsync metric")
missing = {title: sorted(names - exposed) for title, names in used.items() if names - exposed}
ok(not missing, f"no dashboard panel queries a metric the gateway does not expose {missing or ''}")
ok({"shopsync_sync_latency_seconds_bucket", "shopsync_push_retry_depth_bucket",
    'shopsync_push_events_total'} <= set().union(*used.values()) and "shopsync_made_up_total" not in exposed,
   "the dashboard shows sync latency, retry depth and push outcomes (and the check sees a missing name)")

# auth: signup, login, shops and members, refresh rotation, logout
email = f"olivia-{uuid.uuid4().hex[:8]}@example.com"
status, body, _ = gw.request("POST", "/auth/signup", {"email": email.upper(), "password": "correct horse battery"})
ok(status == 201 and body["email"] == email, "POST /auth/signup creates a user (email normalised)")
ok(gw.request("POST", "/auth/signup", {"email": email, "password": "correct horse battery"})[0] == 409,
   "signing up twice: 409")
ok(gw.request("POST", "/auth/signup", {"email": "not-an-email", "password": "correct horse battery"})[0] == 400
   and gw.request("POST", "/auth/signup", {"email": "x@example.com", "password": "short"})[0] == 400,
   "a bad email or a short password: 400")
ok(gw.request("POST", "/auth/login", {"email": email, "password": "wrong password!"})[0] == 401
   and gw.request("POST", "/auth/login", {"email": "nobody@example.com", "password": "wrong password!"})[0] == 401,
   "a wrong password or an unknown email: the same 401")
status, login, _ = gw.request("POST", "/auth/login", {"email": email, "password": "correct horse battery"})
ok(status == 200 and login["shop_id"] is None and login["expires_in"] == 900, "login without a shop yet: a 15-minute token")
status, body, _ = gw.request("POST", "/rpc/create_shop", {"name": "Olivia's"}, login["access_token"])
ok(status == 200 and body["role"] == "owner", "a signed-in user creates a shop and owns it")
new_shop = body["shop_id"]
status, scoped, _ = gw.request("POST", "/auth/refresh", {"refresh_token": login["refresh_token"], "shop_id": new_shop})
ok(status == 200 and scoped["shop_id"] == new_shop and scoped["shop_role"] == "owner",
   "refresh with shop_id: a token for the new shop")
status, body, _ = gw.request("POST", "/sync/push", {"device_id": "o1", "events": [event(str(uuid.uuid4()), name="first")]},
                             scoped["access_token"])
ok(status == 200 and len(body["accepted"]) == 1, "the issued token pushes to its shop")
status, newest, _ = gw.request("POST", "/auth/refresh", {"refresh_token": scoped["refresh_token"]})
status, body, _ = gw.request("POST", "/auth/refresh", {"refresh_token": login["refresh_token"]})
ok(status == 401 and "already used" in body["message"], "reusing a rotated refresh token whose successor was used: 401")
ok(gw.request("POST", "/auth/refresh", {"refresh_token": newest["refresh_token"]})[0] == 401,
   "and it revoked the whole family, the newest token too")
status, again, _ = gw.request("POST", "/auth/login", {"email": email, "password": "correct horse battery",
                                                      "shop_id": new_shop})
staff_email = f"sam-{uuid.uuid4().hex[:8]}@example.com"
gw.request("POST", "/auth/signup", {"email": staff_email, "password": "another good one"})
status, body, _ = gw.request("POST", "/rpc/add_member", {"email": staff_email, "role": "staff"}, again["access_token"])
ok(status == 200 and body["role"] == "staff", "the owner adds a staff member by email")
status, sam, _ = gw.request("POST", "/auth/login", {"email": staff_email, "password": "another good one"})
ok(sam["shop_id"] == new_shop and sam["shop_role"] == "staff", "the staff member's login lands in that shop")
ok(gw.request("POST", "/rpc/add_member", {"email": email, "role": "owner"}, sam["access_token"])[0] == 403,
   "staff cannot manage members")
status, body, _ = gw.request("POST", "/rpc/remove_member", {"user_id": again["user"]["id"]}, again["access_token"])
ok(status == 409, "the last owner cannot be removed")
ok(gw.request("POST", "/auth/login", {"email": staff_email, "password": "another good one", "shop_id": SHOP_A})[0] == 403,
   "a login cannot ask for a shop the user is not in")
ok(gw.request("POST", "/auth/logout", {"refresh_token": sam["refresh_token"]})[0] == 204
   and gw.request("POST", "/auth/refresh", {"refresh_token": sam["refresh_token"]})[0] == 401,
   "logout revokes the refresh token")

# restart PostgreSQL under the running gateway
subprocess.run(["bash", "-c", "source test/lib/pgcluster.sh && pgcluster_restart"], check=True,
               env=dict(os.environ), cwd=os.getcwd(), stdout=subprocess.DEVNULL)
recovered = False
for _ in range(50):
    status, body, _ = gw.request("POST", "/sync/push", {"device_id": "d1", "events": [event(str(uuid.uuid4()), name="after")]}, TA)
    if status == 200 and len(body["accepted"]) == 1:
        recovered = True
        break
    time.sleep(0.1)
ok(recovered, "after a PostgreSQL restart the gateway serves again without a restart of its own")
ok(listener_a.wait_for(2, 5), "and the event stream is poked again")

# graceful shutdown closes streams
code = gw.stop()
time.sleep(0.2)
ok(code == 0 and listener_a.closed, "SIGTERM: the gateway exits 0 and closes event streams")

# rate limits and a small pool
gw = Gateway(USER_RATE=2, DEVICE_RATE=1000, POOL_SIZE=1)
codes = [gw.request("GET", "/sync/pull?cursor=0", bearer=TA) for _ in range(8)]
limited = [r for r in codes if r[0] == 429]
ok(limited and limited[0][2].getheader("Retry-After"), "over the per-user rate: 429 with Retry-After")
answers = []
staff = [str(uuid.uuid4()) for _ in range(12)]
for user in staff:
    admin("INSERT INTO shopsync.shop_members VALUES (%s, %s, 'staff')", SHOP_A, user)
threads = [threading.Thread(target=lambda t=token(user, SHOP_A): answers.append(
    gw.request("GET", "/sync/pull?cursor=0", bearer=t)[0])) for user in staff]
start = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join(20)
ok(len(answers) == 12 and set(answers) <= {200, 503} and 200 in answers and time.time() - start < 15,
   f"12 members at once on a pool of 1: all answered ({sorted(set(answers))}), none hangs")
gw.stop()

sys.exit(finish())
