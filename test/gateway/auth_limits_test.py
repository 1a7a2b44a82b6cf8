"""test/gateway/auth_limits_test.py — sign-in and request rules of issue 11
(§Found 6–8) and issue 10 (items 4–5), each over real HTTP: login throttling
per account and per client address behind a trusted proxy header, password
rules, a refused /auth/refresh that does not spend the token, the refresh
grace window, nbf, ?access_token= on the event stream only, the device limit
on /rpc/sync_push, /metrics protection, the create_shop limit, HEAD answers.
"""
import http.client
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from gateway_harness import Gateway, admin, finish, ok, open_stream, token  # noqa: E402

SHOP, OWNER = str(uuid.uuid4()), str(uuid.uuid4())
admin("INSERT INTO shopsync.shops (id, name) VALUES (%s, 'rules')", SHOP)
admin("INSERT INTO shopsync.shop_members VALUES (%s, %s, 'owner')", SHOP, OWNER)
GOOD = token(OWNER, SHOP)
PASSWORD = "correct horse battery"


def event():
    return {"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": str(uuid.uuid4()),
            "op": "create", "base_version": 0, "payload": {"name": "x"}}


def signup(gw, password=PASSWORD):
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    status, body, _ = gw.request("POST", "/auth/signup", {"email": email, "password": password})
    return email, status


gw = Gateway(TRUSTED_PROXY_HEADER="X-Forwarded-For", USER_RATE=1000, DEVICE_RATE=1, SHOP_CREATE_RATE=2)

# HEAD: the GET answer's header, no body; the connection stays usable
conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
conn.request("HEAD", "/health")
head = conn.getresponse()
head_body = head.read()
conn.request("GET", "/health")
after = conn.getresponse()
ok(head.status == 200 and head_body == b"" and head.getheader("Content-Length") == "15"
   and after.status == 200 and after.read() == b'{"status":"ok"}',
   "HEAD /health: header only (Content-Length of the GET), and the keep-alive connection carries on")
conn.request("HEAD", "/sync/pull?cursor=0", headers={"Authorization": f"Bearer {GOOD}"})
head = conn.getresponse()
head_body = head.read()
conn.request("GET", "/health")
ok(head.status == 200 and head_body == b"" and int(head.getheader("Content-Length")) > 0
   and conn.getresponse().status == 200, "HEAD /sync/pull (a database route): no body either")
conn.close()

# ?access_token= only where EventSource needs it
status, body, _ = gw.request("GET", f"/sync/pull?cursor=0&access_token={GOOD}")
ok(status == 401 and "/sync/events only" in body["message"], "?access_token= on /sync/pull: 401")
s, head = open_stream(gw.port, "")  # no header…
s.close()
import socket  # noqa: E402
s = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
s.sendall(f"GET /sync/events?access_token={GOOD} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
ok(s.recv(4096).startswith(b"HTTP/1.1 200"), "?access_token= on /sync/events: accepted")
s.close()

# nbf
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER, SHOP, nbf=int(time.time()) + 120))[0] == 401,
   "a token with nbf two minutes ahead: 401")
ok(gw.request("GET", "/sync/pull?cursor=0", bearer=token(OWNER, SHOP, nbf=int(time.time()) - 5))[0] == 200,
   "a token with nbf in the past: served")

# the per-device push limit applies to /rpc/sync_push as to /sync/push (rate 1, burst 2)
codes = [gw.request("POST", "/rpc/sync_push", {"body": {"device_id": "rpc-dev", "events": [event()]}}, GOOD)[0]
         for _ in range(3)]
ok(codes[:2] == [200, 200] and codes[2] == 429, f"/rpc/sync_push: the device's third push in a second gets 429 ({codes})")

# /metrics: loopback only without a token; never for requests relayed by the proxy
ok(gw.request("GET", "/metrics")[0] == 200, "/metrics from loopback, no token configured: 200")
ok(gw.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})[0] == 403,
   "/metrics relayed through the trusted proxy: 403")

# metrics labels stay a fixed set, whatever paths clients invent
for _ in range(30):
    gw.request("POST", f"/auth/x-{uuid.uuid4().hex}", {})
status, text, _ = gw.request("GET", "/metrics")
ok(status == 200 and "/auth/x-" not in text and 'route="/auth/other"' in text,
   "30 invented /auth/ paths add no metrics labels (they count as /auth/other)")

# create_shop: 2 per hour here
_, s1 = signup(gw)
email, _ = signup(gw)
login = gw.request("POST", "/auth/login", {"email": email, "password": PASSWORD})[2]
status, login, _ = gw.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
codes = [gw.request("POST", "/rpc/create_shop", {"name": f"s{i}"}, login["access_token"]) for i in range(3)]
ok([c[0] for c in codes] == [200, 200, 429] and codes[2][2].getheader("Retry-After"),
   f"create_shop: the third within the hour gets 429 with Retry-After ({[c[0] for c in codes]})")
shop_a = codes[0][1]["shop_id"]

# password rules
ok(signup(gw, " " * 8)[1] == 400 and signup(gw, "\t \n  \t  ")[1] == 400, "a password of only whitespace: 400")
ok(signup(gw, "short")[1] == 400 and signup(gw, "éééé")[1] == 400,
   "a password under 8 characters (also 4 two-byte characters = 8 bytes): 400")
ok(signup(gw, "éééééééé")[1] == 201, "8 characters of two bytes each: accepted")

# /auth/refresh naming a shop the user is not in: 403, and the token is still good
status, refused, _ = gw.request("POST", "/auth/refresh", {"refresh_token": login["refresh_token"], "shop_id": SHOP})
status2, fresh, _ = gw.request("POST", "/auth/refresh", {"refresh_token": login["refresh_token"], "shop_id": shop_a})
ok(status == 403 and status2 == 200 and fresh["shop_id"] == shop_a,
   f"refresh naming a foreign shop: 403 and the token is not spent ({status}, then {status2})")

# refresh grace window (issue 10 item 4)
status, retry, _ = gw.request("POST", "/auth/refresh", {"refresh_token": login["refresh_token"], "shop_id": shop_a})
ok(status == 200 and retry["refresh_token"] == fresh["refresh_token"] and retry["shop_id"] == shop_a,
   f"the same refresh again within 30 s (a lost answer): the same successor ({status})")
status, third, _ = gw.request("POST", "/auth/refresh", {"refresh_token": fresh["refresh_token"]})
ok(status == 200, "the successor works")
status, _, _ = gw.request("POST", "/auth/refresh", {"refresh_token": login["refresh_token"]})
ok(status == 401 and gw.request("POST", "/auth/refresh", {"refresh_token": third["refresh_token"]})[0] == 401,
   "the first token again once its successor was used: 401 and the family is revoked")
email2, _ = signup(gw)
_, l2, _ = gw.request("POST", "/auth/login", {"email": email2, "password": PASSWORD})
_, r2, _ = gw.request("POST", "/auth/refresh", {"refresh_token": l2["refresh_token"]})
admin("UPDATE shopsync.refresh_tokens SET used_at = used_at - interval '31 seconds' WHERE used_at IS NOT NULL"
      " AND user_id = (SELECT id FROM shopsync.users WHERE email = %s)", email2)
status, _, _ = gw.request("POST", "/auth/refresh", {"refresh_token": l2["refresh_token"]})
ok(status == 401 and gw.request("POST", "/auth/refresh", {"refresh_token": r2["refresh_token"]})[0] == 401,
   "the same refresh after the 30 s window: 401, and the whole family is revoked")

# login throttling per account, whatever the address
victim, _ = signup(gw)
codes = [gw.request("POST", "/auth/login", {"email": victim, "password": "wrong password!"},
                    headers={"X-Forwarded-For": f"198.51.100.{i}"})[0] for i in range(5)]
status, _, res = gw.request("POST", "/auth/login", {"email": victim, "password": PASSWORD},
                            headers={"X-Forwarded-For": "198.51.100.77"})
ok(codes == [401] * 5 and status == 429 and int(res.getheader("Retry-After")) >= 1,
   f"5 wrong passwords for one account from 5 addresses: the next attempt waits (429, Retry-After {res.getheader('Retry-After')})")
time.sleep(1.2)
ok(gw.request("POST", "/auth/login", {"email": victim, "password": PASSWORD},
              headers={"X-Forwarded-For": "198.51.100.78"})[0] == 200, "after the delay the right password signs in")
for i in range(6):
    gw.request("POST", "/auth/login", {"email": victim, "password": "wrong password!"})
    time.sleep(0 if i < 5 else 0)
status, _, res = gw.request("POST", "/auth/login", {"email": victim, "password": PASSWORD})
ok(status == 429 and int(res.getheader("Retry-After")) >= 1, "the delay grows again after a success resets it")

# login throttling per client address (via the trusted proxy header)
codes = [gw.request("POST", "/auth/login", {"email": f"nobody{i}@example.com", "password": "wrong password!"},
                    headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.50"})[0] for i in range(20)]
status, _, _ = gw.request("POST", "/auth/login", {"email": "another@example.com", "password": "wrong password!"},
                          headers={"X-Forwarded-For": "203.0.113.50"})
other, _, _ = gw.request("POST", "/auth/login", {"email": "another@example.com", "password": "wrong password!"},
                         headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.51"})
ok(codes == [401] * 20 and status == 429 and other == 401,
   "20 failures from one client address (last in X-Forwarded-For): it waits; another address does not")
gw.stop()

# /metrics with a token
gw = Gateway(METRICS_TOKEN="m" * 32)
ok(gw.request("GET", "/metrics")[0] == 401 and gw.request("GET", "/metrics", bearer="wrong")[0] == 401
   and gw.request("GET", "/metrics", bearer="m" * 32)[0] == 200, "with METRICS_TOKEN: /metrics wants that bearer")
gw.stop()
sys.exit(finish())
