// @shopsync/client against the real gateway and extension (test/js/run.sh
// starts them: GATEWAY_URL, PG* for admin SQL, ACCESS_TOKEN_TTL short so
// tokens expire during the run).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ShopSyncClient, Session, memoryStorage, ShopSyncError } from "../../dist/index.js";

const URL_ = process.env.GATEWAY_URL;
const TTL = Number(process.env.ACCESS_TOKEN_TTL);
assert.ok(URL_ && TTL, "GATEWAY_URL and ACCESS_TOKEN_TTL are set by test/js/run.sh");
const PASSWORD = "js sdk password";
const clients = [];

const sql = (text) => execFileSync("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", text], { encoding: "utf8" }).trim();

async function post(path, body, token) {
  const res = await fetch(URL_ + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// state (optional): what to show when it times out, e.g. the client's status.
async function waitFor(what, predicate, ms = 8000, state = null) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (predicate()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}${state ? `; state: ${JSON.stringify(state())}` : ""}`);
}

async function signedIn(email, options = {}) {
  const session = new Session({ url: URL_, fetch: options.fetch });
  await session.login(email, PASSWORD);
  const client = new ShopSyncClient({ session, storage: memoryStorage(), backoff: { baseMs: 50, capMs: 1000 }, ...options });
  clients.push(client);
  return client;
}

before(async () => {
  for (const email of ["owner@js.example", "staff@js.example", "viewer@js.example"])
    await post("/auth/signup", { email, password: PASSWORD });
  const { access_token } = await post("/auth/login", { email: "owner@js.example", password: PASSWORD });
  await post("/rpc/create_shop", { name: "JS shop" }, access_token);
  const owner = await post("/auth/login", { email: "owner@js.example", password: PASSWORD });
  await post("/rpc/add_member", { email: "staff@js.example", role: "staff" }, owner.access_token);
  await post("/rpc/add_member", { email: "viewer@js.example", role: "viewer" }, owner.access_token);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
});

let owner;

test("writes go out with stored keys; a second device's snapshot (small pages) then pull holds them all", async () => {
  owner = await signedIn("owner@js.example", { pokes: "fetch" });
  await owner.start();
  assert.equal(owner.status().role, "owner");
  for (let i = 0; i < 23; i++) {
    const out = await owner.write({ entity: "customers", op: "create", baseVersion: 0, payload: { customer_code: `C-${i}`, name: `Customer ${i}` } });
    assert.equal(out.accepted, 1);
  }
  const reader = await signedIn("staff@js.example", { snapshotPageSize: 5, pokes: null });
  await reader.start();
  assert.equal(reader.rows("customers").length, 23);
  assert.equal(reader.status().ready, true);
  const server = Number(sql("SELECT count(*) FROM shopsync.customers WHERE deleted_at IS NULL"));
  assert.equal(server, 23);
  await waitFor("the owner's own rows via its poke", () => owner.rows("customers").length === 23);
});

test("a write on one device reaches another through a poke (no polling: the poll interval is a minute)", async () => {
  const watcher = await signedIn("staff@js.example", { pokes: "fetch", pollIntervalMs: 60_000 });
  await watcher.start();
  await waitFor("the event stream", () => watcher.status().connected);
  const changed = [];
  watcher.subscribe((entities) => changed.push(...entities));
  await owner.write({ entity: "orders", op: "create", baseVersion: 0, payload: { order_code: "O-poke", status: "pending", total: 12.5 } });
  const ms = await waitFor("the order on the watcher", () => watcher.rows("orders").some((o) => o.order_code === "O-poke"));
  assert.ok(changed.includes("orders"), "subscribers heard 'orders'");
  console.log(`# write → other device via poke: ${ms} ms`);
});

test("without an event stream the client polls", async () => {
  const poller = await signedIn("staff@js.example", { pokes: null, pollIntervalMs: 200 });
  await poller.start();
  assert.equal(poller.status().connected, false);
  await owner.write({ entity: "orders", op: "create", baseVersion: 0, payload: { order_code: "O-poll", status: "pending" } });
  await waitFor("the polled order", () => poller.rows("orders").some((o) => o.order_code === "O-poll"));
  assert.equal(poller.status().phase, "polling");
});

test("tokens: refreshed before they expire, the event stream reopened with the new one, sync goes on", async () => {
  const client = await signedIn("staff@js.example", { pokes: "fetch", pollIntervalMs: 60_000 });
  await client.start();
  await waitFor("the event stream", () => client.status().connected);
  await new Promise((r) => setTimeout(r, (TTL + 1.5) * 1000)); // past the first token's expiry
  assert.ok(client.session.refreshes >= 1, `refreshed ${client.session.refreshes} times`);
  await waitFor("the event stream again", () => client.status().connected);
  await owner.write({ entity: "orders", op: "create", baseVersion: 0, payload: { order_code: "O-after-expiry", status: "pending" } });
  await waitFor("the order after expiry", () => client.rows("orders").some((o) => o.order_code === "O-after-expiry"));
});

test("a 401 (a token the server refuses) refreshes once and repeats the call", async () => {
  let spoil = false;
  const fetchSpoiling = (url, init = {}) => {
    if (spoil && String(url).includes("/rpc/")) {
      spoil = false;
      const headers = new Headers(init.headers);
      headers.set("Authorization", "Bearer not.a.token");
      return fetch(url, { ...init, headers });
    }
    return fetch(url, init);
  };
  const session = new Session({ url: URL_, fetch: fetchSpoiling });
  await session.login("staff@js.example", PASSWORD);
  spoil = true;
  const health = await new ShopSyncClient({ session }).api.health();
  assert.equal(health.role, "staff");
  assert.equal(session.refreshes, 1);
  assert.equal(spoil, false, "the spoiled call was made");
});

test("cursor_expired: a purge past the client's cursor makes it rebuild from snapshots, rows equal the server's", async () => {
  const client = await signedIn("staff@js.example", { pokes: null, pollIntervalMs: 60_000 });
  await client.start();
  assert.equal(client.status().rebuilds, 1);
  for (let i = 0; i < 3; i++)
    await owner.write({ entity: "customers", op: "create", baseVersion: 0, payload: { customer_code: `P-${i}`, name: `Purged ${i}` } });
  const victim = owner.rows("customers").find((c) => c.customer_code === "C-0");
  await owner.write({ entity: "customers", op: "delete", id: victim.id, baseVersion: victim.version });
  sql("SELECT shopsync.purge(log_age => interval '0')");
  assert.ok(Number(sql("SELECT purged_seq FROM shopsync.shop_cursors")) > client.status().cursor, "the log no longer holds the cursor");
  client.syncNow();
  // 20 s: a busy gateway may ask it to come back later (Retry-After) first.
  await waitFor("a rebuild", () => client.status().rebuilds === 2, 20_000, () => client.status());
  const codes = client.rows("customers").map((c) => c.customer_code).sort();
  const server = sql("SELECT string_agg(customer_code, ',' ORDER BY customer_code) FROM shopsync.customers WHERE deleted_at IS NULL").split(",");
  assert.deepEqual(codes, server.sort());
  assert.ok(codes.includes("P-2") && !codes.includes("C-0"));
});

test("a push whose answer is lost is sent again with the same key and applied once", async () => {
  let lose = true;
  const lossy = async (url, init) => {
    const res = await fetch(url, init);
    if (lose && String(url).endsWith("/rpc/sync_push")) {
      lose = false;
      throw new TypeError("connection reset (answer lost)");
    }
    return res;
  };
  const client = await signedIn("owner@js.example", { fetch: lossy, pokes: null });
  await client.start();
  const out = await client.write({ entity: "customers", op: "create", baseVersion: 0, payload: { customer_code: "C-once", name: "Once" } });
  assert.equal(out.accepted, 1);
  assert.equal(lose, false);
  assert.equal(sql("SELECT count(*) || ':' || max(version) FROM shopsync.customers WHERE customer_code = 'C-once'"), "1:1");
});

test("conflicts: a stale write comes back as a conflict (server wins) and shows in conflicts() until dismissed", async () => {
  const a = await signedIn("owner@js.example", { pokes: null });
  const b = await signedIn("staff@js.example", { pokes: null });
  await Promise.all([a.start(), b.start()]);
  const row = a.rows("customers").find((c) => c.customer_code === "C-1");
  await a.write({ entity: "customers", op: "update", id: row.id, baseVersion: row.version, payload: { name: "From A" } });
  const out = await b.write({ entity: "customers", op: "update", id: row.id, baseVersion: row.version, payload: { name: "From B" } });
  assert.equal(out.conflicts.length, 1);
  assert.equal(b.conflicts().conflicts.length, 1);
  assert.equal(b.row("customers", row.id).name, "From A");
  b.dismissConflict(out.conflicts[0].idempotency_key);
  assert.equal(b.conflicts().conflicts.length, 0);
});

test("a viewer's push is refused (403, not retried) and stays queued", async () => {
  const viewer = await signedIn("viewer@js.example", { pokes: null });
  await viewer.start();
  assert.equal(viewer.status().role, "viewer");
  await assert.rejects(
    viewer.write({ entity: "customers", op: "create", baseVersion: 0, payload: { customer_code: "V-1", name: "No" } }),
    (e) => e instanceof ShopSyncError && e.status === 403 && e.code === "42501",
  );
  assert.equal((await viewer.outbox.pending()).length, 1);
});

// DESIGN invariant 10: a restore loses the server's newest writes; the device
// that holds them gives them back, and a write queued on top of a lost row is
// sent rebased, not refused. The "restore" here loses two acknowledged rows
// (their rows, log entries and keys) and a delete (the row is back as it was
// before), and starts a new restore epoch.
test("restore: a new server epoch makes the device give back lost rows and resend its queued write rebased", async () => {
  const device = await signedIn("owner@js.example", { pokes: null, pollIntervalMs: 60_000 });
  await device.start();
  const epoch = sql("SELECT shopsync.restore_epoch()");
  for (const code of ["R-1", "R-2", "R-3"])
    assert.equal((await device.write({ entity: "customers", op: "create", baseVersion: 0, payload: { customer_code: code, name: code } })).accepted, 1);
  await waitFor("the rows on the device", () => device.rows("customers").filter((c) => c.customer_code?.startsWith("R-")).length === 3);
  const lost = device.rows("customers").find((c) => c.customer_code === "R-1");
  const deleted = device.rows("customers").find((c) => c.customer_code === "R-3");
  assert.equal((await device.write({ entity: "customers", op: "delete", id: deleted.id, baseVersion: deleted.version })).accepted, 1);
  await waitFor("the delete on the device", () => !device.row("customers", deleted.id));
  sql(`SET session_replication_role = replica;
       DELETE FROM shopsync.idempotency_keys k USING shopsync.change_log l
        WHERE l.entity = 'customers' AND l.payload->>'customer_code' IN ('R-1', 'R-2') AND k.outcome::text LIKE '%' || l.entity_id || '%';
       DELETE FROM shopsync.change_log WHERE entity = 'customers' AND (payload->>'customer_code' IN ('R-1', 'R-2') OR entity_id = '${deleted.id}' AND op = 'delete');
       DELETE FROM shopsync.customers WHERE customer_code IN ('R-1', 'R-2');
       UPDATE shopsync.customers SET deleted_at = NULL, version = 1 WHERE id = '${deleted.id}';
       SELECT shopsync.new_restore_epoch('js sdk test')`);
  const newEpoch = sql("SELECT shopsync.restore_epoch()");
  assert.notEqual(newEpoch, epoch);
  // Queued on the row the restored server lost; the push meets the new epoch.
  const out = await device.write({ entity: "customers", op: "update", id: lost.id, baseVersion: lost.version, payload: { name: "Renamed after restore" } });
  assert.deepEqual(out.rejected, [], "the queued write is not refused as not_found");
  await waitFor("the recovery", () => device.status().restoreEpoch === newEpoch && device.status().pending === 0 && device.status().ready, 15_000);
  assert.equal(sql("SELECT string_agg(customer_code || '=' || name, ',' ORDER BY customer_code) FROM shopsync.customers WHERE customer_code LIKE 'R-%' AND deleted_at IS NULL"),
    "R-1=Renamed after restore,R-2=R-2", "the lost rows are back, the queued write applied on top, the lost delete made again");
  assert.equal(device.status().restores, 1);
  assert.equal(device.status().lastRestore.epoch, newEpoch);
  assert.equal(device.status().lastRestore.reuploaded, 2, "R-2 and R-3's delete given back (R-1 came back with its queued write)");
  assert.equal(await device.outbox.epochs.adopted(), newEpoch, "the epoch is kept in the caller's storage");
  assert.deepEqual(device.conflicts().refusals.filter((r) => r.entity_id === lost.id), []);
  await waitFor("the device's rows", () => device.row("customers", lost.id)?.name === "Renamed after restore");
});
