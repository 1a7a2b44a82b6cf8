// dashboard/src/OwnerPanel.tsx — owners only: the shop's devices (last seen,
// pending and rejected counts) and the latest conflicts and refusals, from
// api.sync_stats(), and the members from api.list_members(); both refuse
// anyone but an owner on the server, this panel only hides them from others.
import { useEffect, useState } from "react";
import { ShopSyncError, type ShopSyncClient } from "@shopsync/client";
import { ago, plural } from "./format";

interface Device {
  device_id: string;
  user_id: string | null;
  last_seen_at: string | null;
  last_push_at: string | null;
  event_count: number;
  pending_count: number | null;
  failed_count: number | null;
  conflict_count: number;
  rejected_count: number;
}
interface Issue {
  at: string;
  device_id: string;
  kind: "conflict" | "rejected";
  entity: string;
  entity_id: string;
  op?: string;
  reason?: string;
}
interface Stats {
  shop: { devices: number; event_count: number; conflict_count: number; rejected_count: number };
  devices: Device[];
  recent: Issue[];
}
interface Member {
  user_id: string;
  email: string;
  role: string;
}

export function OwnerPanel({ client }: { client: ShopSyncClient }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let alive = true;
    const load = async () => {
      timer = null;
      try {
        const s = await client.api.rpc<Stats>("sync_stats");
        if (alive) (setStats(s), setStatsError(null));
      } catch (e) {
        const err = e as ShopSyncError;
        if (alive) setStatsError(err.status === 404 ? "This server has no api.sync_stats() yet: device figures are not available." : err.message);
      }
      client.api.rpc<Member[]>("list_members").then((m) => alive && setMembers(m), () => undefined);
    };
    void load();
    // Figures move when the shop's rows do: reload at most once a second.
    const off = client.subscribe((entities) => {
      if (entities.length && !timer) timer = setTimeout(load, 1000);
    });
    const every = setInterval(load, 30_000);
    return () => {
      alive = false;
      off();
      clearInterval(every);
      if (timer) clearTimeout(timer);
    };
  }, [client]);
  const email = (id: string | null) => members.find((m) => m.user_id === id)?.email ?? (id ? id.slice(0, 8) : "—");

  return (
    <section className="owner" data-testid="owner-panel">
      <div className="section-head"><h2>Devices</h2></div>
      {statsError && <p className="banner warn" data-testid="stats-error">{statsError}</p>}
      {stats && (
        <>
          <div className="summary">
            <div className="stat"><div className="label">devices</div><div className="value">{stats.shop.devices}</div></div>
            <div className="stat"><div className="label">events</div><div className="value">{stats.shop.event_count}</div></div>
            <div className="stat"><div className="label">conflicts</div><div className="value">{stats.shop.conflict_count}</div></div>
            <div className="stat"><div className="label">rejected</div><div className="value">{stats.shop.rejected_count}</div></div>
          </div>
          <ul className="list" data-testid="devices">
            {stats.devices.map((d) => (
              <li key={d.device_id} className="item" data-testid="device-row">
                <div className="row static device">
                  <span className="code">{d.device_id}</span>
                  <span className="cust">{email(d.user_id)}</span>
                  <span className="muted small">seen {ago(d.last_seen_at)}</span>
                  <span className="amount">
                    <span title="writes waiting on the device at its last push">{d.pending_count ?? "–"} pending</span> ·{" "}
                    <span className={d.rejected_count ? "bad" : ""}>{d.rejected_count} rejected</span> ·{" "}
                    <span>{plural(d.conflict_count, "conflict")}</span>
                  </span>
                </div>
              </li>
            ))}
            {stats.devices.length === 0 && <li className="empty">No device has synced yet.</li>}
          </ul>
          <div className="section-head"><h2>Latest conflicts and refusals</h2></div>
          <ul className="list" data-testid="recent-issues">
            {stats.recent.map((i, n) => (
              <li key={n} className="item">
                <div className="row static issue">
                  <span className={`pill ${i.kind === "conflict" ? "status-shipping" : "status-cancelled"}`}>{i.kind}</span>
                  <span className="cust">{i.entity} {i.op ?? ""}{i.reason ? ` — ${i.reason}` : ""}</span>
                  <span className="when">{ago(i.at)}</span>
                  <span className="muted small device-id">{i.device_id}</span>
                </div>
              </li>
            ))}
            {stats.recent.length === 0 && <li className="empty">No conflicts or refusals.</li>}
          </ul>
        </>
      )}
      <div className="section-head"><h2>Members</h2></div>
      <ul className="list" data-testid="members">
        {members.map((m) => (
          <li key={m.user_id} className="item"><div className="row static"><span className="cust">{m.email}</span><span className={`role role-${m.role}`}>{m.role}</span></div></li>
        ))}
      </ul>
    </section>
  );
}
