// writes.ts — the write path: queued events with their idempotency keys,
// kept in the caller's storage before anything is sent, so a reload or a lost
// answer resends the same keys and the server applies each write once.
import { backoffDelay, sleep, type BackoffOptions } from "./backoff.js";
import { ShopSyncError } from "./errors.js";
import type { Api } from "./api.js";
import type { Conflict, Op, PushEnvelope, PushEvent, PushResult, Rejected, Uuid } from "./protocol.js";
import { EpochState } from "./restore.js";

/** Where keys and queued events live (localStorage, AsyncStorage, a file…). */
export interface KeyStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Storage in memory: for tests and pages that need nothing to survive a reload. */
export function memoryStorage(): KeyStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

export interface Write {
  entity: string;
  op: Op;
  /** The row's id; a create without one gets a new uuid. */
  id?: Uuid;
  /** 0 for a create, the row's version for an update or delete. */
  baseVersion: number;
  payload?: Record<string, unknown>;
  override?: boolean;
  groupId?: Uuid;
}

export function newUuid(): Uuid {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface OutboxOptions {
  /** Key prefix in the storage (one per shop and user, say). */
  prefix?: string;
  batchSize?: number;
  backoff?: BackoffOptions;
  /** Attempts for one batch before flush() gives up and throws (default 8). */
  maxAttempts?: number;
}

export interface FlushOutcome {
  accepted: number;
  conflicts: Conflict[];
  rejected: Rejected[];
  /**
   * The server is in another restore epoch than the one these writes were
   * made for (restored since): it applied none of them and they stay queued,
   * same keys, until the device has recovered (ShopSyncClient does).
   */
  restoreEpoch?: string;
}

export class Outbox {
  /** The server's restore epoch this device adopted, kept next to the queue. */
  readonly epochs: EpochState;
  private readonly prefix: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly api: Api,
    private readonly storage: KeyStorage,
    private readonly options: OutboxOptions = {},
  ) {
    this.prefix = options.prefix ?? "shopsync";
    this.epochs = new EpochState(storage, this.prefix);
  }

  /** This installation's device id, made once and kept in the storage. */
  async deviceId(): Promise<string> {
    const key = `${this.prefix}.device_id`;
    let id = await this.storage.getItem(key);
    if (!id) {
      id = `web-${newUuid()}`;
      await this.storage.setItem(key, id);
    }
    return id;
  }

  async pending(): Promise<PushEvent[]> {
    const text = await this.storage.getItem(`${this.prefix}.outbox`);
    return text ? (JSON.parse(text) as PushEvent[]) : [];
  }

  /** Queues a write (its key made and stored now); returns the event. */
  enqueue(write: Write): Promise<PushEvent> {
    return this.serial(async () => {
      const event: PushEvent = {
        idempotency_key: newUuid(),
        entity: write.entity,
        entity_id: write.id ?? newUuid(),
        op: write.op,
        base_version: write.baseVersion,
        ...(write.payload ? { payload: write.payload } : {}),
        ...(write.override ? { override: true } : {}),
        ...(write.groupId ? { group_id: write.groupId } : {}),
      };
      const queue = await this.pending();
      queue.push(event);
      await this.storage.setItem(`${this.prefix}.outbox`, JSON.stringify(queue));
      return event;
    });
  }

  /**
   * Pushes the queue oldest first, in batches (a group never split), retrying
   * network errors, 5xx, 429 and PT409 with full-jitter backoff under the same
   * keys (never sooner than Retry-After). A batch leaves the queue only once
   * the server answered it. Every push names the adopted restore epoch; an
   * answer of another epoch (nothing applied) stops the flush with the batch
   * still queued, as does a recovery not yet made.
   */
  flush(signal?: AbortSignal): Promise<FlushOutcome> {
    return this.serial(async () => {
      const outcome: FlushOutcome = { accepted: 0, conflicts: [], rejected: [] };
      const deviceId = await this.deviceId();
      for (;;) {
        const queue = await this.pending();
        if (queue.length === 0) return outcome;
        const target = await this.epochs.target();
        if (target) return { ...outcome, restoreEpoch: target };
        const batch = takeBatch(queue, this.options.batchSize ?? 100);
        const epoch = await this.epochs.adopted();
        const result = await this.pushWithRetry({ device_id: deviceId, ...(epoch ? { restore_epoch: epoch } : {}), events: batch }, signal);
        if (await this.epochs.note(result.restore_epoch)) return { ...outcome, restoreEpoch: result.restore_epoch };
        outcome.accepted += result.accepted.length;
        outcome.conflicts.push(...result.conflicts);
        outcome.rejected.push(...result.rejected);
        const sent = new Set(batch.map((e) => e.idempotency_key));
        const rest = (await this.pending()).filter((e) => !sent.has(e.idempotency_key));
        await this.storage.setItem(`${this.prefix}.outbox`, JSON.stringify(rest));
      }
    });
  }

  /** Rewrites the queue (a restore's recovery), between enqueues and flushes. */
  replaceQueue(make: (queue: PushEvent[]) => Promise<PushEvent[]>): Promise<void> {
    return this.serial(async () => {
      await this.storage.setItem(`${this.prefix}.outbox`, JSON.stringify(await make(await this.pending())));
    });
  }

  private async pushWithRetry(envelope: PushEnvelope, signal?: AbortSignal): Promise<PushResult> {
    const max = this.options.maxAttempts ?? 8;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.api.push(envelope, signal);
      } catch (e) {
        if (!(e instanceof ShopSyncError) || !e.retryable || attempt + 1 >= max) throw e;
        await sleep(backoffDelay(attempt, e.retryAfter, this.options.backoff), signal);
      }
    }
  }

  // One enqueue or flush at a time: the stored queue is read-modify-written.
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.chain.then(job, job);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

// The oldest events up to size, extended so a write group is never split.
function takeBatch(queue: PushEvent[], size: number): PushEvent[] {
  let end = Math.min(size, queue.length);
  const group = queue[end - 1]?.group_id;
  if (group) while (end < queue.length && queue[end].group_id === group) end++;
  return queue.slice(0, end);
}
