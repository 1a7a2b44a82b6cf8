// bench/dashboard/web_bench.mjs — run by bench/dashboard/run.sh: the page-open
// time in headless Chromium and the SDK's initial sync rate; prints JSON.
import { createRequire } from "node:module";
import { Session, ShopSyncClient } from "../../bindings/js/dist/index.js";

const require = createRequire(new URL("../../dashboard/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const { GATEWAY_URL, PASSWORD, ORDERS, ROWS, CPP_SECONDS } = process.env;
const EMAIL = "owner@dash.bench";
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function login() {
  const res = await fetch(`${GATEWAY_URL}/auth/login`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  return res.json();
}

// The SDK: an empty client's first complete sync, in memory.
const sdk = [];
let rows = 0;
for (let i = 0; i < 3; i++) {
  const session = new Session({ url: GATEWAY_URL });
  await session.login(EMAIL, PASSWORD);
  const client = new ShopSyncClient({ session, pokes: null });
  const start = performance.now();
  await client.start();
  sdk.push((performance.now() - start) / 1000);
  rows = ["customers", "orders", "order_items"].reduce((n, e) => n + client.rows(e).length, 0);
  await client.stop();
}
if (rows !== Number(ROWS)) throw new Error(`the SDK holds ${rows} rows, the server ${ROWS}`);

// The page: a fresh browser context (cold cache) whose tab already holds its
// tokens, as after a sign-in; from navigation to the first order row.
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
const opens = [];
let breakdown = null;
for (let i = 0; i < RUNS; i++) {
  const { access_token, refresh_token } = await login();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addInitScript((tokens) => sessionStorage.setItem("shopsync.dashboard.tokens", tokens),
    JSON.stringify({ access_token, refresh_token }));
  const page = await context.newPage();
  const start = performance.now();
  await page.goto(GATEWAY_URL + "/");
  await page.getByTestId("order-row").first().waitFor({ timeout: 30_000 });
  opens.push(performance.now() - start);
  // Where the time went (ms from navigation start): resources as the page saw them.
  breakdown = await page.evaluate(() => {
    const at = {};
    for (const e of performance.getEntriesByType("resource")) {
      const name = new URL(e.name).pathname + (e.name.includes("entity") ? "" : "");
      at[name] = [...(at[name] ?? []), Math.round(e.responseEnd)];
    }
    at.dom_content_loaded = Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd);
    at.now = Math.round(performance.now());
    return at;
  });
  await context.close();
}
await browser.close();

const seconds = median(sdk);
console.log(JSON.stringify({
  orders: Number(ORDERS),
  page_open: { breakdown_last_run: breakdown, runs: RUNS, median_ms: median(opens), min_ms: Math.min(...opens), max_ms: Math.max(...opens), all_ms: opens },
  sdk_sync: {
    rows, seconds, rows_per_s: rows / seconds, runs_s: sdk,
    cpp_seconds: Number(CPP_SECONDS), cpp_rows_per_s: rows / Number(CPP_SECONDS),
  },
}));
