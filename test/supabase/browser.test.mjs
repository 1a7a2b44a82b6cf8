// test/supabase/browser.test.mjs — the gateway as a browser sees it: a page
// served from a second loopback origin calls /rest/v1/rpc with Supabase's
// headers (a CORS preflight, then the call) and opens the event stream, in
// headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
// A gateway restricted with --cors-origins lets only the listed origin read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { ANON_KEY, URL_, email, freePort, startGateway, supabase } from './helpers.mjs';

let browser, page, pageServer, origin, token;

before(async () => {
  const client = supabase();
  await client.auth.signUp({ email: email('web'), password: 'correct horse battery' });
  await client.rpc('create_shop', { name: 'Web' });
  token = (await client.auth.refreshSession()).data.session.access_token;
  const port = await freePort();
  pageServer = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>app</title>');
  });
  await new Promise((r) => pageServer.listen(port, '127.0.0.1', r));
  origin = `http://localhost:${port}`; // another origin than the gateway's 127.0.0.1:<port>
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage();
  await page.goto(origin);
});

after(async () => {
  await browser?.close();
  await new Promise((r) => pageServer.close(r));
});

// fetch from the page: {status, body} or {error} when the browser blocks it.
function callFromPage(gateway) {
  return page.evaluate(async ([url, key, bearer]) => {
    try {
      const res = await fetch(`${url}/rest/v1/rpc/sync_health`, {
        method: 'POST', body: '{}',
        headers: { apikey: key, Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json',
                   'Content-Profile': 'api', 'x-client-info': 'supabase-js-web/2' } });
      return { status: res.status, body: await res.json(), exposed: res.headers.get('content-type') };
    } catch (e) {
      return { error: String(e) };
    }
  }, [gateway, ANON_KEY, token]);
}

test('a cross-origin call with Supabase headers passes the preflight and is read', async () => {
  const answer = await callFromPage(URL_);
  assert.equal(answer.error, undefined, answer.error);
  assert.equal(answer.status, 200);
  assert.ok(answer.body.shop_id);
  assert.match(answer.exposed, /application\/json/);
});

test('the event stream opens from another origin (EventSource)', async () => {
  const opened = await page.evaluate(([url, bearer]) => new Promise((resolve) => {
    const source = new EventSource(`${url}/sync/events?access_token=${bearer}`);
    const timer = setTimeout(() => { source.close(); resolve('timeout'); }, 5000);
    source.onopen = () => { clearTimeout(timer); source.close(); resolve('open'); };
    source.onerror = () => { clearTimeout(timer); source.close(); resolve('error'); };
  }), [URL_, token]);
  assert.equal(opened, 'open');
});

test('--cors-origins: the listed origin reads, another origin is blocked by the browser', async () => {
  const listed = await startGateway(['--cors-origins', origin]);
  const other = await startGateway(['--cors-origins', 'http://app.example']);
  try {
    const ok = await callFromPage(listed.url);
    assert.equal(ok.status, 200, ok.error);
    const blocked = await callFromPage(other.url);
    assert.match(blocked.error ?? '', /TypeError|Failed to fetch/);
  } finally {
    await listed.stop();
    await other.stop();
  }
});
