// client.ts — the online read model: the shop's rows in memory, built from
// snapshots, kept current by pull pages, pulled again on every poke from the
// event stream (or on a timer where there is none). A cursor_expired answer
// rebuilds from snapshots. Observable: subscribe() hears which entities
// changed; status() and conflicts() return immutable values.
import { Api, type ApiOptions } from "./api.js";
import { backoffDelay, sleep, type BackoffOptions } from "./backoff.js";
import { ShopSyncError } from "./errors.js";
import { defaultPokeTransport, openPokes, type PokeStream, type PokeTransport } from "./pokes.js";
import type { Change, Conflict, Health, Rejected, Role, Row, Uuid } from "./protocol.js";
import { Session } from "./session.js";
import { memoryStorage, Outbox, type FlushOutcome, type KeyStorage, type Write } from "./writes.js";

export type Phase = "idle" | "snapshot" | "pulling" | "live" | "polling" | "offline" | "signed_out" | "update_required";

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
}

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
  lastSyncedAt: null, rebuilds: 0, pending: 0, error: null,
};

export class ShopSyncClient implements SyncSource {
  readonly session: Session;
  readonly api: Api;
  readonly outbox: Outbox;
  private readonly options: ClientOptions;
  private tables = new Map<string, Map<Uuid, Row>>();
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
    this.setStatus({ role: this.health.role, shopId: this.health.shop_id }); // known before the rows are
    const entities = this.options.entities ?? this.health.entities;
    const tables = new Map<string, Map<Uuid, Row>>(entities.map((e) => [e, new Map()]));
    const firstLoad = this.current.rebuilds === 0 && this.tables.size === 0;
    const snapshot = async (entity: string): Promise<number> => {
      const table = tables.get(entity)!;
      let after: Uuid | null = null;
      let first: number | null = null;
      for (;;) {
        const page = await this.api.snapshot(entity, after, this.options.snapshotPageSize ?? 5000, signal);
        first ??= page.cursor;
        for (const row of page.rows) if (row.deleted_at == null) table.set(row.id, row);
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
    await this.pullAll(signal, tables);
    this.tables = tables;
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

  private async pullAll(signal: AbortSignal, into?: Map<string, Map<Uuid, Row>>): Promise<void> {
    if (!into) this.setStatus({ phase: "pulling" });
    for (;;) {
      const page = await this.api.pull(this.cursor, this.options.pullPageSize ?? 1000, signal);
      const changed = new Set<string>();
      for (const change of page.changes) this.apply(change, into ?? this.tables, changed);
      this.cursor = page.cursor;
      if (!into && changed.size) this.emit([...changed]);
      if (!page.has_more) break;
    }
    if (!into) this.setStatus({ cursor: this.cursor });
  }

  private apply(change: Change, tables: Map<string, Map<Uuid, Row>>, changed: Set<string>): void {
    const table = tables.get(change.entity);
    if (!table) return; // an entity we do not keep
    const old = table.get(change.entity_id);
    if (old && old.version > change.version) return;
    if (change.op === "delete" || change.payload?.deleted_at != null) table.delete(change.entity_id);
    else table.set(change.entity_id, change.payload);
    this.views.delete(change.entity);
    changed.add(change.entity);
  }

  private put(entity: string, row: Row, changed: string[]): void {
    const table = this.tables.get(entity);
    if (!table) return;
    const old = table.get(row.id);
    if (old && old.version > row.version) return;
    if (row.deleted_at != null) table.delete(row.id);
    else table.set(row.id, row);
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
