// session.ts — who is calling: the gateway's own sign-in (/auth/login,
// /auth/refresh) or a token source (Supabase, any identity service). Every
// authorized call gets a token that is not about to expire; a 401 refreshes
// once and repeats the call once.
import { errorFromResponse, ShopSyncError } from "./errors.js";
import type { AuthTokens, Role, Uuid } from "./protocol.js";

/** A token from elsewhere, e.g. `async () => (await supabase.auth.getSession()).data.session!.access_token`. */
export type TokenSource = (reason: "initial" | "expiring" | "unauthorized") => Promise<string>;

export interface SessionOptions {
  /** The gateway's base URL, e.g. "https://sync.example.com" ("" = same origin). */
  url: string;
  fetch?: typeof fetch;
  /** Use tokens from this hook instead of the gateway's /auth routes. */
  tokenSource?: TokenSource;
  /** Refresh this many seconds before the token expires (default 60, at most half its lifetime). */
  refreshSkewSeconds?: number;
  /** Called with the new pair after every sign-in and rotation, so the app can keep the refresh token. */
  onTokens?: (tokens: AuthTokens | null) => void;
  /** For tests: the clock, ms. */
  now?: () => number;
}

export interface Claims {
  sub?: Uuid;
  shop_id?: Uuid;
  shop_role?: Role;
  app_metadata?: { shop_id?: Uuid };
  exp?: number;
  iat?: number;
  [name: string]: unknown;
}

/** The payload of a JWT, unverified (the server verifies it); {} when unreadable. */
export function decodeClaims(token: string): Claims {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Claims;
  } catch {
    return {};
  }
}

export class Session {
  readonly url: string;
  private readonly fetchFn: typeof fetch;
  private readonly options: SessionOptions;
  private access: string | null = null;
  private refreshToken: string | null = null;
  private shop: Uuid | null = null;
  private inflight: Promise<string> | null = null;
  private listeners = new Set<() => void>();
  /** Refreshes made (for status and tests). */
  refreshes = 0;

  constructor(options: SessionOptions) {
    this.options = options;
    this.url = options.url.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get claims(): Claims {
    return this.access ? decodeClaims(this.access) : {};
  }
  get shopId(): Uuid | null {
    const c = this.claims;
    return c.shop_id ?? c.app_metadata?.shop_id ?? this.shop;
  }
  get userId(): Uuid | null {
    return this.claims.sub ?? null;
  }
  get signedIn(): boolean {
    return this.access != null || this.options.tokenSource != null;
  }

  /** Called when the tokens change (sign-in, refresh, sign-out). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Signs in with the gateway; `shopId` picks one of the user's shops (default: the first). */
  async login(email: string, password: string, shopId?: Uuid): Promise<AuthTokens> {
    const tokens = await this.post("/auth/login", { email, password, ...(shopId ? { shop_id: shopId } : {}) });
    this.take(tokens);
    return tokens;
  }

  /**
   * Takes kept tokens without a call (a reload of a signed-in page): the
   * access token is used while it is good, then refreshed as usual.
   */
  restore(tokens: { access_token?: string | null; refresh_token: string; shop_id?: Uuid | null }): void {
    this.access = tokens.access_token ?? null;
    this.refreshToken = tokens.refresh_token;
    this.shop = tokens.shop_id ?? this.shop;
    this.emit();
  }

  /** Resumes a session from a kept refresh token (e.g. after a reload). */
  async resume(refreshToken: string, shopId?: Uuid): Promise<void> {
    this.refreshToken = refreshToken;
    this.shop = shopId ?? null;
    await this.refresh();
  }

  async logout(): Promise<void> {
    const token = this.refreshToken;
    this.access = this.refreshToken = null;
    this.options.onTokens?.(null);
    this.emit();
    if (token) await this.fetchFn(this.url + "/auth/logout", jsonInit({ refresh_token: token })).catch(() => undefined);
  }

  /** A token good for at least the skew: refreshed first when it is not. */
  async token(): Promise<string> {
    if (this.access && !this.expiring()) return this.access;
    if (this.options.tokenSource == null && this.refreshToken == null) {
      if (this.access) return this.access; // nothing to refresh with; let the server judge
      throw new ShopSyncError(401, "PGRST301", "not signed in");
    }
    return this.refresh(this.access ? "expiring" : "initial");
  }

  /** A new access token now (one refresh at a time; callers share it). */
  refresh(reason: "initial" | "expiring" | "unauthorized" = "expiring"): Promise<string> {
    if (!this.inflight) {
      this.inflight = this.doRefresh(reason).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  /** fetch with the bearer token; after a 401 it refreshes once and sends once more. */
  async authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const send = async (token: string) => {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${token}`);
      return this.fetchFn(this.url + path, { ...init, headers });
    };
    const first = await send(await this.token());
    if (first.status !== 401 || (this.refreshToken == null && this.options.tokenSource == null)) return first;
    await first.body?.cancel().catch(() => undefined);
    return send(await this.refresh("unauthorized"));
  }

  private expiring(): boolean {
    const c = this.claims;
    if (c.exp == null) return false;
    const now = (this.options.now ?? Date.now)() / 1000;
    const life = c.iat != null ? c.exp - c.iat : 900;
    const skew = Math.min(this.options.refreshSkewSeconds ?? 60, life / 2);
    return now >= c.exp - skew;
  }

  private async doRefresh(reason: "initial" | "expiring" | "unauthorized"): Promise<string> {
    if (this.options.tokenSource) {
      this.access = await this.options.tokenSource(reason);
      this.refreshes++;
      this.emit();
      return this.access;
    }
    if (this.refreshToken == null) throw new ShopSyncError(401, "PGRST301", "not signed in");
    const shop = this.shopId;
    const tokens = await this.post("/auth/refresh", { refresh_token: this.refreshToken, ...(shop ? { shop_id: shop } : {}) });
    this.refreshes++;
    this.take(tokens);
    return tokens.access_token;
  }

  private take(tokens: AuthTokens): void {
    this.access = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
    this.shop = tokens.shop_id ?? this.shop;
    this.options.onTokens?.(tokens);
    this.emit();
  }

  private async post(path: string, body: unknown): Promise<AuthTokens> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url + path, jsonInit(body));
    } catch (e) {
      throw new ShopSyncError(0, "network", `cannot reach ${this.url || "the server"}: ${(e as Error).message}`);
    }
    if (!res.ok) {
      const error = await errorFromResponse(res);
      if (path === "/auth/refresh" && res.status === 401) {
        this.access = this.refreshToken = null; // spent or revoked: sign in again
        this.options.onTokens?.(null);
        this.emit();
      }
      throw error;
    }
    return (await res.json()) as AuthTokens;
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export function jsonInit(body: unknown, method = "POST"): RequestInit {
  return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}
