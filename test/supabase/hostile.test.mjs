// test/supabase/hostile.test.mjs — bad CORS and apikey input changes nothing:
// no origin is reflected that is not allowed, a preflight never echoes what it
// was asked, and a push under a bad, forged, expired or privileged key is
// refused before it reaches the database (the shop's log stays as it was).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ANON_KEY, URL_, customerEvent, email, startGateway, supabase } from './helpers.mjs';

let token;
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function sign(claims, secret = process.env.JWT_SECRET, alg = 'HS256') {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return alg === 'none' ? `${head}.` : `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  const client = supabase();
  await client.auth.signUp({ email: email('hostile'), password: 'correct horse battery' });
  await client.rpc('create_shop', { name: 'Hostile' });
  token = (await client.auth.refreshSession()).data.session.access_token;
});

async function latestSeq() {
  const res = await fetch(`${URL_}/rpc/sync_health`, { headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()).latest_seq;
}

test('odd Origin headers are never reflected while any origin is allowed', async () => {
  for (const origin of ['null', 'http://a.example\tb', 'x'.repeat(4000), 'http://ünïcode.example', '*']) {
    const res = await fetch(`${URL_}/rpc/sync_health`, { method: 'POST', body: '{}',
      headers: { Origin: origin, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
  }
});

test('a preflight answers its fixed lists, not what it was asked', async () => {
  const res = await fetch(`${URL_}/rest/v1/rpc/sync_push`, { method: 'OPTIONS', headers: {
    Origin: 'http://app.example', 'Access-Control-Request-Method': 'DELETE',
    'Access-Control-Request-Headers': 'x-evil, cookie, ' + 'h'.repeat(2000) } });
  assert.equal(res.status, 204);
  assert.ok(!res.headers.get('access-control-allow-headers').includes('x-evil'));
  assert.ok(!res.headers.get('access-control-allow-methods').includes('DELETE'));
});

test('a restricted gateway matches origins exactly', async () => {
  const only = await startGateway(['--cors-origins', 'http://a.example']);
  try {
    for (const origin of ['http://A.EXAMPLE', 'http://a.example.evil', 'http://a.example/', 'null']) {
      const res = await fetch(`${only.url}/health`, { headers: { Origin: origin } });
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
      assert.equal(res.headers.get('vary'), 'Origin');
    }
    const ok = await fetch(`${only.url}/health`, { headers: { Origin: 'http://a.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://a.example');
  } finally {
    await only.stop();
  }
});

test('a push under a bad apikey changes nothing', async () => {
  const before = await latestSeq();
  assert.equal(typeof before, 'number');
  const keys = {
    garbage: 'garbage',
    forged: sign({ role: 'anon', exp: now() + 3600 }, 'y'.repeat(40)),
    expired: sign({ role: 'anon', exp: now() - 3600 }),
    'alg none': sign({ role: 'anon', exp: now() + 3600 }, undefined, 'none'),
    'service role': sign({ role: 'service_role', exp: now() + 3600 }),
    'anon without expiry': sign({ role: 'anon' }),
  };
  for (const [name, key] of Object.entries(keys)) {
    const res = await fetch(`${URL_}/rest/v1/rpc/sync_push`, { method: 'POST',
      headers: { apikey: key, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: { device_id: 'evil', events: [customerEvent('Mallory')] } }) });
    assert.equal(res.status, 401, name);
  }
  const anon = await fetch(`${URL_}/rest/v1/rpc/sync_push`, { method: 'POST',
    headers: { apikey: ANON_KEY, Authorization: `Bearer ${ANON_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ body: { device_id: 'evil', events: [customerEvent('Mallory')] } }) });
  assert.equal(anon.status, 401, 'the anon key cannot push');
  assert.equal(await latestSeq(), before, 'the shop\'s log did not move');
  assert.equal((await fetch(`${URL_}/health`)).status, 200);
});
