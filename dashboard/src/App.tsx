// dashboard/src/App.tsx — sign-in, then the shop: orders, customers and (for
// owners) the shop's devices, read live through @shopsync/client.
import { useEffect, useMemo, useState } from "react";
import { ShopSyncClient, type Session, type ShopSyncError } from "@shopsync/client";
import { ShopSyncProvider, useRows, useSyncStatus } from "@shopsync/client/react";
import { forget, makeSession, resume } from "./auth";
import { SignIn } from "./SignIn";
import { Orders } from "./Orders";
import { Customers } from "./Customers";
import { OwnerPanel } from "./OwnerPanel";
import { ago } from "./format";

type Tab = "orders" | "customers" | "shop";

export function App() {
  const session = useMemo(makeSession, []);
  const [state, setState] = useState<"out" | "in">(() => (resume(session) ? "in" : "out"));
  if (state === "out") return <SignIn session={session} onSignedIn={() => setState("in")} />;
  return (
    <Shop session={session} onSignOut={() => session.logout().then(() => setState("out"))}
      onRefused={() => (forget(), setState("out"))} />
  );
}

function Shop({ session, onSignOut, onRefused }: { session: Session; onSignOut: () => void; onRefused: () => void }) {
  const client = useMemo(() => new ShopSyncClient({ session, first: ["orders", "customers"] }), [session]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // A kept session the server no longer takes (revoked, expired): sign in again.
    client.start().catch((e: ShopSyncError) => (e.status === 401 ? onRefused() : setError(e.message)));
    return () => void client.stop();
  }, [client]);
  return (
    <ShopSyncProvider source={client}>
      {error ? <div className="banner error">{error}</div> : <Layout client={client} onSignOut={onSignOut} />}
    </ShopSyncProvider>
  );
}

function Layout({ client, onSignOut }: { client: ShopSyncClient; onSignOut: () => void }) {
  const status = useSyncStatus();
  const [tab, setTab] = useState<Tab>("orders");
  // On the first load the orders may be in before the rest: show them then.
  const anyOrders = useRows("orders").length > 0;
  const owner = status.role === "owner";
  const tabs: [Tab, string][] = [["orders", "Orders"], ["customers", "Customers"], ...(owner ? [["shop", "Shop"] as [Tab, string]] : [])];
  return (
    <div className="app">
      <header className="top">
        <div className="brand">ShopSync</div>
        <SyncBadge />
        <div className="who">
          <span className={`role role-${status.role ?? "none"}`} data-testid="role">{status.role ?? "…"}</span>
          <button className="link" onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      <nav className="tabs" aria-label="Sections">
        {tabs.map(([id, label]) => (
          <button key={id} className={tab === id ? "tab active" : "tab"} onClick={() => setTab(id)} data-testid={`tab-${id}`}>
            {label}
          </button>
        ))}
      </nav>
      <main className="content">
        {!status.ready && !anyOrders ? <div className="splash">Syncing the shop…</div>
          : tab === "orders" ? <Orders />
          : tab === "customers" ? <Customers />
          : owner ? <OwnerPanel client={client} /> : null}
      </main>
    </div>
  );
}

function SyncBadge() {
  const s = useSyncStatus();
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  const label = s.phase === "live" ? "live" : s.phase === "polling" ? "polling" : s.phase === "offline" ? "offline" : s.phase.replace("_", " ");
  return (
    <div className={`sync sync-${s.phase}`} data-testid="sync-status" title={s.error?.message ?? `synced ${ago(s.lastSyncedAt)}`}>
      <span className="dot" /> {label}
    </div>
  );
}
