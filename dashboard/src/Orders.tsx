// dashboard/src/Orders.tsx — today's orders (or all) by status with totals,
// the list, and an order's items.
import { useMemo, useState } from "react";
import { useRows } from "@shopsync/client/react";
import type { Row } from "@shopsync/client";
import { isToday, money, STATUSES, time } from "./format";

const when = (o: Row) => (o.ordered_at as string | null) ?? o.updated_at;
const PAGE = 50;

export function Orders() {
  const orders = useRows("orders");
  const customers = useRows("customers");
  const [scope, setScope] = useState<"today" | "all">("today");
  const [status, setStatus] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [shown, setShown] = useState(PAGE);

  const names = useMemo(() => new Map(customers.map((c) => [c.id, String(c.name)])), [customers]);
  const inScope = useMemo(() => (scope === "today" ? orders.filter((o) => isToday(when(o))) : orders), [orders, scope]);
  const summary = useMemo(() => {
    const by = new Map<string, { count: number; total: number }>(STATUSES.map((s) => [s, { count: 0, total: 0 }]));
    for (const o of inScope) {
      const s = by.get(String(o.status)) ?? { count: 0, total: 0 };
      s.count++;
      s.total += Number(o.total ?? 0);
      by.set(String(o.status), s);
    }
    return by;
  }, [inScope]);
  const list = useMemo(
    // Newest first; the server's timestamps share one format, so plain string order is time order.
    () => inScope.filter((o) => !status || o.status === status).sort((a, b) => (when(a) < when(b) ? 1 : when(a) > when(b) ? -1 : 0)),
    [inScope, status],
  );
  const grand = inScope.filter((o) => o.status !== "cancelled").reduce((t, o) => t + Number(o.total ?? 0), 0);

  return (
    <section className="orders">
      <div className="section-head">
        <h2>{scope === "today" ? "Today's orders" : "All orders"}</h2>
        <div className="segmented" role="group" aria-label="Which orders">
          <button className={scope === "today" ? "on" : ""} onClick={() => setScope("today")}>Today</button>
          <button className={scope === "all" ? "on" : ""} onClick={() => setScope("all")} data-testid="scope-all">All</button>
        </div>
      </div>
      <div className="summary" data-testid="status-summary">
        <div className="stat total">
          <div className="label">{inScope.length} orders</div>
          <div className="value" data-testid="grand-total">{money(grand)}</div>
        </div>
        {[...summary].map(([s, v]) => (
          <button key={s} className={`stat status-${s}${status === s ? " on" : ""}`} onClick={() => setStatus(status === s ? null : s)}
            data-testid={`summary-${s}`} aria-pressed={status === s}>
            <div className="label">{s}</div>
            <div className="value"><span className="count">{v.count}</span> · {money(v.total)}</div>
          </button>
        ))}
      </div>
      {list.length === 0 ? (
        <p className="empty" data-testid="no-orders">{scope === "today" ? "No orders today yet." : "No orders."}</p>
      ) : (
        <ul className="list" data-testid="orders-list">
          {list.slice(0, shown).map((o) => (
            <li key={o.id} className={open === o.id ? "item open" : "item"} data-testid="order-row" data-code={String(o.order_code ?? "")}>
              <button className="row" onClick={() => setOpen(open === o.id ? null : o.id)} aria-expanded={open === o.id}>
                <span className="code">{String(o.order_code ?? "—")}</span>
                <span className="cust">{names.get(o.customer_id as string) ?? ""}</span>
                <span className={`pill status-${o.status}`}>{String(o.status)}</span>
                <span className="amount">{money(o.total)}</span>
                <span className="when">{time(when(o))}</span>
              </button>
              {open === o.id && <OrderItems order={o} />}
            </li>
          ))}
        </ul>
      )}
      {list.length > shown && <button className="more" onClick={() => setShown(shown + PAGE * 4)}>Show more ({list.length - shown})</button>}
    </section>
  );
}

function OrderItems({ order }: { order: Row }) {
  const items = useRows("order_items", { order_id: order.id }, { orderBy: "product_name" });
  return (
    <div className="detail" data-testid="order-items">
      {items.length === 0 ? <p className="muted">No items.</p> : (
        <table>
          <thead><tr><th>Item</th><th className="num">Qty</th><th className="num">Price</th><th className="num">Line</th></tr></thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <td>{String(i.product_name)}{i.sku ? <span className="muted"> · {String(i.sku)}</span> : null}</td>
                <td className="num">{Number(i.quantity)}</td>
                <td className="num">{money(i.unit_price)}</td>
                <td className="num">{money(i.line_total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl className="facts">
        <dt>Subtotal</dt><dd>{money(order.subtotal)}</dd>
        <dt>Discount</dt><dd>{money(order.discount)}</dd>
        <dt>Tax</dt><dd>{money(order.tax)}</dd>
        <dt>Total</dt><dd><strong>{money(order.total)}</strong></dd>
        {order.notes ? <><dt>Notes</dt><dd>{String(order.notes)}</dd></> : null}
      </dl>
    </div>
  );
}
