// client.ts — the online read model: the shop's rows in memory, built from
// snapshots, kept current by pull pages, pulled again on every poke from the
// event stream (or on a timer where there is none). A cursor_expired answer
// rebuilds from snapshots. A new server restore epoch makes the device give
// back what the restored server lost before it rebuilds (restore.ts). Observable: subscribe() hears which entities
// changed; status() and conflicts() return immutable values.
import { Api, type ApiOptions } from "./api.js";
import { backoffDelay, sleep, type BackoffOptions } from "./backoff.js";
import { ShopSyncError } from "./errors.js";
import { defaultPokeTransport, openPokes, type PokeStream, type PokeTransport } from "./pokes.js";
import type { Change, Conflict, Health, Rejected, Role, Row, Uuid } from "./protocol.js";
import { planRecovery } from "./restore.js";
import { Session } from "./session.js";
import { memoryStorage, Outbox, type FlushOutcome, type KeyStorage, type Write } from "./writes.js";

export type Phase = "idle" | "restoring" | "snapshot" | "pulling" | "live" | "polling" | "offline" | "signed_out" | "update_required";

export interface SyncStatus {
  phase: Phase;
  /** The event stream is open (pokes arrive). */
  connected: boolean;
  /** The first complete sync is done: rows are the shop's. */
  ready: boolean;
  cursor: number;
  role: Role | null;
  shopId: Uuid | null;
  lastSyncedAt: number | null;
  /** Rebuilds from snapshots (start and every cursor_expired). */
  rebuilds: number;
  pending: number;
  error: { status: number; code: string; message: string } | null;
  /** The server's restore epoch this device adopted (null before the first answer, or an older server). */
  restoreEpoch: string | null;
  /** Recoveries from a server restore made by this client. */
  restores: number;
  /** The last recovery: the epoch adopted, rows given back, rows whose queued writes were rebased. */
  lastRestore: RestoreReport | null;
}

export interface RestoreReport {
  epoch: string;
  reuploaded: number;
  rebased: number;
  at: number;
}

// An answer of another restore epoch: nothing of it may be applied before
// the device has recovered (the epoch is noted as the recovery's target).
class RestoreNeeded extends Error {}

export interface ConflictsView {
  /** Our writes the server answered with its own newer row (server wins). */
  conflicts: readonly Conflict[];
  /** Our writes the server refused, with reasons. */
  refusals: readonly Rejected[];
}

/** What the React hooks read: the HTTP client here, the Tauri adapter there. */
export interface SyncSource {
  rows(entity: string): readonly Row[];
  status(): SyncStatus;
  conflicts(): ConflictsView;
  dismissConflict(idempotencyKey: string): void;
  /** Calls back after any change (rows, status, conflicts); returns the unsubscribe. */
  subscribe(listener: (entities: readonly string[]) => void): () => void;
}

export interface ClientOptions {
  /** A session, or the options to make one. */
  session: Session | { url: string; fetch?: typeof fetch };
  api?: ApiOptions;
  /** Entities to keep (default: every entity sync_health lists). */
  entities?: string[];
  pullPageSize?: number;
  /** Entities to snapshot before the others (what the first screen shows); the rest follow in parallel. */
  first?: string[];
  /** Rows per snapshot page (default 5000, the server's default cap). */
  snapshotPageSize?: number;
  /** How often to pull when there is no event stream (default 10 s). */
  pollIntervalMs?: number;
  /** Pokes: an EventSource factory, "fetch", or null to poll only (default: EventSource, else fetch). */
  pokes?: PokeTransport;
  backoff?: BackoffOptions;
  /** Keeps the write queue's events and keys (default: memory). */
  storage?: KeyStorage;
}

const initialStatus: SyncStatus = {
  phase: "idle", connected: false, ready: false, cursor: 0, role: null, shopId: null,
  lastSyncedAt: null, rebuilds: 0, pending: 0, error: null, restoreEpoch: null, restores: 0, lastRestore: null,
};

export class ShopSyncClient implements SyncSource {
  readonly session: Session;
  readonly api: Api;
  readonly outbox: Outbox;
  private readonly options: ClientOptions;
  private tables = new Map<string, Map<Uuid, Row>>();
  private tombs = new Map<string, Map<Uuid, Row>>(); // synced tombstones: a restore may need their deletes back
  private early = new Map<string, Map<Uuid, Row>>(); // first load: entities shown before the rest are in
  private views = new Map<string, readonly Row[]>();
  private listeners = new Set<(entities: readonly string[]) => void>();
  private current: SyncStatus = initialStatus;
  private conflictView: ConflictsView = { conflicts: [], refusals: [] };
  private health: Health | null = null;
  private cursor = 0;
  private abort: AbortController | null = null;
  private wanted = false;
  private wake: (() => void) | null = null;
  private stream: PokeStream | null = null;
  private loop: Promise<void> | null = null;
  private giveBacks = new Set<string>(); // keys of the last recovery's give-backs
  private firstSync: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;

  constructor(options: ClientOptions) {
    this.options = options;
    this.session = options.session instanceof Session ? options.session : new Session(options.session);
    this.api = new Api(this.session, options.api);
    this.outbox = new Outbox(this.api, options.storage ?? memoryStorage(), { backoff: options.backoff });
  }

  // ---- reading -------------------------------------------------------------

  /** The entity's live rows (tombstones left out); the same array until the entity changes. */
  rows(entity: string): readonly Row[] {
    let view = this.views.get(entity);
    if (!view) {
      view = Object.freeze([...((this.tables.get(entity) ?? this.early.get(entity))?.values() ?? [])]);
      this.views.set(entity, view);
    }
    return view;
  }

  row(entity: string, id: Uuid): Row | undefined {
    return this.tables.get(entity)?.get(id);
  }

  status(): SyncStatus {
    return this.current;
  }

  conflicts(): ConflictsView {
    return this.conflictView;
  }

  dismissConflict(idempotencyKey: string): void {
    const keep = <T extends { idempotency_key: string }>(list: readonly T[]) => list.filter((c) => c.idempotency_key !== idempotencyKey);
    this.conflictView = { conflicts: keep(this.conflictView.conflicts), refusals: keep(this.conflictView.refusals) };
    this.emit([]);
  }

  subscribe(listener: (entities: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- running ---------------------------------------------------------------

  /** Starts syncing; resolves when the first complete sync is in memory (rejects if it cannot be made). */
  start(): Promise<void> {
    if (!this.loop) {
      this.abort = new AbortController();
      let resolve!: () => void, reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined);
      this.firstSync = { promise, resolve, reject };
      this.wanted = true;
      this.loop = this.run(this.abort.signal);
    }
    return this.firstSync!.promise;
  }

  /** Stops the loop and the event stream; rows stay readable. */
  async stop(): Promise<void> {
    this.abort?.abort(new Error("stopped"));
    this.stream?.close();
    this.stream = null;
    this.wake?.();
    await this.loop?.catch(() => undefined);
    this.loop = null;
    this.setStatus({ connected: false, phase: this.current.phase === "update_required" ? "update_required" : "idle" });
  }

  /** Pull now (e.g. after the app comes back to the foreground). */
  syncNow(): void {
    this.wanted = true;
    this.wake?.();
  }

  /** Queues a write and pushes it; conflicts and refusals land in conflicts(). */
  async write(write: Write): Promise<FlushOutcome> {
    await this.outbox.enqueue(write);
    this.setStatus({ pending: (await this.outbox.pending()).length });
    return this.flush();
  }

  /** Pushes what is queued, then pulls. */
  async flush(): Promise<FlushOutcome> {
    const outcome = await this.outbox.flush(this.abort?.signal);
    if (outcome.restoreEpoch) this.wake?.(); // the loop recovers, then sends them again
    // Another device gave the same acknowledged row back first (its columns
    // spelled otherwise): the server holds it, nothing of ours is lost.
    outcome.rejected = outcome.rejected.filter((r) => !(r.reason === "idempotency_key_reused" && this.giveBacks.has(r.idempotency_key)));
    for (const c of outcome.conflicts) this.put(c.entity, c.server_record, []); // server wins
    if (outcome.conflicts.length || outcome.rejected.length) {
      this.conflictView = {
        conflicts: [...this.conflictView.conflicts, ...outcome.conflicts],
        refusals: [...this.conflictView.refusals, ...outcome.rejected],
      };
    }
    this.setStatus({ pending: (await this.outbox.pending()).length });
    this.syncNow();
    return outcome;
  }

  // The loop: rebuild when there is no cursor (or it expired), pull while
  // asked, sleep until a poke, a timer or syncNow. Failures back off.
  private async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    let needRebuild = true;
    while (!signal.aborted) {
      try {
        const target = await this.outbox.epochs.target();
        if (target) {
          await this.recover(target, signal);
          needRebuild = true;
        }
        if (needRebuild) {
          await this.rebuild(signal);
          needRebuild = false;
          this.firstSync?.resolve();
          this.ensureStream(signal);
        }
        while (this.wanted && !signal.aborted) {
          this.wanted = false;
          await this.pullAll(signal);
        }
        attempt = 0;
        this.setStatus({ phase: this.current.connected ? "live" : "polling", error: null, lastSyncedAt: Date.now() });
        await this.idle(this.current.connected ? null : this.options.pollIntervalMs ?? 10_000, signal);
        if (!this.current.connected) this.wanted = true;
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof RestoreNeeded) continue; // recover first (top of the loop)
        const error = e instanceof ShopSyncError ? e : new ShopSyncError(0, "network", (e as Error).message);
        if (error.cursorExpired) {
          needRebuild = true; // the log no longer holds our cursor: start over from snapshots
          continue;
        }
        const fatal = error.updateRequired ? "update_required" : error.status === 401 ? "signed_out" : null;
        this.setStatus({ phase: fatal ?? "offline", error: { status: error.status, code: error.code, message: error.message } });
        if (fatal || (!this.current.ready && !error.retryable)) {
          this.firstSync?.reject(error);
          if (fatal) break;
        }
        this.wanted = true;
        await sleep(backoffDelay(attempt++, error.retryAfter, this.options.backoff), signal).catch(() => undefined);
      }
    }
  }

  // Snapshots of every entity (in parallel, each paged in id order) into
  // fresh tables, then a pull from the earliest first page's cursor (a change
  // seen twice is skipped by version); swapped in only when complete, so
  // readers never see half.
  private async rebuild(signal: AbortSignal): Promise<void> {
    this.setStatus({ phase: "snapshot" });
    this.health = await this.api.health(signal);
    await this.checkEpoch(this.health.restore_epoch);
    this.setStatus({ role: this.health.role, shopId: this.health.shop_id }); // known before the rows are
    const entities = this.options.entities ?? this.health.entities;
    const tables = new Map<string, Map<Uuid, Row>>(entities.map((e) => [e, new Map()]));
    const tombs = new Map<string, Map<Uuid, Row>>(entities.map((e) => [e, new Map()]));
    const firstLoad = this.current.rebuilds === 0 && this.tables.size === 0;
    const snapshot = async (entity: string): Promise<number> => {
      const table = tables.get(entity)!;
      let after: Uuid | null = null;
      let first: number | null = null;
      for (;;) {
        const page = await this.api.snapshot(entity, after, this.options.snapshotPageSize ?? 5000, signal);
        await this.checkEpoch(page.restore_epoch);
        first ??= page.cursor;
        for (const row of page.rows) (row.deleted_at == null ? table : tombs.get(entity)!).set(row.id, row);
        if (!page.has_more || page.next_after == null) {
          if (firstLoad) this.showEarly(entity, table);
          return first;
        }
        after = page.next_after;
      }
    };
    // The entities a first screen needs go first (in parallel), the rest after.
    const early = entities.filter((e) => this.options.first?.includes(e));
    const firstCursors = await Promise.all(early.map(snapshot));
    firstCursors.push(...(await Promise.all(entities.filter((e) => !early.includes(e)).map(snapshot))));
    const cursor = firstCursors.length ? Math.min(...firstCursors) : 0;
    this.cursor = cursor;
    await this.pullAll(signal, tables, tombs);
    this.tables = tables;
    this.tombs = tombs;
    this.early.clear();
    this.views.clear();
    this.setStatus({
      rebuilds: this.current.rebuilds + 1, ready: true, cursor: this.cursor,
      role: this.health.role, shopId: this.health.shop_id,
    });
    this.emit(entities);
  }

  // The first load only: an entity's snapshot is shown as soon as it is
  // complete (a page can draw its orders before the items are in); status()
  // says ready once every entity is in and pulled up to date. Later rebuilds
  // swap everything at once.
  private showEarly(entity: string, table: Map<Uuid, Row>): void {
    this.early.set(entity, new Map(table));
    this.views.delete(entity);
    this.emit([entity]);
  }

  private async pullAll(signal: AbortSignal, into?: Map<string, Map<Uuid, Row>>, tombs?: Map<string, Map<Uuid, Row>>): Promise<void> {
    if (!into) this.setStatus({ phase: "pulling" });
    for (;;) {
      const page = await this.api.pull(this.cursor, this.options.pullPageSize ?? 1000, signal);
      await this.checkEpoch(page.restore_epoch);
      const changed = new Set<string>();
      for (const change of page.changes) this.apply(change, into ?? this.tables, tombs ?? this.tombs, changed);
      this.cursor = page.cursor;
      if (!into && changed.size) this.emit([...changed]);
      if (!page.has_more) break;
    }
    if (!into) this.setStatus({ cursor: this.cursor });
  }

  // An answer's restore epoch: the first is adopted; another stops everything
  // until the loop has recovered.
  private async checkEpoch(epoch: string | undefined): Promise<void> {
    if (epoch === undefined || epoch === this.current.restoreEpoch) return;
    if (await this.outbox.epochs.note(epoch)) throw new RestoreNeeded(`the server was restored (epoch ${epoch})`);
    this.setStatus({ restoreEpoch: await this.outbox.epochs.adopted() });
  }

  // After a server restore, before anything of it is applied: the restored
  // server's rows (a snapshot) against ours, what it lacks queued in front
  // of our queued writes (theirs rebased, same keys), the epoch adopted, the
  // queue sent. The loop then rebuilds the read model from a fresh snapshot.
  // Rows are given back only for entities this role may write (another
  // device gives back the rest).
  private async recover(target: string, signal: AbortSignal): Promise<void> {
    this.setStatus({ phase: "restoring" });
    const health = await this.api.health(signal);
    await this.checkTarget(target, health.restore_epoch);
    const entities = health.entities.filter((e) => (this.options.entities ?? health.entities).includes(e)); // parent-first
    const server = new Map<string, Map<Uuid, Row>>();
    await Promise.all(entities.map(async (entity) => {
      const rows = new Map<Uuid, Row>();
      for (let after: Uuid | null = null; ; ) {
        const page = await this.api.snapshot(entity, after, this.options.snapshotPageSize ?? 5000, signal);
        await this.checkTarget(target, page.restore_epoch);
        for (const row of page.rows) rows.set(row.id, row);
        if (!page.has_more || page.next_after == null) break;
        after = page.next_after;
      }
      server.set(entity, rows);
    }));
    const writable = (e: string) => health.role != null && (health.rules?.[e]?.write_roles ?? []).includes(health.role);
    const synced = new Map([...this.tables].filter(([e]) => writable(e)).map(([e, rows]) => [e, new Map([...rows, ...(this.tombs.get(e) ?? [])])]));
    const mayDelete = (e: string) => health.role != null && (health.rules?.[e]?.delete_roles ?? []).includes(health.role);
    let plan!: ReturnType<typeof planRecovery>;
    await this.outbox.replaceQueue(async (queue) => {
      plan = planRecovery({ shop: health.shop_id ?? "", entities, synced, server, queue, generated: health.generated_columns, mayDelete });
      return plan.queue;
    });
    await this.outbox.epochs.adopt(target);
    this.giveBacks = new Set(plan.giveBackKeys);
    this.setStatus({
      restoreEpoch: target, restores: this.current.restores + 1,
      lastRestore: { epoch: target, reuploaded: plan.reuploaded, rebased: plan.rebased, at: Date.now() },
    });
    try {
      await this.flush();
    } catch (e) {
      // Queued under the new epoch: the next write or flush sends them.
      const error = e instanceof ShopSyncError ? e : new ShopSyncError(0, "network", (e as Error).message);
      this.setStatus({ error: { status: error.status, code: error.code, message: error.message } });
    }
  }

  // A recovery's answers must come from the epoch it recovers to; a newer
  // one (restored again meanwhile) becomes the target and it starts over.
  private async checkTarget(target: string, epoch: string | undefined): Promise<void> {
    if (epoch !== undefined && epoch !== target && (await this.outbox.epochs.note(epoch)))
      throw new RestoreNeeded(`the server was restored again (epoch ${epoch})`);
  }

  private apply(change: Change, tables: Map<string, Map<Uuid, Row>>, tombs: Map<string, Map<Uuid, Row>>, changed: Set<string>): void {
    const table = tables.get(change.entity);
    if (!table) return; // an entity we do not keep
    const old = table.get(change.entity_id) ?? tombs.get(change.entity)?.get(change.entity_id);
    if (old && old.version > change.version) return;
    if (change.op === "delete" || change.payload?.deleted_at != null) {
      table.delete(change.entity_id);
      if (change.payload) tombs.get(change.entity)?.set(change.entity_id, change.payload);
    } else {
      table.set(change.entity_id, change.payload);
      tombs.get(change.entity)?.delete(change.entity_id);
    }
    this.views.delete(change.entity);
    changed.add(change.entity);
  }

  private put(entity: string, row: Row, changed: string[]): void {
    const table = this.tables.get(entity);
    if (!table) return;
    const old = table.get(row.id) ?? this.tombs.get(entity)?.get(row.id);
    if (old && old.version > row.version) return;
    if (row.deleted_at != null) {
      table.delete(row.id);
      this.tombs.get(entity)?.set(row.id, row);
    } else {
      table.set(row.id, row);
      this.tombs.get(entity)?.delete(row.id);
    }
    this.views.delete(entity);
    changed.push(entity);
    this.emit(changed);
  }

  // The event stream: open after the first sync, reopened with backoff and a
  // fresh token when it ends (polling meanwhile).
  private ensureStream(signal: AbortSignal): void {
    const transport = this.options.pokes === undefined ? defaultPokeTransport() : this.options.pokes;
    if (!transport || this.stream || signal.aborted) return;
    let attempt = 0;
    const open = async () => {
      if (signal.aborted) return;
      try {
        this.stream = await openPokes(this.session, transport, {
          onOpen: () => {
            attempt = 0;
            this.setStatus({ connected: true, phase: "live" });
            this.syncNow(); // changes made while we were not listening
          },
          onPoke: () => this.syncNow(),
          onEnd: (_reason, retryAfter) => {
            this.stream = null;
            this.setStatus({ connected: false });
            this.wake?.(); // poll while the stream is down
            if (!signal.aborted) reopen(retryAfter);
          },
        });
      } catch (e) {
        reopen(e instanceof ShopSyncError ? e.retryAfter : null);
      }
    };
    const reopen = (retryAfter: number | null) => {
      sleep(backoffDelay(attempt++, retryAfter, this.options.backoff), signal).then(open, () => undefined);
    };
    void open();
  }

  private idle(ms: number | null, signal: AbortSignal): Promise<void> {
    if (this.wanted || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = ms != null ? setTimeout(done, ms) : null;
      this.wake = done;
    });
  }

  private setStatus(patch: Partial<SyncStatus>): void {
    const next = { ...this.current, ...patch };
    if (Object.keys(patch).every((k) => (next as never)[k] === (this.current as never)[k])) return;
    this.current = next;
    this.emit([]);
  }

  private emit(entities: readonly string[]): void {
    for (const l of this.listeners) l(entities);
  }
}
