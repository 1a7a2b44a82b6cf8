// pokes.ts — GET /sync/events: `event: poke` when the shop changed. A
// browser's EventSource (token in ?access_token=, since it cannot send
// headers), or, where there is none (Node, React Native), fetch reading the
// stream with the token in a header. Reconnecting is the caller's: each
// attempt needs a fresh token, which EventSource's own retry would not take.
import { parseRetryAfter } from "./errors.js";
import type { Session } from "./session.js";

export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data?: string }) => void): void;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

export interface PokeHandlers {
  onOpen(): void;
  onPoke(): void;
  /** The stream ended: `closed` reason from the server, an HTTP status, or "error". */
  onEnd(reason: string, retryAfterSeconds: number | null): void;
}

export interface PokeStream {
  close(): void;
}

/** Which transport: an EventSource factory, "fetch", or null (none: poll). */
export type PokeTransport = EventSourceFactory | "fetch" | null;

export function defaultPokeTransport(): PokeTransport {
  const ES = (globalThis as { EventSource?: new (url: string) => EventSourceLike }).EventSource;
  if (ES) return (url) => new ES(url);
  if (typeof ReadableStream !== "undefined" && typeof fetch !== "undefined") return "fetch";
  return null;
}

export async function openPokes(session: Session, transport: Exclude<PokeTransport, null>, handlers: PokeHandlers): Promise<PokeStream> {
  if (transport === "fetch") return openWithFetch(session, handlers);
  const token = await session.token();
  const source = transport(`${session.url}/sync/events?access_token=${encodeURIComponent(token)}`);
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    source.close();
    handlers.onEnd(reason, null);
  };
  source.onopen = () => handlers.onOpen();
  source.addEventListener("poke", () => handlers.onPoke());
  source.addEventListener("closed", (e) => end(e.data ?? "closed"));
  source.onerror = () => end("error");
  return { close: () => { ended = true; source.close(); } };
}

async function openWithFetch(session: Session, handlers: PokeHandlers): Promise<PokeStream> {
  const abort = new AbortController();
  let ended = false;
  const end = (reason: string, retryAfter: number | null = null) => {
    if (ended) return;
    ended = true;
    abort.abort();
    handlers.onEnd(reason, retryAfter);
  };
  const run = async () => {
    const res = await session.authorizedFetch("/sync/events", { headers: { Accept: "text/event-stream" }, signal: abort.signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      end(`http ${res.status}`, parseRetryAfter(res.headers.get("retry-after")));
      return;
    }
    handlers.onOpen();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let blank: number;
      while ((blank = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, blank);
        buffer = buffer.slice(buffer.slice(blank).match(/^\r?\n\r?\n/)![0].length + blank);
        const event = parseEvent(block);
        if (event.type === "poke") handlers.onPoke();
        else if (event.type === "closed") {
          end(event.data || "closed");
          return;
        }
      }
    }
    end("ended");
  };
  run().catch((e: Error) => end(abort.signal.aborted ? "closed by client" : `error: ${e.message}`));
  return { close: () => { ended = true; abort.abort(); } };
}

/** One SSE block: its event type ("message" by default) and data lines joined. */
export function parseEvent(block: string): { type: string; data: string } {
  let type = "message";
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  return { type, data: data.join("\n") };
}
