// tauri.ts — `@shopsync/client/tauri`: the same SyncSource (so the same React
// hooks) over a Tauri app whose Rust side runs the device (bindings/rust,
// examples/tauri_commands.rs): rows come from the local SQLite through the
// `list_rows` command, status from `sync_status`, conflicts from
// `list_conflicts` and refusals from `list_failed_writes`; the
// "shopsync://changed" event the forwarder emits triggers a re-read.
// `invoke` and `listen` are passed in (from @tauri-apps/api), so this file
// depends on nothing.
import type { ConflictsView, SyncSource, SyncStatus } from "./client.js";
import type { Conflict, Rejected, RejectionReason, Row } from "./protocol.js";

export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;
export type Listen = (event: string, handler: (event: { payload: unknown }) => void) => Promise<() => void>;

/** The command names registered on the Rust side (tauri_commands.rs). */
export const TAURI_COMMANDS = {
  rows: "list_rows",
  status: "sync_status",
  conflicts: "list_conflicts",
  dismissConflict: "dismiss_conflict",
  failedWrites: "list_failed_writes",
  syncNow: "sync_now",
} as const;
export const TAURI_CHANGE_EVENT = "shopsync://changed";

interface DeviceStatus {
  shop_id: string | null;
  role: SyncStatus["role"];
  signed_in: boolean;
  pending: number;
  cursor: number;
  last_success_at: number | null;
  last_error: string | null;
  worker_running: boolean;
  access_lost: string | null;
}
interface DeviceConflict {
  id: number;
  entity: string;
  entity_id: string;
  server_record: Row;
}
interface DeviceFailure {
  id: number;
  entity: string;
  entity_id: string;
  reason: RejectionReason;
  message: string;
}

const parse = <T>(text: unknown): T => (typeof text === "string" ? (JSON.parse(text) as T) : (text as T));

export class TauriSource implements SyncSource {
  private tables = new Map<string, readonly Row[]>();
  private current: SyncStatus = {
    phase: "idle", connected: false, ready: false, cursor: 0, role: null, shopId: null,
    lastSyncedAt: null, rebuilds: 0, pending: 0, error: null,
    restoreEpoch: null, restores: 0, lastRestore: null, // the native core recovers on its own
  };
  private view: ConflictsView = { conflicts: [], refusals: [] };
  private listeners = new Set<(entities: readonly string[]) => void>();
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly invoke: Invoke,
    private readonly listen: Listen,
    private readonly entities: string[] = ["customers", "orders", "order_items"],
  ) {}

  /** Reads everything once and follows the change events. */
  async start(): Promise<void> {
    this.unlisten = await this.listen(TAURI_CHANGE_EVENT, (event) => {
      const entity = parse<{ entity?: string }>(event.payload)?.entity;
      void this.refresh(entity && this.entities.includes(entity) ? [entity] : this.entities);
    });
    await this.refresh(this.entities);
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = null;
  }

  async refresh(entities: readonly string[]): Promise<void> {
    for (const entity of entities) {
      const rows = parse<Row[]>(await this.invoke<string>(TAURI_COMMANDS.rows, { entity, filter: null }));
      this.tables.set(entity, Object.freeze(rows.filter((r) => r.deleted_at == null)));
    }
    const s = parse<DeviceStatus>(await this.invoke<string>(TAURI_COMMANDS.status));
    this.current = {
      ...this.current,
      phase: s.access_lost ? "signed_out" : s.last_error ? "offline" : s.worker_running ? "live" : "idle",
      connected: s.worker_running && !s.last_error,
      ready: s.signed_in,
      cursor: s.cursor,
      role: s.role,
      shopId: s.shop_id,
      lastSyncedAt: s.last_success_at != null ? s.last_success_at * 1000 : null,
      pending: s.pending,
      error: s.last_error ? { status: 0, code: "device", message: s.last_error } : null,
    };
    const conflicts = parse<DeviceConflict[]>(await this.invoke<string>(TAURI_COMMANDS.conflicts));
    const failures = parse<DeviceFailure[]>(await this.invoke<string>(TAURI_COMMANDS.failedWrites));
    this.view = {
      conflicts: conflicts.map((c): Conflict => ({
        idempotency_key: String(c.id), entity: c.entity, entity_id: c.entity_id,
        server_version: c.server_record?.version ?? 0, server_record: c.server_record, replayed: false,
      })),
      refusals: failures.map((f): Rejected => ({
        idempotency_key: String(f.id), entity: f.entity, entity_id: f.entity_id,
        reason: f.reason, message: f.message, replayed: false,
      })),
    };
    for (const l of this.listeners) l(entities);
  }

  rows(entity: string): readonly Row[] {
    return this.tables.get(entity) ?? [];
  }
  status(): SyncStatus {
    return this.current;
  }
  conflicts(): ConflictsView {
    return this.view;
  }
  dismissConflict(id: string): void {
    void this.invoke(TAURI_COMMANDS.dismissConflict, { conflictId: Number(id) }).then(() => this.refresh([]));
  }
  subscribe(listener: (entities: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
