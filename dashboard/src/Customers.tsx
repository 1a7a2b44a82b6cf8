// dashboard/src/Customers.tsx — the customer list with search (name, code,
// phone, email), with each customer's order count.
import { useDeferredValue, useMemo, useState } from "react";
import { useRows } from "@shopsync/client/react";
import { plural } from "./format";

const SHOWN = 100;

export function Customers() {
  const customers = useRows("customers", undefined, { orderBy: "name" });
  const orders = useRows("orders");
  const [query, setQuery] = useState("");
  const q = useDeferredValue(query.trim().toLowerCase());
  const counts = useMemo(() => {
    const m = new Map<unknown, number>();
    for (const o of orders) m.set(o.customer_id, (m.get(o.customer_id) ?? 0) + 1);
    return m;
  }, [orders]);
  const found = useMemo(
    () => (q ? customers.filter((c) => [c.name, c.customer_code, c.phone, c.email].some((v) => typeof v === "string" && v.toLowerCase().includes(q))) : customers),
    [customers, q],
  );
  return (
    <section className="customers">
      <div className="section-head">
        <h2>Customers <span className="muted">({customers.length})</span></h2>
      </div>
      <input className="search" type="search" placeholder="Search name, code, phone, email" value={query}
        onChange={(e) => setQuery(e.target.value)} aria-label="Search customers" data-testid="customer-search" />
      <ul className="list" data-testid="customers-list">
        {found.slice(0, SHOWN).map((c) => (
          <li key={c.id} className="item" data-testid="customer-row">
            <div className="row static">
              <span className="code">{String(c.customer_code ?? "—")}</span>
              <span className="cust">{String(c.name)}</span>
              <span className="muted small">{[c.phone, c.email].filter(Boolean).join(" · ")}</span>
              <span className="amount">{plural(counts.get(c.id) ?? 0, "order")}</span>
            </div>
          </li>
        ))}
      </ul>
      {found.length === 0 && <p className="empty">No customer matches “{query}”.</p>}
      {found.length > SHOWN && <p className="muted">{found.length - SHOWN} more — refine the search.</p>}
    </section>
  );
}
