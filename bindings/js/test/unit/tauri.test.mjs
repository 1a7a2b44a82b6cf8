// The Tauri adapter over scripted commands: the command names of
// bindings/rust/examples/tauri_commands.rs, the device's status and conflict
// records mapped onto the SyncSource the hooks read, re-read on change events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TauriSource, TAURI_COMMANDS, TAURI_CHANGE_EVENT } from "../../dist/tauri.js";

test("the adapter's commands and event are the Rust example's", () => {
  const rust = readFileSync(fileURLToPath(new URL("../../../rust/examples/tauri_commands.rs", import.meta.url)), "utf8");
  for (const name of Object.values(TAURI_COMMANDS)) assert.match(rust, new RegExp(`pub fn ${name}\\(`), name);
  assert.match(rust, new RegExp(`CHANGE_EVENT: &str = "${TAURI_CHANGE_EVENT}"`));
});

test("rows, status and conflicts come from invoke; a change event re-reads that entity", async () => {
  const calls = [];
  let orders = [{ id: "o1", version: 1, deleted_at: null }, { id: "o2", version: 2, deleted_at: "2026-01-01" }];
  const invoke = async (command, args) => {
    calls.push([command, args]);
    switch (command) {
      case "list_rows": return JSON.stringify(args.entity === "orders" ? orders : []);
      case "sync_status": return JSON.stringify({ shop_id: "s", role: "staff", signed_in: true, pending: 2, cursor: 9, last_success_at: 1700000000, last_error: null, worker_running: true, access_lost: null });
      case "list_conflicts": return JSON.stringify([{ id: 4, entity: "orders", entity_id: "o1", server_record: { id: "o1", version: 3 } }]);
      case "list_failed_writes": return JSON.stringify([{ id: 7, entity: "orders", entity_id: "o9", reason: "forbidden", message: "viewers cannot write" }]);
      case "dismiss_conflict": return "[]";
    }
    throw new Error(`unexpected ${command}`);
  };
  let handler;
  const listen = async (event, h) => {
    assert.equal(event, "shopsync://changed");
    handler = h;
    return () => (handler = null);
  };
  const source = new TauriSource(invoke, listen, ["orders", "customers"]);
  await source.start();
  assert.deepEqual(source.rows("orders").map((r) => r.id), ["o1"], "tombstones are left out");
  const s = source.status();
  assert.equal(s.role, "staff");
  assert.equal(s.pending, 2);
  assert.equal(s.lastSyncedAt, 1700000000000);
  assert.equal(s.phase, "live");
  assert.equal(source.conflicts().conflicts[0].server_version, 3);
  assert.equal(source.conflicts().refusals[0].reason, "forbidden");

  const heard = [];
  source.subscribe((e) => heard.push(...e));
  orders = [...orders, { id: "o3", version: 1, deleted_at: null }];
  calls.length = 0;
  handler({ payload: JSON.stringify({ source: "pull", entity: "orders" }) });
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(calls.filter(([c]) => c === "list_rows").map(([, a]) => a.entity), ["orders"], "only the changed entity is re-read");
  assert.equal(source.rows("orders").length, 2);
  assert.deepEqual(heard, ["orders"]);

  source.dismissConflict("4");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(calls.find(([c]) => c === "dismiss_conflict")[1], { conflictId: 4 });
  source.stop();
  assert.equal(handler, null);
});
