// dashboard/src/SignIn.tsx — email and password against the gateway's /auth/login.
import { useState, type FormEvent } from "react";
import type { Session } from "@shopsync/client";

export function SignIn({ session, onSignedIn }: { session: Session; onSignedIn: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const tokens = await session.login(email, password);
      if (!tokens.shop_id) throw new Error("This account is not a member of any shop yet.");
      onSignedIn();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form onSubmit={submit} className="card" aria-label="Sign in">
        <h1>ShopSync</h1>
        <p className="muted">Sign in to see your shop.</p>
        <label>Email<input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required /></label>
        <label>Password<input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
        {error && <div className="banner error" role="alert">{error}</div>}
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </div>
  );
}
