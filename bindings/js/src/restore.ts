// restore.ts — after the server was restored from a backup (DESIGN §8.10,
// docs/protocol.md "The restore epoch"). Every answer carries the server's
// restore epoch; the device keeps the one it adopted in the caller's storage
// and names it in every push. An answer with another epoch means the server
// may have lost writes this device holds: before anything of that server is
// applied, the device compares its rows with the server's snapshot and queues
// what the server lacks, in front of its own queued writes, which keep their
// keys and are moved onto the server's versions. The rules and the keys are
// those of the C++ core (client/src/restore_recovery.*), so a JS device and a
// native one giving back the same row send the same event under the same key.
import type { PushEvent, Row, Uuid } from "./protocol.js";
import type { KeyStorage } from "./writes.js";

/** The adopted epoch and the one a recovery must still reach, in the caller's storage. */
export class EpochState {
  constructor(
    private readonly storage: KeyStorage,
    private readonly prefix: string,
  ) {}

  async adopted(): Promise<string | null> {
    return (await this.storage.getItem(`${this.prefix}.restore_epoch`)) ?? null;
  }

  async target(): Promise<string | null> {
    return (await this.storage.getItem(`${this.prefix}.restore_target`)) ?? null;
  }

  /**
   * An answer's epoch. The first ever seen is adopted (nothing to give back);
   * true when it is one this device has neither adopted nor is recovering to.
   */
  async note(epoch: unknown): Promise<boolean> {
    if (typeof epoch !== "string" || !epoch) return false; // an older server
    const adopted = await this.adopted();
    if (!adopted) {
      await this.storage.setItem(`${this.prefix}.restore_epoch`, epoch);
      return false;
    }
    if (epoch === adopted) return false;
    if (epoch !== (await this.target())) await this.storage.setItem(`${this.prefix}.restore_target`, epoch);
    return true;
  }

  /** The recovery is queued: pushes now name the new epoch. */
  async adopt(epoch: string): Promise<void> {
    await this.storage.setItem(`${this.prefix}.restore_epoch`, epoch);
    await this.storage.removeItem(`${this.prefix}.restore_target`);
  }
}

// 64-bit FNV-1a finished with splitmix64's mixer, as restore_recovery.cpp.
const M64 = (1n << 64n) - 1n;
function hash64(text: string, seed: bigint): bigint {
  let h = 1469598103934665603n ^ seed;
  for (const c of new TextEncoder().encode(text)) {
    h ^= BigInt(c);
    h = (h * 1099511628211n) & M64;
  }
  h ^= h >> 30n;
  h = (h * 0xbf58476d1ce4e5b9n) & M64;
  h ^= h >> 27n;
  h = (h * 0x94d049bb133111ebn) & M64;
  return h ^ (h >> 31n);
}

/** A give-back's key: the same on every device holding (shop, entity, id, version). */
export function recoveryKey(shop: string, entity: string, id: string, version: number, op: string): Uuid {
  const text = `shopsync restore/${shop}/${entity}/${id}/${version}/${op}`;
  const a = hash64(text, 0n), b = hash64(text, 0x9e3779b97f4a7c15n);
  const hex = (v: bigint, n: number) => v.toString(16).padStart(n, "0");
  return `${hex(a >> 32n, 8)}-${hex((a >> 16n) & 0xffffn, 4)}-5${hex(a & 0xfffn, 3)}-${hex(((b >> 48n) & 0x3fffn) | 0x8000n, 4)}-${hex(b & 0xffffffffffffn, 12)}`;
}

const SERVER_OWNED = ["id", "shop_id", "version", "updated_at", "deleted_at"];

/** What a give-back may send: the row without what the server owns or computes. */
function uploadColumns(row: Row, generated: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const c of [...SERVER_OWNED, ...generated]) delete out[c];
  return out;
}

function sameColumns(local: Record<string, unknown>, server: Row): boolean {
  return Object.entries(local).every(([k, v]) =>
    typeof v === "number" && typeof server[k] === "number" ? v === server[k] : JSON.stringify(v) === JSON.stringify(server[k] ?? null),
  );
}

export interface RecoveryInput {
  shop: string;
  /** Parent-first (sync_health's order). */
  entities: readonly string[];
  /** The rows this device holds as synced (the read model before the restore), tombstones included. */
  synced: Map<string, Map<Uuid, Row>>;
  /** The restored server's rows, tombstones included. */
  server: Map<string, Map<Uuid, Row>>;
  queue: readonly PushEvent[];
  generated?: Record<string, readonly string[]>;
  /** Whether this device's role may delete the entity's rows (a device that may gives a delete back). */
  mayDelete?: (entity: string) => boolean;
}

export interface RecoveryPlan {
  /** The new queue: give-backs first, then the queued writes (same keys), rebased. */
  queue: PushEvent[];
  /** Synced rows given back. */
  reuploaded: number;
  /** Rows whose queued writes were moved onto the server's version. */
  rebased: number;
  /** The give-backs' keys (derived, shared with other devices). */
  giveBackKeys: string[];
}

/**
 * What the restored server lacks. A synced row it lacks → create; one it has
 * at an older version with other columns → update from its version; as new,
 * newer or deleted → nothing (a recovery never undoes a delete); a synced
 * tombstone → its delete (after a create when the server lacks the row),
 * deletes last, children first. A row's
 * queued writes based on a version the server lacks are chained on the
 * server's version after the acknowledged state is given back; a create is
 * left alone (if the server has it, its key replays). When the device no
 * longer holds the acknowledged state, the first queued update becomes the
 * create itself (with its own key), and the server judges it in the open:
 * a refusal lands in conflicts().refusals like any other.
 */
export function planRecovery(input: RecoveryInput): RecoveryPlan {
  const gen = (e: string) => input.generated?.[e] ?? [];
  const giveBacks: PushEvent[] = [], deletes: PushEvent[] = [];
  const mayDelete = input.mayDelete ?? (() => false);
  const byRow = new Map<string, PushEvent[]>();
  for (const e of input.queue) {
    const k = `${e.entity}/${e.entity_id}`;
    byRow.set(k, [...(byRow.get(k) ?? []), e]);
  }
  let reuploaded = 0, rebased = 0;
  for (const entity of input.entities) {
    const server = input.server.get(entity) ?? new Map<Uuid, Row>();
    for (const row of input.synced.get(entity)?.values() ?? []) {
      if (byRow.has(`${entity}/${row.id}`)) continue; // its queued writes carry it (below)
      const s = server.get(row.id);
      const deleted = row.deleted_at != null;
      const columns = uploadColumns(row, gen(entity));
      if (s && (s.version >= row.version || s.deleted_at != null || (!deleted && sameColumns(columns, s)))) continue;
      if (deleted && !mayDelete(entity)) continue; // a create alone would revive it
      const key = (op: string) => recoveryKey(input.shop, entity, row.id, row.version, op);
      if (!s || !deleted)
        giveBacks.push({ idempotency_key: key(s ? "update" : "create"), entity, entity_id: row.id, op: s ? "update" : "create", base_version: s ? s.version : 0, payload: columns });
      if (deleted) deletes.push({ idempotency_key: key("delete"), entity, entity_id: row.id, op: "delete", base_version: s ? s.version : 1 });
      reuploaded++;
    }
  }
  const queue: PushEvent[] = input.queue.map((e) => ({ ...e }));
  for (const events of byRow.values()) {
    const first = events[0];
    const s = input.server.get(first.entity)?.get(first.entity_id);
    if (first.op === "create" || (s && first.base_version <= s.version)) continue;
    const mine = queue.filter((e) => e.entity === first.entity && e.entity_id === first.entity_id);
    const image = input.synced.get(first.entity)?.get(first.entity_id);
    let next = s ? s.version : 0;
    if (!s || s.deleted_at == null) {
      if (image) {
        giveBacks.push({
          idempotency_key: recoveryKey(input.shop, first.entity, first.entity_id, first.base_version, s ? "update" : "create"),
          entity: first.entity, entity_id: first.entity_id, op: s ? "update" : "create", base_version: next,
          payload: uploadColumns(image, gen(first.entity)),
        });
        next++;
        if (image.deleted_at != null && mayDelete(first.entity)) {
          giveBacks.push({
            idempotency_key: recoveryKey(input.shop, first.entity, first.entity_id, first.base_version, "delete"),
            entity: first.entity, entity_id: first.entity_id, op: "delete", base_version: next++,
          });
        }
      } else if (!s && mine[0].op === "update") {
        mine[0].op = "create"; // nothing to give back: the write itself makes the row
      }
    }
    for (const e of mine) {
      if (e.op === "create") next = 0;
      e.base_version = next++;
    }
    rebased++;
  }
  const back = [...giveBacks, ...deletes.reverse()];
  return { queue: [...back, ...queue], reuploaded, rebased, giveBackKeys: back.map((e) => e.idempotency_key) };
}
