// The dashboard in headless Chromium (Debian's chromium, driven by
// playwright-core) against the real gateway serving dashboard/dist
// (--static-dir): sign in, orders and items, customer search, the owner's
// panel, a write made by shopsync-device showing up without a reload, a
// viewer without owner panels, screenshots at phone and desktop sizes.
// test/dashboard/run.sh sets GATEWAY_URL, DEVICE (the binary), WORK and ARTIFACTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import http from "node:http";

const require = createRequire(new URL("../../dashboard/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const { GATEWAY_URL, DEVICE, WORK, ARTIFACTS } = process.env;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "dashboard password";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
let browser;

function device(...args) {
  const out = execFileSync(DEVICE, ["--db", join(WORK, "tablet.db"), "--json", ...args], {
    encoding: "utf8", env: { ...process.env, SHOPSYNC_PASSWORD: PASSWORD },
  });
  return JSON.parse(out.trim().split("\n").pop());
}

async function post(path, body, token) {
  const res = await fetch(GATEWAY_URL + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A GET of exactly this path (fetch would normalise "..", even "%2e%2e").
function rawGet(path) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(GATEWAY_URL);
    http.get({ hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on("error", reject);
  });
}

async function signIn(viewport, email) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(GATEWAY_URL + "/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("status-summary").waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="role"]')?.textContent !== "…");
  return { context, page, errors };
}

before(async () => {
  for (const email of ["olivia@dash.example", "sam@dash.example", "vic@dash.example"])
    await post("/auth/signup", { email, password: PASSWORD });
  const first = await post("/auth/login", { email: "olivia@dash.example", password: PASSWORD });
  await post("/rpc/create_shop", { name: "Dashboard shop" }, first.access_token);
  const owner = await post("/auth/login", { email: "olivia@dash.example", password: PASSWORD });
  await post("/rpc/add_member", { email: "sam@dash.example", role: "staff" }, owner.access_token);
  await post("/rpc/add_member", { email: "vic@dash.example", role: "viewer" }, owner.access_token);
  // Staff's tablet: the shop's first customers and orders, through the real device client.
  device("init", "--server", GATEWAY_URL, "--device-id", "tablet-1");
  device("login", "sam@dash.example");
  device("add", "customer", "customer_code=C-1", "name=Ann Lee", "phone=555-0101");
  device("add", "customer", "customer_code=C-2", "name=Bob Stone", "email=bob@example.com");
  device("add", "order", "order_code=O-1", "customer_id=C-1", "total=42.5");
  device("add", "item", "order_id=O-1", "product_name=Tea", "quantity=2", "unit_price=4.25");
  device("add", "item", "order_id=O-1", "product_name=Honey", "quantity=1", "unit_price=34");
  device("add", "order", "order_code=O-2", "customer_id=C-2", "total=10");
  device("edit", "order", "O-2", "status=confirmed");
  device("sync");
  // A conflict for the owner's panel: two writes from the same base version.
  const o1 = device("list", "orders").find((o) => o.order_code === "O-1");
  const sam = await post("/auth/login", { email: "sam@dash.example", password: PASSWORD });
  for (const notes of ["first", "second"])
    await post("/sync/push", { device_id: "script-1", events: [{ idempotency_key: crypto.randomUUID(), entity: "orders",
      entity_id: o1.id, op: "update", base_version: o1.version, payload: { notes } }] }, sam.access_token);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
});

after(async () => {
  await browser?.close();
});

test("served by the gateway: the page, its assets with types, no path outside the build", async () => {
  const page = await fetch(GATEWAY_URL + "/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /^text\/html/);
  const html = await page.text();
  const script = html.match(/src="\.?(\/assets\/[^"]+\.js)"/)[1];
  const js = await fetch(GATEWAY_URL + script);
  assert.match(js.headers.get("content-type"), /^text\/javascript/);
  assert.equal((await fetch(GATEWAY_URL + "/orders/today")).status, 200, "an app route gets the page");
  for (const path of ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2findex.html", "/a%00.js"])
    assert.equal(await rawGet(path), 404, path);
  assert.equal((await fetch(GATEWAY_URL + "/", { method: "POST" })).status, 405);
  assert.equal((await fetch(GATEWAY_URL + "/health")).status, 200, "API routes stay the API's");
});

test("owner on a phone: sign in, today's orders by status with totals, an order's items, customers, the shop's devices", async () => {
  const { context, page, errors } = await signIn(PHONE, "olivia@dash.example");
  await page.getByTestId("order-row").first().waitFor();
  assert.equal(await page.getByTestId("order-row").count(), 2);
  assert.match(await page.getByTestId("summary-pending").innerText(), /1\s·\s42\.50/);
  assert.match(await page.getByTestId("summary-confirmed").innerText(), /1\s·\s10\.00/);
  assert.match(await page.getByTestId("grand-total").innerText(), /52\.50/);
  assert.equal(await page.getByTestId("role").textContent(), "owner");
  await page.locator('[data-code="O-1"] button.row').click();
  const items = page.getByTestId("order-items");
  await items.waitFor();
  assert.match(await items.innerText(), /Honey[\s\S]*Tea/);
  assert.match(await items.innerText(), /8\.50/, "Tea's line total (generated column)");
  await page.screenshot({ path: join(ARTIFACTS, "phone-orders.png"), fullPage: true });

  await page.getByTestId("tab-customers").click();
  await page.getByTestId("customer-search").fill("stone");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="customer-row"]').length === 1);
  assert.match(await page.getByTestId("customer-row").innerText(), /Bob Stone/);
  await page.screenshot({ path: join(ARTIFACTS, "phone-customers.png"), fullPage: true });

  await page.getByTestId("tab-shop").click();
  await page.getByTestId("owner-panel").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="devices"], [data-testid="stats-error"]'));
  if (await page.getByTestId("devices").count()) {
    await page.getByTestId("device-row").first().waitFor();
    assert.match(await page.getByTestId("devices").innerText(), /tablet-1[\s\S]*sam@dash\.example/);
    await page.getByTestId("recent-issues").getByText("conflict").first().waitFor();
    assert.match(await page.getByTestId("recent-issues").innerText(), /orders[\s\S]*script-1/);
  } else {
    console.log(`# owner panel without device figures: ${await page.getByTestId("stats-error").innerText()}`);
  }
  await page.getByTestId("members").getByText("vic@dash.example").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "phone-shop.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("live: an order written by shopsync-device appears on the open page within 1 s, without a reload", async () => {
  const { context, page, errors } = await signIn(DESKTOP, "olivia@dash.example");
  await page.getByTestId("order-row").first().waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-status"]')?.textContent?.includes("live"));
  const loads = [];
  page.on("load", () => loads.push(Date.now()));
  device("add", "order", "order_code=O-LIVE", "customer_id=C-2", "total=99.95");
  device("add", "item", "order_id=O-LIVE", "product_name=Coffee", "quantity=3", "unit_price=33.3166");
  device("sync"); // returns once the server committed
  const start = Date.now();
  await page.locator('[data-code="O-LIVE"]').waitFor({ timeout: 1000 });
  const ms = Date.now() - start;
  console.log(`# device write committed → shown on the page: ${ms} ms`);
  assert.deepEqual(loads, [], "no reload");
  assert.match(await page.getByTestId("summary-pending").innerText(), /2\s·\s142\.45/);
  await page.screenshot({ path: join(ARTIFACTS, "desktop-orders.png"), fullPage: true });
  await page.getByTestId("tab-shop").click();
  await page.getByTestId("members").getByText("vic@dash.example").waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "desktop-shop.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("a viewer sees orders and customers but no owner panel, and the server refuses the owner's calls", async () => {
  const { context, page } = await signIn(PHONE, "vic@dash.example");
  await page.getByTestId("order-row").first().waitFor();
  assert.equal(await page.getByTestId("role").textContent(), "viewer");
  assert.equal(await page.getByTestId("tab-shop").count(), 0);
  assert.equal(await page.getByTestId("owner-panel").count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "phone-viewer.png"), fullPage: true });
  await context.close();
  const viewer = await post("/auth/login", { email: "vic@dash.example", password: PASSWORD });
  const res = await fetch(GATEWAY_URL + "/rpc/list_members", {
    method: "POST", headers: { Authorization: `Bearer ${viewer.access_token}`, "Content-Type": "application/json" }, body: "{}",
  });
  assert.equal(res.status, 403);
});

test("a reload stays signed in (this tab's tokens), sign-out forgets them, refused tokens lead to the sign-in form", async () => {
  const { context, page } = await signIn(PHONE, "sam@dash.example");
  await page.reload();
  await page.getByTestId("order-row").first().waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  // Kept tokens the server refuses (revoked, made up) lead back to the sign-in form.
  await page.evaluate(() => sessionStorage.setItem("shopsync.dashboard.tokens", JSON.stringify({ access_token: "not.a.token", refresh_token: "bogus" })));
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("shopsync.dashboard.tokens")), null);
  await context.close();
});
