// dashboard/src/format.ts — how numbers, money and times read on the page.
export const money = (n: unknown): string =>
  Number(n ?? 0).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "just now", "5 min ago", "3 h ago", or the date. */
export function ago(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso == null) return "never";
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

export const time = (iso: unknown): string =>
  typeof iso === "string" ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";

/** Same local calendar day. */
export function isToday(iso: unknown, now = new Date()): boolean {
  if (typeof iso !== "string") return false;
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const t = Date.parse(iso);
  return t >= start && t < start + 86_400_000;
}

export const STATUSES = ["pending", "confirmed", "shipping", "delivered", "cancelled"] as const;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
