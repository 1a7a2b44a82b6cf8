// api.ts — the calls, typed. Everything goes through POST /rpc/<function>
// with named arguments, the spelling the gateway and PostgREST share, so one
// client works against either (PostgREST wants `profile: "api"`).
import { errorFromResponse, ShopSyncError } from "./errors.js";
import {
  PROTOCOL_VERSION,
  type Health,
  type PullPage,
  type PushEnvelope,
  type PushResult,
  type SnapshotPage,
  type Uuid,
} from "./protocol.js";
import type { Session } from "./session.js";

export interface ApiOptions {
  /** PostgREST: the schema header (Content-Profile / Accept-Profile), "api". The gateway needs none. */
  profile?: string;
}

export class Api {
  constructor(
    readonly session: Session,
    private readonly options: ApiOptions = {},
  ) {}

  /** api.<name>(args) as the caller; throws ShopSyncError for any non-2xx answer or a network failure. */
  async rpc<T>(name: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.options.profile) {
      headers["Content-Profile"] = this.options.profile;
      headers["Accept-Profile"] = this.options.profile;
    }
    let res: Response;
    try {
      res = await this.session.authorizedFetch(`/rpc/${name}`, { method: "POST", headers, body: JSON.stringify(args), signal });
    } catch (e) {
      if (e instanceof ShopSyncError) throw e;
      if (signal?.aborted) throw e;
      throw new ShopSyncError(0, "network", `cannot reach the server: ${(e as Error).message}`);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as T;
  }

  health(signal?: AbortSignal): Promise<Health> {
    return this.rpc<Health>("sync_health", {}, signal);
  }

  snapshot(entity: string, after: Uuid | null, lim: number, signal?: AbortSignal): Promise<SnapshotPage> {
    return this.rpc<SnapshotPage>("sync_snapshot", { entity, after, lim }, signal);
  }

  pull(cursor: number, lim: number, signal?: AbortSignal): Promise<PullPage> {
    return this.rpc<PullPage>("sync_pull", { cursor, lim, protocol: PROTOCOL_VERSION }, signal);
  }

  push(envelope: PushEnvelope, signal?: AbortSignal): Promise<PushResult> {
    return this.rpc<PushResult>("sync_push", { body: { protocol: PROTOCOL_VERSION, ...envelope } }, signal);
  }
}
