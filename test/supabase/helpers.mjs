// test/supabase/helpers.mjs — what the suite's files share: the gateway's URL
// and anon key (from run.sh), Supabase clients as an app makes them, a push
// envelope, and a second gateway of our own (with other flags) when a test
// needs one.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';

export const URL_ = process.env.GATEWAY_URL;
export const ANON_KEY = process.env.ANON_KEY;

// A supabase-js client: schema api (the one the gateway and PostgREST expose), no storage.
export function supabase(options = {}) {
  return createClient(URL_, ANON_KEY, {
    db: { schema: 'api' },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...options,
  });
}

export const email = (tag) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;

export function customerEvent(name, id = randomUUID()) {
  return { idempotency_key: randomUUID(), entity: 'customers', entity_id: id, op: 'create', base_version: 0,
           payload: { name, customer_code: `C-${id.slice(0, 6)}` } };
}

export function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Another gateway on the same database, with extra flags; stop() ends it.
export async function startGateway(args) {
  const port = await freePort();
  const proc = spawn(process.env.GATEWAY_BINARY, args, {
    env: { ...process.env, LISTEN: `127.0.0.1:${port}`, DATABASE_URL: process.env.GATEWAY_DSN },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  return { url, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}
