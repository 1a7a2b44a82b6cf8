// The restore recovery's plan (restore.ts) and the epoch kept in storage:
// what a restored server lacks is given back under keys shared with the C++
// core, queued writes keep their keys and are rebased, nothing is dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planRecovery, recoveryKey, EpochState, memoryStorage, ShopSyncClient, Session } from "../../dist/index.js";

const row = (id, version, extra = {}) => ({ id, shop_id: "s", version, updated_at: "t", deleted_at: null, ...extra });
const table = (...rows) => new Map(rows.map((r) => [r.id, r]));

test("give-back keys are the C++ core's (client/src/restore_recovery.cpp RecoveryKey)", () => {
  // Values printed by the C++ RecoveryKey for the same inputs.
  assert.equal(recoveryKey("s", "customers", "id-1", 3, "update"), "cb2bd1af-f61b-53bd-a66f-1f4fb923ffc7");
  assert.equal(recoveryKey("7a1c0e2e-0000-4000-8000-000000000001", "orders", "0b0c", 1, "create"), "573b07f6-3194-58fd-98bc-e80a097b440a");
});

test("the plan: lost rows back, older rows updated, newer kept; queued writes rebased under their keys", () => {
  const synced = new Map([["customers", table(
    row("lost", 2, { name: "L" }), row("older", 3, { name: "new" }), row("same", 2, { name: "x" }),
    row("queued", 4, { name: "Q" }), row("gone", 5, { name: "G" }),
  )]]);
  const server = new Map([["customers", table(row("older", 1, { name: "old" }), row("same", 1, { name: "x" }), row("queued", 2, { name: "Q2" }))]]);
  const queue = [
    { idempotency_key: "k1", entity: "customers", entity_id: "queued", op: "update", base_version: 4, payload: { name: "Q!" } },
    { idempotency_key: "k2", entity: "customers", entity_id: "queued", op: "update", base_version: 5, payload: { name: "Q!!" } },
    { idempotency_key: "k3", entity: "customers", entity_id: "gone", op: "update", base_version: 5, payload: { name: "G!" } },
    { idempotency_key: "k4", entity: "customers", entity_id: "nowhere", op: "update", base_version: 3, payload: { name: "N" } },
    { idempotency_key: "k5", entity: "customers", entity_id: "fresh", op: "create", base_version: 0, payload: { name: "F" } },
  ];
  const plan = planRecovery({ shop: "s", entities: ["customers"], synced, server, queue, generated: {} });
  const brief = plan.queue.map((e) => `${e.entity_id}:${e.op}@${e.base_version}:${e.payload?.name ?? ""}`);
  assert.deepEqual(brief, [
    "lost:create@0:L", "older:update@1:new",            // synced rows the server lacks or holds older
    "queued:update@2:Q", "gone:create@0:G",             // the acknowledged state the queued writes were based on
    "queued:update@3:Q!", "queued:update@4:Q!!",        // the queued writes, chained on it
    "gone:update@1:G!", "nowhere:create@0:N",           // no acknowledged state held: the write makes the row
    "fresh:create@0:F",
  ]);
  assert.deepEqual(plan.queue.filter((e) => /^k\d$/.test(e.idempotency_key)).map((e) => e.idempotency_key), ["k1", "k2", "k3", "k4", "k5"], "queued keys kept");
  assert.equal(plan.queue[0].idempotency_key, recoveryKey("s", "customers", "lost", 2, "create"));
  assert.equal(plan.queue[2].idempotency_key, recoveryKey("s", "customers", "queued", 4, "update"));
  assert.equal(plan.reuploaded, 2);
  assert.equal(plan.rebased, 3);
  assert.deepEqual(plan.queue[0].payload, { name: "L" }, "server-owned columns are not sent");
});

test("the plan: a synced tombstone's delete is given back, last and children first, by a role that may delete", () => {
  const dead = { deleted_at: "2026-01-01T00:00:00+00:00" };
  const synced = new Map([
    ["orders", table(row("o-dead", 3, { code: "O", ...dead }))],
    ["order_items", table(row("i-dead", 2, { qty: 1, ...dead }), row("i-alive-there", 4, { qty: 2, ...dead }))],
  ]);
  const server = new Map([["orders", table()], ["order_items", table(row("i-alive-there", 1, { qty: 2 }))]]);
  const input = { shop: "s", entities: ["orders", "order_items"], synced, server, queue: [] };
  const brief = (plan) => plan.queue.map((e) => `${e.entity_id}:${e.op}@${e.base_version}`);
  assert.deepEqual(brief(planRecovery({ ...input, mayDelete: () => true })),
    ["o-dead:create@0", "i-dead:create@0", "i-alive-there:delete@1", "i-dead:delete@1", "o-dead:delete@1"]);
  assert.equal(planRecovery({ ...input, mayDelete: () => true }).queue[3].idempotency_key, recoveryKey("s", "order_items", "i-dead", 2, "delete"));
  assert.deepEqual(brief(planRecovery({ ...input, mayDelete: () => false })), [], "a create alone would revive it: another device gives it back");
});

test("the epoch: the first is adopted, another becomes the recovery's target until adopted", async () => {
  const storage = memoryStorage();
  const epochs = new EpochState(storage, "p");
  assert.equal(await epochs.note("e1"), false);
  assert.equal(await epochs.adopted(), "e1");
  assert.equal(await epochs.note("e1"), false);
  assert.equal(await epochs.note(undefined), false, "an older server says nothing");
  assert.equal(await epochs.note("e2"), true);
  assert.equal(await epochs.target(), "e2");
  await epochs.adopt("e2");
  assert.equal(await epochs.target(), null);
  assert.equal(storage.data.get("p.restore_epoch"), "e2", "kept in the caller's storage");
});

// The client against a scripted server that is "restored" between two calls.
const json = (body) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });

test("client: a push answered from another epoch keeps its keys; the client gives back, resends rebased, adopts, rebuilds", async () => {
  let epoch = "e1";
  let rows = [row("a", 3, { name: "A" })]; // the server's customers
  const pushes = [];
  const fetch = async (url, init) => {
    const path = new URL(url).pathname;
    const args = init?.body ? JSON.parse(init.body) : {};
    if (path === "/auth/login") return json({ access_token: "a.e30.b", refresh_token: "r", expires_in: 900 });
    if (path === "/rpc/sync_health")
      return json({ entities: ["customers"], role: "owner", shop_id: "s", restore_epoch: epoch, rules: { customers: { write_roles: ["owner"] } } });
    if (path === "/rpc/sync_snapshot") return json({ entity: "customers", rows, next_after: null, has_more: false, cursor: 0, restore_epoch: epoch });
    if (path === "/rpc/sync_pull") return json({ changes: [], cursor: args.cursor, has_more: false, restore_epoch: epoch });
    if (path === "/rpc/sync_push") {
      const body = args.body;
      pushes.push(body);
      if (body.restore_epoch !== epoch) return json({ accepted: [], conflicts: [], rejected: [], server_seq: 0, restore_epoch: epoch });
      const accepted = body.events.map((e) => ({ idempotency_key: e.idempotency_key, entity: e.entity, entity_id: e.entity_id, op: e.op, version: e.base_version + 1, replayed: false }));
      return json({ accepted, conflicts: [], rejected: [], server_seq: 1, restore_epoch: epoch });
    }
    return json({});
  };
  const session = new Session({ url: "http://gw", fetch });
  await session.login("a", "b");
  const storage = memoryStorage();
  const client = new ShopSyncClient({ session, storage, pokes: null, pollIntervalMs: 60_000 });
  await client.start();
  assert.equal(client.status().restoreEpoch, "e1");
  epoch = "e2";
  rows = []; // the restore lost row a
  const out = await client.write({ entity: "customers", op: "update", id: "a", baseVersion: 3, payload: { name: "A!" } });
  assert.equal(out.restoreEpoch, "e2");
  assert.equal(out.accepted, 0);
  const key = pushes[0].events[0].idempotency_key;
  assert.equal(pushes[0].restore_epoch, "e1", "the push names the epoch its events were made for");
  const deadline = Date.now() + 5000;
  while (client.status().restores === 0 || client.status().pending > 0 || client.status().rebuilds < 2) {
    assert.ok(Date.now() < deadline, "recovered in time");
    await new Promise((r) => setTimeout(r, 10));
  }
  const resent = pushes.at(-1);
  assert.equal(resent.restore_epoch, "e2");
  assert.deepEqual(resent.events.map((e) => `${e.op}@${e.base_version}`), ["create@0", "update@1"]);
  assert.equal(resent.events[0].idempotency_key, recoveryKey("s", "customers", "a", 3, "create"));
  assert.equal(resent.events[1].idempotency_key, key, "the queued write keeps its key");
  assert.deepEqual(resent.events[0].payload, { name: "A" });
  assert.equal(storage.data.get("shopsync.restore_epoch"), "e2");
  assert.equal(client.status().lastRestore.rebased, 1);
  await client.stop();
});
