// dashboard/src/auth.ts — the page's session: the gateway that served it
// (same origin), the tokens kept for this tab (sessionStorage) so a reload
// stays signed in without a round trip, and nothing kept after sign-out.
import { Session, type AuthTokens } from "@shopsync/client";

const KEY = "shopsync.dashboard.tokens";

export function makeSession(): Session {
  return new Session({
    url: "",
    onTokens: (tokens: AuthTokens | null) => {
      if (tokens) sessionStorage.setItem(KEY, JSON.stringify({ access_token: tokens.access_token, refresh_token: tokens.refresh_token }));
      else sessionStorage.removeItem(KEY);
    },
  });
}

/** Takes this tab's kept tokens; false when there are none. A refused token shows later as signed_out. */
export function resume(session: Session): boolean {
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as { access_token?: string; refresh_token?: string } | null;
    if (!kept?.refresh_token) return false;
    session.restore({ access_token: kept.access_token ?? null, refresh_token: kept.refresh_token });
    return true;
  } catch {
    sessionStorage.removeItem(KEY);
    return false;
  }
}

/** Forgets this tab's tokens (a session the server no longer accepts). */
export function forget(): void {
  sessionStorage.removeItem(KEY);
}
