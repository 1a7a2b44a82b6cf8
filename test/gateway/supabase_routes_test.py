"""test/gateway/supabase_routes_test.py — the gateway as Supabase's clients see
it (issue 13, findings 1-5), over raw HTTP: /rest/v1/rpc and the GoTrue subset
under /auth/v1, CORS on every route, GET for stable functions, PostgREST's
errors (PGRST202, PGRST106, content types, Prefer) and Supabase's keys.
The real clients (supabase-js, postgrest-js, Chromium) are in test/supabase.
Needs what integration_test.py needs; prints TAP.
"""
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from gateway_harness import Gateway, admin, finish, ok, sign, token  # noqa: E402

ANON = sign({"role": "anon", "iss": "supabase", "iat": int(time.time()), "exp": int(time.time()) + 3600})
gw = Gateway(USER_RATE=1000, DEVICE_RATE=1000)
SHOP = str(uuid.uuid4())
OWNER = str(uuid.uuid4())
admin("INSERT INTO shopsync.shops (id, name) VALUES (%s, 'S')", SHOP)
admin("INSERT INTO shopsync.shop_members VALUES (%s, %s, 'owner')", SHOP, OWNER)
T = token(OWNER, SHOP)


def header(res, name):
    return res.getheader(name) or ""


# 1. /rest/v1/rpc and /auth/v1
status, body, _ = gw.request("POST", "/rest/v1/rpc/sync_health", {}, T)
ok(status == 200 and body["shop_id"] == SHOP, "POST /rest/v1/rpc/<fn> calls the api function")
email = f"sb-{uuid.uuid4().hex[:8]}@example.com"
status, body, _ = gw.request("POST", "/auth/v1/signup", {"email": email, "password": "correct horse"},
                             headers={"apikey": ANON})
ok(status == 200 and body.get("access_token") and body["user"]["email"] == email
   and body["user"]["aud"] == "authenticated" and body["token_type"] == "bearer" and body["expires_at"] > time.time(),
   "POST /auth/v1/signup answers GoTrue's session shape")
status, body, _ = gw.request("POST", "/auth/v1/signup", {"email": email, "password": "correct horse"},
                             headers={"apikey": ANON})
ok(status == 422 and body["error_code"] == "user_already_exists" and body["code"] == 422 and body["msg"],
   "signing up twice: 422 user_already_exists, GoTrue's error shape")
status, body, _ = gw.request("POST", "/auth/v1/signup", {"email": "x@example.com", "password": "short"})
ok(status == 422 and body["error_code"] == "weak_password" and body["weak_password"]["reasons"],
   "a short password: 422 weak_password with reasons")
status, session, _ = gw.request("POST", "/auth/v1/token?grant_type=password", {"email": email, "password": "correct horse"})
ok(status == 200 and session["refresh_token"] and session["user"]["app_metadata"]["provider"] == "email",
   "POST /auth/v1/token?grant_type=password signs in")
status, body, res = gw.request("POST", "/auth/v1/token?grant_type=password", {"email": email, "password": "wrong one!"})
ok(status == 400 and body["error_code"] == "invalid_credentials" and body["msg"] == "Invalid login credentials"
   and header(res, "x-sb-error-code") == "invalid_credentials", "a wrong password: 400 invalid_credentials")
status, shop, _ = gw.request("POST", "/rest/v1/rpc/create_shop", {"name": "Mine"}, session["access_token"])
status, refreshed, _ = gw.request("POST", "/auth/v1/token?grant_type=refresh_token",
                                  {"refresh_token": session["refresh_token"]})
ok(status == 200 and refreshed["user"]["app_metadata"]["shop_id"] == shop["shop_id"],
   "grant_type=refresh_token: a new session whose app_metadata names the new shop")
status, body, _ = gw.request("POST", "/auth/v1/token?grant_type=refresh_token", {"refresh_token": "nope"})
ok(status == 400 and body["error_code"] == "refresh_token_not_found", "an unknown refresh token: 400 refresh_token_not_found")
status, body, _ = gw.request("POST", "/auth/v1/token?grant_type=magic", {})
ok(status == 400 and body["msg"] == "unsupported_grant_type", "another grant type: 400")
status, user, _ = gw.request("GET", "/auth/v1/user", bearer=refreshed["access_token"])
ok(status == 200 and user["email"] == email and user["app_metadata"]["shop_id"] == shop["shop_id"]
   and user["role"] == "authenticated", "GET /auth/v1/user: the signed-in user")
status, body, _ = gw.request("GET", "/auth/v1/user")
ok(status == 401 and body["error_code"] == "no_authorization", "GET /auth/v1/user without a token: 401 no_authorization")
status, _, _ = gw.request("POST", "/auth/v1/logout?scope=global", bearer=refreshed["access_token"])
status2, body, _ = gw.request("POST", "/auth/v1/token?grant_type=refresh_token",
                              {"refresh_token": refreshed["refresh_token"]})
ok(status == 204 and status2 == 400, "POST /auth/v1/logout revokes the session: its refresh token is refused")

# 2. CORS
status, body, res = gw.request("OPTIONS", "/rest/v1/rpc/sync_push", headers={
    "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, apikey, content-type, x-client-info"})
allowed = header(res, "Access-Control-Allow-Headers").lower()
ok(status == 204 and header(res, "Access-Control-Allow-Origin") == "*"
   and all(h in allowed for h in ("apikey", "authorization", "content-type", "prefer", "accept-profile",
                                  "content-profile", "x-client-info"))
   and "POST" in header(res, "Access-Control-Allow-Methods"), "a preflight: 204 with the allowed methods and headers")
ok(header(res, "Access-Control-Allow-Credentials") == "", "any origin, never with credentials")
status, body, res = gw.request("POST", "/rpc/sync_health", {}, T, headers={"Origin": "http://app.example"})
ok(status == 200 and header(res, "Access-Control-Allow-Origin") == "*" and "Content-Range" in header(res, "Access-Control-Expose-Headers"),
   "a cross-origin call: Access-Control-Allow-Origin and exposed headers")
status, body, res = gw.request("GET", "/nowhere", headers={"Origin": "http://app.example"})
ok(status == 404 and header(res, "Access-Control-Allow-Origin") == "*", "errors carry CORS headers too")
head = gw.raw(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nOrigin: http://app.example\r\nAuthorization: Bearer {T}\r\n\r\n".encode(),
              timeout=2, read=300)
ok(b"200 OK" in head and b"Access-Control-Allow-Origin: *" in head, "the event stream answers with CORS headers")
only = Gateway("--cors-origins", "http://a.example,http://b.example")
status, _, res = only.request("POST", "/rpc/sync_health", {}, T, headers={"Origin": "http://b.example"})
ok(header(res, "Access-Control-Allow-Origin") == "http://b.example" and "Origin" in header(res, "Vary"),
   "--cors-origins: a listed origin is echoed (Vary: Origin)")
status, _, res = only.request("POST", "/rpc/sync_health", {}, T, headers={"Origin": "http://evil.example"})
ok(status == 200 and header(res, "Access-Control-Allow-Origin") == "", "an unlisted origin gets no CORS headers")
status, _, res = only.request("OPTIONS", "/rpc/sync_health", headers={"Origin": "http://evil.example",
                                                                     "Access-Control-Request-Method": "POST"})
ok(header(res, "Access-Control-Allow-Origin") == "" and header(res, "Access-Control-Allow-Methods") == "",
   "an unlisted origin's preflight is not approved")

# 3. GET for stable functions
status, body, _ = gw.request("GET", "/rpc/sync_pull?cursor=0&lim=5", bearer=T)
ok(status == 200 and "changes" in body, "GET /rpc/sync_pull?cursor=0&lim=5 (stable)")
status, body, _ = gw.request("GET", "/rest/v1/rpc/sync_health", bearer=T)
ok(status == 200 and body["shop_id"] == SHOP, "GET /rest/v1/rpc/sync_health")
status, body, _ = gw.request("GET", "/rpc/sync_snapshot?entity=customers&lim=2", bearer=T)
ok(status == 200 and isinstance(body, dict), "GET /rpc/sync_snapshot with text arguments")
status, body, _ = gw.request("GET", "/rpc/create_shop?name=x", bearer=T)
ok(status == 405, "GET on a volatile function: 405")
status, _, res = gw.request("HEAD", "/rpc/sync_health", bearer=T)
ok(status == 200, "HEAD on a stable function")

# 4. PostgREST conventions
status, body, _ = gw.request("POST", "/rpc/no_such_function", {}, T)
ok(status == 404 and body["code"] == "PGRST202"
   and body["message"] == "Could not find the function api.no_such_function without parameters in the schema cache",
   "an unknown function: 404 PGRST202")
status, body, _ = gw.request("POST", "/rpc/sync_pull", {"cursr": 0}, T)
ok(status == 404 and body["code"] == "PGRST202" and "api.sync_pull(cursr)" in body["message"]
   and body["details"].startswith("Searched for the function api.sync_pull with parameter cursr"),
   "wrong argument names: 404 PGRST202 naming them")
status, body, _ = gw.request("POST", "/rpc/sync_pul", {"cursor": 0}, T)
ok(body.get("hint") == "Perhaps you meant to call the function api.sync_pull", "the hint names the closest function")
status, body, res = gw.request("POST", "/rpc/sync_health", {}, T, headers={"Content-Profile": "public"})
ok(status == 406 and body["code"] == "PGRST106" and body["message"] == "Invalid schema: public"
   and body["hint"] == "Only the following schemas are exposed: api", "Content-Profile naming another schema: 406 PGRST106")
status, body, res = gw.request("GET", "/rpc/sync_health", bearer=T, headers={"Accept-Profile": "auth"})
ok(status == 406 and body["code"] == "PGRST106", "Accept-Profile naming another schema: 406 PGRST106")
status, body, res = gw.request("POST", "/rpc/sync_health", {}, T, headers={"Content-Profile": "api"})
ok(status == 200 and header(res, "Content-Profile") == "api", "Content-Profile: api is served and echoed")
status, body, _ = gw.request("POST", "/rpc/sync_health", raw="{}", bearer=T, headers={"Content-Type": "application/xml"})
ok(status == 400 and body["code"] == "PGRST102" and body["message"] == "Content-Type not acceptable: application/xml",
   "an unsupported Content-Type: PostgREST's 400 PGRST102")
status, body, _ = gw.request("POST", "/rpc/sync_pull", raw="cursor=0&lim=3", bearer=T,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
ok(status == 200 and "changes" in body, "a form body names the arguments, as PostgREST accepts")
status, body, res = gw.request("POST", "/rpc/sync_health", {}, T, headers={"Prefer": "return=minimal"})
ok(status == 200 and body["shop_id"] == SHOP and "return" not in header(res, "Preference-Applied"),
   "Prefer: return=minimal is not applied to a function call (as PostgREST)")

# 5. Supabase's keys
status, body, _ = gw.request("POST", "/rpc/sync_health", {}, ANON, headers={"apikey": ANON})
ok(status == 401 and body["code"] == "42501", "the anon key as bearer: the call runs as anon (42501), not 'wrong audience'")
status, body, _ = gw.request("POST", "/rpc/sync_health", {}, T, headers={"apikey": ANON})
ok(status == 200, "apikey (anon) plus a user's bearer: the user's call")
status, body, _ = gw.request("POST", "/rpc/sync_health", {}, headers={"apikey": T})
ok(status == 200 and body["shop_id"] == SHOP, "apikey alone is taken as the bearer (as Supabase's gateway)")
status, body, _ = gw.request("POST", "/rpc/sync_health", {}, T, headers={"apikey": "garbage"})
ok(status == 401, "a bad apikey is refused even with a good bearer")
forged = sign({"role": "anon", "exp": int(time.time()) + 3600}, secret="y" * 40)
status, body, _ = gw.request("POST", "/auth/v1/signup", {"email": "f@example.com", "password": "correct horse"},
                             headers={"apikey": forged})
ok(status == 401, "an anon key signed with another secret: 401")
service = sign({"role": "service_role", "exp": int(time.time()) + 3600})
ok(gw.request("POST", "/rpc/sync_health", {}, service)[0] == 401, "a service_role key is not served")
sys.exit(finish())
