// The SDK's pieces without a server: backoff, Retry-After, SSE parsing, the
// session's refresh rules and the outbox's retries under the same keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, parseRetryAfter, parseEvent, Session, Api, Outbox, memoryStorage, ShopSyncError, PROTOCOL_VERSION } from "../../dist/index.js";
import { selectRows } from "../../dist/react.js";

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jwt = (claims) => `${b64({ alg: "HS256" })}.${b64(claims)}.sig`;
const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

test("full jitter: uniform below the exponential ceiling, capped, never below Retry-After", () => {
  assert.equal(backoffDelay(0, null, { baseMs: 100, random: () => 0.999 }), 99);
  assert.equal(backoffDelay(3, null, { baseMs: 100, random: () => 0.5 }), 400);
  assert.equal(backoffDelay(20, null, { baseMs: 100, capMs: 1000, random: () => 0.999 }), 999);
  assert.equal(backoffDelay(0, null, { random: () => 0 }), 0);
  assert.equal(backoffDelay(0, 7, { baseMs: 100, random: () => 0.5 }), 7000);
});

test("Retry-After: seconds or an HTTP date", () => {
  assert.equal(parseRetryAfter("12"), 12);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter("soon"), null);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30);
});

test("SSE blocks: event type and data; comments are not events", () => {
  assert.deepEqual(parseEvent("event: poke\ndata: changed"), { type: "poke", data: "changed" });
  assert.deepEqual(parseEvent(": keepalive"), { type: "message", data: "" });
  assert.deepEqual(parseEvent("event: closed\r\ndata: token expired"), { type: "closed", data: "token expired" });
});

test("session: refreshes before expiry, once after a 401, and shares one refresh between callers", async () => {
  let now = 1_000_000_000_000;
  const calls = [];
  let issued = 0;
  const fetch = async (url, init) => {
    const path = new URL(url).pathname;
    calls.push(path);
    if (path === "/auth/login" || path === "/auth/refresh") {
      issued++;
      await new Promise((r) => setTimeout(r, 5));
      const iat = Math.floor(now / 1000);
      return json(200, { access_token: jwt({ sub: "u", shop_id: "s", iat, exp: iat + 900, n: issued }), refresh_token: `r${issued}`, expires_in: 900, token_type: "bearer" });
    }
    const auth = new Headers(init.headers).get("authorization");
    if (path === "/rpc/reject_first" && auth.includes(b64({ sub: "u", shop_id: "s", iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 900, n: 1 })))
      return json(401, { code: "PGRST301", message: "expired" });
    return json(200, { ok: true });
  };
  const session = new Session({ url: "http://gw", fetch, now: () => now });
  await session.login("a@b", "pw");
  assert.equal(session.shopId, "s");
  await session.authorizedFetch("/rpc/x", { method: "POST" });
  assert.equal(session.refreshes, 0, "a fresh token is used as it is");
  now += 841_000; // within the 60 s skew of expiry
  await Promise.all([session.authorizedFetch("/rpc/x"), session.authorizedFetch("/rpc/y")]);
  assert.equal(session.refreshes, 1, "two callers, one refresh before expiry");
  assert.equal(calls.filter((c) => c === "/auth/refresh").length, 1);

  // A 401: one refresh and one more try.
  const s2 = new Session({ url: "http://gw", fetch, now: () => now });
  issued = 0;
  await s2.login("a@b", "pw");
  const res = await s2.authorizedFetch("/rpc/reject_first", { method: "POST" });
  assert.equal(res.status, 200);
  assert.equal(s2.refreshes, 1);
});

test("session: a token source is asked first, when expiring and after a 401", async () => {
  const reasons = [];
  let n = 0;
  const now = Date.now();
  const tokenSource = async (reason) => {
    reasons.push(reason);
    n++;
    return jwt({ sub: "u", shop_id: "s", iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + (n === 1 ? 10 : 900) });
  };
  let first = true;
  const fetch = async () => (first ? ((first = false), json(401, { code: "PGRST301", message: "bad" })) : json(200, {}));
  const session = new Session({ url: "", fetch, tokenSource });
  await session.authorizedFetch("/rpc/x");
  assert.deepEqual(reasons, ["initial", "unauthorized"]);
});

test("outbox: keys are stored before sending; a failed push is retried with the same keys, honouring Retry-After", async () => {
  const bodies = [];
  let attempt = 0;
  const fetch = async (url, init) => {
    if (url.endsWith("/auth/login")) return json(200, { access_token: jwt({ sub: "u", shop_id: "s" }), refresh_token: "r", expires_in: 900 });
    bodies.push(JSON.parse(init.body).body);
    attempt++;
    if (attempt === 1) throw new TypeError("fetch failed");
    if (attempt === 2) return json(429, { code: "PGRST429", message: "slow down" }, { "Retry-After": "0" });
    const events = JSON.parse(init.body).body.events;
    return json(200, { accepted: events.map((e) => ({ ...e, version: 1, replayed: false })), conflicts: [], rejected: [], server_seq: 1 });
  };
  const session = new Session({ url: "http://gw", fetch });
  await session.login("a@b", "pw");
  const storage = memoryStorage();
  const outbox = new Outbox(new Api(session), storage, { backoff: { baseMs: 1 } });
  const event = await outbox.enqueue({ entity: "customers", op: "create", baseVersion: 0, payload: { name: "Ann" } });
  assert.equal(JSON.parse(storage.data.get("shopsync.outbox"))[0].idempotency_key, event.idempotency_key);
  const outcome = await outbox.flush();
  assert.equal(outcome.accepted, 1);
  assert.equal(bodies.length, 3);
  assert.ok(bodies.every((b) => b.events[0].idempotency_key === event.idempotency_key && b.protocol === PROTOCOL_VERSION));
  assert.ok(bodies.every((b) => b.device_id === bodies[0].device_id && b.device_id.startsWith("web-")));
  assert.deepEqual(await outbox.pending(), []);
});

test("outbox: a refusal that retrying cannot change (403) is thrown and the events stay queued", async () => {
  const fetch = async (url) =>
    url.endsWith("/auth/login") ? json(200, { access_token: jwt({ sub: "u" }), refresh_token: "r", expires_in: 900 })
      : json(403, { code: "42501", message: "viewers cannot push" });
  const session = new Session({ url: "http://gw", fetch });
  await session.login("a@b", "pw");
  const outbox = new Outbox(new Api(session), memoryStorage());
  await outbox.enqueue({ entity: "customers", op: "create", baseVersion: 0, payload: {} });
  await assert.rejects(outbox.flush(), (e) => e instanceof ShopSyncError && e.status === 403 && !e.retryable);
  assert.equal((await outbox.pending()).length, 1);
});

test("selectRows: equality filter, predicate, order and limit", () => {
  const rows = [{ id: "1", status: "pending", total: 5 }, { id: "2", status: "confirmed", total: 7 }, { id: "3", status: "pending", total: 1 }];
  assert.deepEqual(selectRows(rows, { status: "pending" }).map((r) => r.id), ["1", "3"]);
  assert.deepEqual(selectRows(rows, (r) => r.total > 4, { orderBy: "-total" }).map((r) => r.id), ["2", "1"]);
  assert.deepEqual(selectRows(rows, undefined, { orderBy: "total", limit: 2 }).map((r) => r.id), ["3", "1"]);
});

test("outbox: after a restart (a new outbox over the same storage) the queued event goes out under its first key", async () => {
  const sent = [];
  const fetch = async (url, init) => {
    if (url.endsWith("/auth/login")) return json(200, { access_token: jwt({ sub: "u" }), refresh_token: "r", expires_in: 900 });
    const events = JSON.parse(init.body).body.events;
    sent.push(...events.map((e) => e.idempotency_key));
    return json(200, { accepted: events.map((e) => ({ ...e, version: 1, replayed: true })), conflicts: [], rejected: [], server_seq: 1 });
  };
  const session = new Session({ url: "http://gw", fetch });
  await session.login("a@b", "pw");
  const storage = memoryStorage();
  const before = new Outbox(new Api(session), storage);
  const event = await before.enqueue({ entity: "orders", op: "create", baseVersion: 0, payload: { order_code: "O-1" } });
  const device = await before.deviceId();
  const after = new Outbox(new Api(session), storage); // the app restarted before the push
  assert.equal(await after.deviceId(), device);
  await after.flush();
  assert.deepEqual(sent, [event.idempotency_key]);
});

test("session.restore: a kept good token is used without a call; a kept expired one is refreshed first", async () => {
  const paths = [];
  const now = Math.floor(Date.now() / 1000);
  const fetch = async (url) => {
    paths.push(new URL(url).pathname);
    if (url.endsWith("/auth/refresh")) return json(200, { access_token: jwt({ sub: "u", iat: now, exp: now + 900 }), refresh_token: "r2", expires_in: 900 });
    return json(200, {});
  };
  const good = new Session({ url: "http://gw", fetch });
  good.restore({ access_token: jwt({ sub: "u", iat: now, exp: now + 900 }), refresh_token: "r1" });
  await good.authorizedFetch("/rpc/x");
  assert.deepEqual(paths, ["/rpc/x"]);
  paths.length = 0;
  const old = new Session({ url: "http://gw", fetch });
  old.restore({ access_token: jwt({ sub: "u", iat: now - 1000, exp: now - 100 }), refresh_token: "r1" });
  await old.authorizedFetch("/rpc/x");
  assert.deepEqual(paths, ["/auth/refresh", "/rpc/x"]);
});
