// dashboard/src/auth.ts — the page's session: the gateway that served it
// (same origin), the refresh token kept for this tab (sessionStorage) so a
// reload stays signed in, and nothing kept after sign-out.
import { Session } from "@shopsync/client";

const KEY = "shopsync.dashboard.refresh";

export function makeSession(): Session {
  return new Session({
    url: "",
    onTokens: (tokens) => {
      if (tokens) sessionStorage.setItem(KEY, tokens.refresh_token);
      else sessionStorage.removeItem(KEY);
    },
  });
}

/** Signs in again from the kept refresh token; false when there is none or it was refused. */
export async function resume(session: Session): Promise<boolean> {
  const token = sessionStorage.getItem(KEY);
  if (!token) return false;
  try {
    await session.resume(token);
    return true;
  } catch {
    sessionStorage.removeItem(KEY);
    return false;
  }
}
