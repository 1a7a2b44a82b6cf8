"""test/hostile/crash_test.py — inputs that once ended the whole gateway
(issue 11 §Found 1–3). Each is sent to a live gateway; it must answer (or at
worst close that one connection) and keep serving everyone else.
"""
import json
import sys
import uuid

from gateway_harness import Gateway, admin, finish, ok, sign, token
import time

SHOP, OWNER = str(uuid.uuid4()), str(uuid.uuid4())
admin("INSERT INTO shopsync.shops (id, name) VALUES (%s, 'hostile')", SHOP)
admin("INSERT INTO shopsync.shop_members VALUES (%s, %s, 'owner')", SHOP, OWNER)
GOOD = token(OWNER, SHOP)

gw = Gateway(USER_RATE=1000)
crashes = 0


def lives():
    """True if the gateway survived; otherwise counts the crash and starts a new one."""
    global gw, crashes
    if gw.alive():
        return True
    crashes += 1
    gw = Gateway(USER_RATE=1000)
    return False


def send(method, path, **kw):
    try:
        return gw.request(method, path, **kw)
    except OSError:
        return None, None, None


def raw(data, **kw):
    try:
        return gw.raw(data, **kw)
    except OSError:
        return b""


# §Found 1: bytes that are not UTF-8
answer = raw(b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n")
ok(lives() and answer.startswith(b"HTTP/1.1 404"), "a raw \\xff in the path: 404, the gateway lives")
answer = raw(b"GET /sync/\xc3 HTTP/1.1\r\nHost: x\r\n\r\n")
ok(lives() and answer.startswith(b"HTTP/1.1 404"), "a path ending in half a character: 404, the gateway lives")
name = "a" * 63 + "é"  # byte 64 is the first half of é
status, body, _ = send("POST", "/rpc/sync_health", raw=json.dumps({name: 1}, ensure_ascii=False).encode(), bearer=GOOD)
ok(lives() and status == 400, "an argument name cut at 64 bytes mid-character: 400, the gateway lives")
ok(isinstance(body, dict) and "\ufffd" not in body.get("message", "")[:-1] and body["message"].startswith('invalid argument name "aaa'),
   "the message carries whole characters only")
status, body, _ = send("POST", "/rpc/sync_health", raw=b'{"\xff\xfe": 1}', bearer=GOOD)
ok(lives() and status == 400, "an argument name that is not UTF-8 at all: 400, the gateway lives")
status, _, _ = send("POST", "/rpc/sync_pull", raw=b'{"cursor": "\xff", "lim": 1}', bearer=GOOD)
ok(lives() and status in (400, 404), "an argument value that is not UTF-8: refused, the gateway lives")

# §Found 2: deep nesting
deep = '{"cursor": ' + "[" * 100000 + "]" * 100000 + ', "lim": 1}'
status, body, _ = send("POST", "/rpc/sync_pull", raw=deep, bearer=GOOD)
ok(lives() and status == 400, "a body nested 100,000 deep: 400, the gateway lives")
status, _, _ = send("POST", "/rpc/sync_pull", raw="[" * 100000, bearer=GOOD)
ok(lives() and status == 400, "an unterminated 100,000-deep array: 400, the gateway lives")
status, _, _ = send("POST", "/sync/push", raw='{"device_id": "d", "events": ' + "[" * 100000 + "]" * 100000 + "}", bearer=GOOD)
ok(lives() and status == 400, "a push nested 100,000 deep: 400, the gateway lives")
status, _, _ = send("POST", "/auth/login", raw='{"email": ' + "[" * 100000 + "]" * 100000 + "}")
ok(lives() and status == 400, "a login body nested 100,000 deep: 400, the gateway lives")

# §Found 3: signed tokens whose claims have the wrong types
base = {"sub": OWNER, "shop_id": SHOP, "role": "authenticated", "aud": "authenticated", "exp": int(time.time()) + 600}
for claim, value in [("role", 7), ("role", None), ("sub", 12345), ("sub", {"a": 1}), ("shop_id", 1),
                     ("shop_id", ["x"]), ("app_metadata", "str"), ("exp", "soon"), ("nbf", "later")]:
    claims = dict(base, **{claim: value})
    for path in ("/sync/pull?cursor=0", "/rpc/sync_health"):
        status, _, _ = send("GET" if "pull" in path else "POST", path, body=None if "pull" in path else {},
                                  bearer=sign(claims))
        ok(lives() and status in (401, 403), f"{claim} = {json.dumps(value)} on {path.split('?')[0]}: {status}, the gateway lives")
    answer = raw(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sign(claims)}\r\n\r\n".encode(), read=12)
    ok(lives() and answer[:12] in (b"HTTP/1.1 401", b"HTTP/1.1 403"), f"{claim} = {json.dumps(value)} on /sync/events: refused, the gateway lives")

# the well-behaved caller was served throughout
status, body, _ = send("POST", "/rpc/sync_health", body={}, bearer=GOOD)
ok(status == 200 and body.get("shop_id") == SHOP, "a good caller is served after all of it")
ok(crashes == 0, f"no input ended the gateway ({crashes} did)")
ok(gw.stop() == 0, "and the gateway stops cleanly on SIGTERM")
sys.exit(finish())
