// backoff.ts — exponential backoff with full jitter (a uniform wait between
// 0 and min(cap, base·2^attempt)), never shorter than the server's Retry-After.

export interface BackoffOptions {
  /** First ceiling, ms (default 500). */
  baseMs?: number;
  /** Largest ceiling, ms (default 60 000). */
  capMs?: number;
  /** For tests: a source of [0, 1). */
  random?: () => number;
}

/** The wait before retry number `attempt` (0-based), in ms. */
export function backoffDelay(attempt: number, retryAfterSeconds: number | null, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 60_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  const floor = retryAfterSeconds != null ? retryAfterSeconds * 1000 : 0;
  return Math.max(jittered, floor);
}

/** Resolves after ms, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
