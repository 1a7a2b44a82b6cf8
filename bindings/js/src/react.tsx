// react.tsx — `@shopsync/client/react`: a provider and three hooks over any
// SyncSource (the HTTP client, or the Tauri adapter). Built on
// useSyncExternalStore: a component re-renders only when what it reads changed.
import { createContext, useCallback, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";
import type { ConflictsView, SyncSource, SyncStatus } from "./client.js";
import type { Row } from "./protocol.js";

const SourceContext = createContext<SyncSource | null>(null);

export function ShopSyncProvider({ source, children }: { source: SyncSource; children?: ReactNode }) {
  return <SourceContext.Provider value={source}>{children}</SourceContext.Provider>;
}

export function useShopSync(): SyncSource {
  const source = useContext(SourceContext);
  if (!source) throw new Error("useShopSync: wrap the app in <ShopSyncProvider source={…}>");
  return source;
}

/** Equality on columns ({status: "pending"}), or a predicate (keep it stable with useCallback). */
export type RowFilter = Partial<Record<string, unknown>> | ((row: Row) => boolean);

export interface RowsOptions {
  /** Sort by a column (prefix "-" for descending). */
  orderBy?: string;
  limit?: number;
}

/** The entity's live rows that pass the filter; re-renders when the entity changes. */
export function useRows<T extends Row = Row>(entity: string, filter?: RowFilter, options: RowsOptions = {}): readonly T[] {
  const source = useShopSync();
  const subscribe = useCallback(
    (notify: () => void) => source.subscribe((entities) => (entities.length === 0 || entities.includes(entity)) && notify()),
    [source, entity],
  );
  const all = useSyncExternalStore(subscribe, () => source.rows(entity), () => source.rows(entity));
  const filterKey = typeof filter === "function" ? filter : JSON.stringify(filter ?? null);
  return useMemo(
    () => selectRows(all, filter, options) as unknown as readonly T[],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [all, filterKey, options.orderBy, options.limit],
  );
}

/** Filter, sort and cut, as useRows does (exported for non-React callers). */
export function selectRows(rows: readonly Row[], filter?: RowFilter, options: RowsOptions = {}): Row[] {
  let out = filter == null ? [...rows]
    : typeof filter === "function" ? rows.filter(filter)
    : rows.filter((r) => Object.entries(filter).every(([k, v]) => r[k] === v));
  if (options.orderBy) {
    const desc = options.orderBy.startsWith("-");
    const col = desc ? options.orderBy.slice(1) : options.orderBy;
    out.sort((a, b) => compare(a[col], b[col]) * (desc ? -1 : 1));
  }
  if (options.limit != null) out = out.slice(0, options.limit);
  return out;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

// Any change may move the status or the conflicts; their getters return the
// same object when nothing did, so React skips the render.
function useAnyChange(source: SyncSource) {
  return useCallback((notify: () => void) => source.subscribe(() => notify()), [source]);
}

export function useSyncStatus(): SyncStatus {
  const source = useShopSync();
  return useSyncExternalStore(useAnyChange(source), () => source.status(), () => source.status());
}

export function useConflicts(): ConflictsView & { dismiss(idempotencyKey: string): void } {
  const source = useShopSync();
  const view = useSyncExternalStore(useAnyChange(source), () => source.conflicts(), () => source.conflicts());
  return useMemo(() => ({ ...view, dismiss: (key: string) => source.dismissConflict(key) }), [view, source]);
}
