// errors.ts — one error type for every failed call, with what a caller
// needs to decide: retry (and when), rebuild, sign in again, or show it.
import { CURSOR_EXPIRED, type ErrorBody } from "./protocol.js";

export class ShopSyncError extends Error {
  /** HTTP status; 0 when the request never got an answer (network). */
  readonly status: number;
  /** SQLSTATE or PostgREST code from the body (e.g. "PT410", "42501"), or "network". */
  readonly code: string;
  readonly hint: string | null;
  /** Seconds from Retry-After, when the server sent it. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, hint: string | null = null, retryAfter: number | null = null) {
    super(message);
    this.name = "ShopSyncError";
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.retryAfter = retryAfter;
  }

  /** Worth retrying later under the same idempotency keys: network, 5xx, 429, 409 PT409. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || this.code === "PT409";
  }

  get cursorExpired(): boolean {
    return this.status === CURSOR_EXPIRED.status || this.code === CURSOR_EXPIRED.code;
  }

  /** The app is too old for this server (0A000): show the hint, stop syncing. */
  get updateRequired(): boolean {
    return this.code === "0A000";
  }
}

/** Reads an error answer: PostgREST's {code, message, hint} or plain text. */
export async function errorFromResponse(res: Response): Promise<ShopSyncError> {
  const text = await res.text().catch(() => "");
  let body: Partial<ErrorBody> = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return new ShopSyncError(
    res.status,
    String(body.code ?? res.status),
    String(body.message ?? res.statusText ?? "request failed"),
    body.hint ?? null,
    parseRetryAfter(res.headers.get("retry-after")),
  );
}

/** Retry-After as seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value == null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
