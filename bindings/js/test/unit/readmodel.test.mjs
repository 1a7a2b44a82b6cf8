// The read model against a scripted server: the first screen's entities show
// before the rest are in, the pull starts at the earliest snapshot cursor, a
// change seen twice is applied once by version, tombstones leave the rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShopSyncClient, Session } from "../../dist/index.js";

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const row = (id, version, extra = {}) => ({ id, shop_id: "s", version, updated_at: "2026-01-01T00:00:00+00:00", deleted_at: null, ...extra });

test("first entities show early; ready after all; pull from the earliest cursor; versions decide", async () => {
  let releaseItems;
  const itemsGate = new Promise((r) => (releaseItems = r));
  const pulls = [];
  const snapshots = { customers: [[row("c1", 1), row("c2", 1)], 12], orders: [[row("o1", 1), row("o2", 3)], 10], order_items: [[row("i1", 1)], 11] };
  const changes = [
    { seq: 11, entity: "orders", entity_id: "o2", op: "update", version: 3, changed_at: "", payload: row("o2", 3, { note: "seen in the snapshot" }) },
    { seq: 12, entity: "orders", entity_id: "o1", op: "update", version: 2, changed_at: "", payload: row("o1", 2, { status: "confirmed" }) },
    { seq: 13, entity: "customers", entity_id: "c2", op: "delete", version: 2, changed_at: "", payload: row("c2", 2, { deleted_at: "2026-01-01T00:00:01+00:00" }) },
  ];
  const fetch = async (url, init) => {
    const path = new URL(url).pathname;
    const args = init?.body ? JSON.parse(init.body) : {};
    if (path === "/auth/login") return json({ access_token: "a.e30.b", refresh_token: "r", expires_in: 900 });
    if (path === "/rpc/sync_health") return json({ entities: ["customers", "orders", "order_items"], role: "owner", shop_id: "s" });
    if (path === "/rpc/sync_snapshot") {
      if (args.entity === "order_items") await itemsGate;
      const [rows, cursor] = snapshots[args.entity];
      return json({ entity: args.entity, rows, next_after: null, has_more: false, cursor });
    }
    if (path === "/rpc/sync_pull") {
      pulls.push(args.cursor);
      const after = changes.filter((c) => c.seq > args.cursor);
      return json({ changes: after, cursor: after.length ? after.at(-1).seq : args.cursor, has_more: false });
    }
    return json({ message: "no" }, 404);
  };
  const session = new Session({ url: "http://gw", fetch });
  await session.login("a", "b");
  const client = new ShopSyncClient({ session, pokes: null, pollIntervalMs: 60_000, first: ["orders", "customers"] });
  const seen = [];
  client.subscribe((entities) => seen.push(...entities));
  const started = client.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(client.status().ready, false);
  assert.equal(client.status().role, "owner", "the role is known before the rows are all in");
  assert.equal(client.rows("orders").length, 2, "orders show before the items are in");
  assert.equal(client.rows("order_items").length, 0);
  assert.ok(seen.includes("orders"));
  releaseItems();
  await started;
  assert.equal(client.status().ready, true);
  assert.equal(pulls[0], 10, "the pull starts at the earliest first-page cursor");
  assert.equal(client.row("orders", "o1").status, "confirmed");
  assert.equal(client.row("orders", "o2").version, 3);
  assert.deepEqual(client.rows("customers").map((c) => c.id), ["c1"], "the tombstone left the rows");
  assert.equal(client.rows("order_items").length, 1);
  assert.equal(client.status().cursor, 13);
  await client.stop();
});
