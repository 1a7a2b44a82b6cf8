// test/supabase/clients.test.mjs — an app's whole day through supabase-js and
// postgrest-js, unmodified, against the gateway's /auth/v1 and /rest/v1:
// sign up, sign in, create a shop, push, pull (GET), snapshot, refresh,
// switch shop, sign out; errors as AuthApiError / PostgrestError with
// Supabase's and PostgREST's codes and statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthApiError, PostgrestError, isAuthApiError } from '@supabase/supabase-js';
import { PostgrestClient } from '@supabase/postgrest-js';
import { ANON_KEY, URL_, customerEvent, email, supabase } from './helpers.mjs';

const password = 'correct horse battery';

test('sign up, sign in, create a shop, push, pull, snapshot, refresh, sign out', async () => {
  const client = supabase();
  const address = email('owner');
  const up = await client.auth.signUp({ email: address, password });
  assert.equal(up.error, null);
  assert.equal(up.data.user.email, address);
  assert.ok(up.data.session.access_token, 'sign-up answers a session (auto-confirmed)');

  const { data: signedIn, error } = await client.auth.signInWithPassword({ email: address, password });
  assert.equal(error, null);
  assert.equal(signedIn.user.aud, 'authenticated');
  assert.ok(signedIn.session.expires_at > Date.now() / 1000);

  const shop = await client.rpc('create_shop', { name: 'Corner Shop' });
  assert.equal(shop.error, null);
  assert.equal(shop.data.role, 'owner');

  // The token names no shop yet: refreshing brings it (app_metadata.shop_id).
  const refreshed = await client.auth.refreshSession();
  assert.equal(refreshed.error, null);
  assert.equal(refreshed.data.user.app_metadata.shop_id, shop.data.shop_id);
  assert.notEqual(refreshed.data.session.refresh_token, signedIn.session.refresh_token, 'refresh tokens rotate');

  const pushed = await client.rpc('sync_push', { body: { device_id: 'web-1', events: [customerEvent('Ann Lee')] } });
  assert.equal(pushed.error, null);
  assert.equal(pushed.data.accepted.length, 1);

  const pulled = await client.rpc('sync_pull', { cursor: 0, lim: 10 }, { get: true });
  assert.equal(pulled.error, null, 'sync_pull over GET (a stable function)');
  assert.equal(pulled.data.changes.length, 1);
  assert.equal(pulled.data.changes[0].payload.name, 'Ann Lee');

  const snapshot = await client.rpc('sync_snapshot', { entity: 'customers' }, { get: true });
  assert.equal(snapshot.error, null);
  assert.equal(snapshot.data.rows.length, 1);

  const health = await client.rpc('sync_health');
  assert.equal(health.data.shop_id, shop.data.shop_id);
  assert.equal(health.data.role, 'owner');

  const members = await client.rpc('list_members', {}, { get: true });
  assert.deepEqual(members.data.map((m) => m.email), [address], 'the owner sees themselves in list_members');

  const user = await client.auth.getUser();
  assert.equal(user.error, null);
  assert.equal(user.data.user.email, address);
  assert.equal(user.data.user.app_metadata.shop_id, shop.data.shop_id);

  const oldRefresh = refreshed.data.session.refresh_token;
  assert.equal((await client.auth.signOut()).error, null);
  const after = await supabase().auth.refreshSession({ refresh_token: oldRefresh });
  assert.ok(isAuthApiError(after.error), 'a signed-out session cannot be refreshed');
  assert.equal(after.error.status, 400);
  assert.equal(after.error.code, 'refresh_token_not_found');
});

test('a user in two shops switches with set_active_shop and a refresh', async () => {
  const client = supabase();
  const address = email('two');
  await client.auth.signUp({ email: address, password });
  const first = (await client.rpc('create_shop', { name: 'First' })).data.shop_id;
  const second = (await client.rpc('create_shop', { name: 'Second' })).data.shop_id;
  const chosen = await client.rpc('set_active_shop', { shop_id: second });
  assert.equal(chosen.error, null);
  const { data } = await client.auth.refreshSession();
  assert.equal(data.user.app_metadata.shop_id, second);
  assert.equal((await client.rpc('sync_health')).data.shop_id, second);
  const shops = (await client.rpc('my_shops', {}, { get: true })).data;
  assert.deepEqual(shops.map((s) => [s.shop_id, s.active]), [[first, false], [second, true]]);
});

test('auth errors are AuthApiError with GoTrue codes and statuses', async () => {
  const client = supabase();
  const address = email('err');
  await client.auth.signUp({ email: address, password });
  const again = await client.auth.signUp({ email: address, password });
  assert.ok(again.error instanceof AuthApiError);
  assert.equal(again.error.status, 422);
  assert.equal(again.error.code, 'user_already_exists');

  const wrong = await client.auth.signInWithPassword({ email: address, password: 'not the password' });
  assert.ok(wrong.error instanceof AuthApiError);
  assert.equal(wrong.error.status, 400);
  assert.equal(wrong.error.code, 'invalid_credentials');
  assert.equal(wrong.error.message, 'Invalid login credentials');

  const weak = await client.auth.signUp({ email: email('weak'), password: 'short' });
  assert.equal(weak.error.status, 422);
  assert.equal(weak.error.code, 'weak_password');
});

test('PostgREST errors reach the app as PostgrestError with code and status', async () => {
  const client = supabase();
  const missing = await client.rpc('no_such_function');
  assert.equal(missing.status, 404);
  assert.equal(missing.error.code, 'PGRST202');
  assert.match(missing.error.message, /Could not find the function api\.no_such_function/);

  await assert.rejects(async () => await client.rpc('sync_pull', { cursr: 0 }).throwOnError(),
    (e) => e instanceof PostgrestError && e.code === 'PGRST202' && /sync_pull\(cursr\)/.test(e.message));

  // The default schema (public) is not exposed: PGRST106, as PostgREST.
  const publicSchema = supabase({ db: { schema: 'public' } });
  const wrongSchema = await publicSchema.rpc('sync_health');
  assert.equal(wrongSchema.status, 406);
  assert.equal(wrongSchema.error.code, 'PGRST106');

  const anon = await client.rpc('sync_health');
  assert.equal(anon.status, 401, 'the anon key is a valid key: the call runs as anon, which may not call it');
  assert.equal(anon.error.code, '42501');

  const volatileGet = await client.rpc('create_shop', { name: 'x' }, { get: true });
  assert.equal(volatileGet.status, 405);
});

test('postgrest-js alone: /rest/v1 with apikey and a user token', async () => {
  const auth = supabase();
  const address = email('pg');
  const { data } = await auth.auth.signUp({ email: address, password });
  const token = data.session.access_token;
  const rest = new PostgrestClient(`${URL_}/rest/v1`, {
    schema: 'api', headers: { apikey: ANON_KEY, Authorization: `Bearer ${token}` } });
  const shop = await rest.rpc('create_shop', { name: 'Rest' });
  assert.equal(shop.error, null);
  const refreshed = await auth.auth.refreshSession();
  const scoped = new PostgrestClient(`${URL_}/rest/v1`, {
    schema: 'api', headers: { apikey: ANON_KEY, Authorization: `Bearer ${refreshed.data.session.access_token}` } });
  const health = await scoped.rpc('sync_health', {}, { get: true });
  assert.equal(health.error, null);
  assert.equal(health.data.shop_id, shop.data.shop_id);
  // And the bare PostgREST spelling, without /rest/v1.
  const bare = new PostgrestClient(URL_, { schema: 'api', headers: { Authorization: `Bearer ${refreshed.data.session.access_token}` } });
  assert.equal((await bare.rpc('sync_health')).data.shop_id, shop.data.shop_id);
});
