-- 21_supabase_auth.sql — Supabase Auth users are first-class (issue 13,
-- finding 6): members resolve from shopsync.users without Supabase and from
-- auth.users (a stub created here) with it; the custom access-token hook puts
-- the active shop into app_metadata; a user chooses it among their shops.
BEGIN;
SELECT plan(22);
\ir fixtures.sql

-- Without an auth schema: the gateway's own users.
INSERT INTO shopsync.users (id, email, password_hash) VALUES
    ('a1a1a1a1-0000-0000-0000-000000000001', 'olivia@example.com', '$argon2id$x'),
    ('d1d1d1d1-0000-0000-0000-000000000001', 'dan@example.com', '$argon2id$x');
SELECT pg_temp.act_as('owner_a');
SELECT is(api.add_member('DAN@example.com', 'staff')->>'user_id', 'd1d1d1d1-0000-0000-0000-000000000001',
          'no auth schema: add_member finds a shopsync.users email');
SELECT is((SELECT e->>'email' FROM jsonb_array_elements(api.list_members()) e
            WHERE e->>'user_id' = 'a1a1a1a1-0000-0000-0000-000000000001'), 'olivia@example.com',
          'list_members shows shopsync.users emails');
SELECT is(jsonb_array_length(api.list_members()), 4, 'list_members keeps a member whose user is unknown (email null)');
SELECT throws_ok($$SELECT api.add_member('nobody@example.com', 'staff')$$, 'PT404', NULL,
                 'an unknown email: PT404');

-- With Supabase Auth: auth.users is the source.
SELECT pg_temp.act_as_admin();
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY, email varchar(255), raw_app_meta_data jsonb,
                         created_at timestamptz DEFAULT now());
INSERT INTO auth.users (id, email) VALUES
    ('a1a1a1a1-0000-0000-0000-000000000001', 'olivia@supabase.example'),
    ('e1e1e1e1-0000-0000-0000-000000000001', 'Eve@Supabase.example'),
    ('f1f1f1f1-0000-0000-0000-000000000001', 'fresh@supabase.example');
SELECT pg_temp.act_as('owner_a');
SELECT is(api.add_member('eve@supabase.example', 'viewer')->>'user_id', 'e1e1e1e1-0000-0000-0000-000000000001',
          'with auth.users: add_member finds a Supabase user (email case-insensitive)');
SELECT throws_ok($$SELECT api.add_member('dan@example.com', 'staff')$$, 'PT404', NULL,
                 'with auth.users: it is the only source (a shopsync.users-only email is unknown)');
SELECT is((SELECT e->>'email' FROM jsonb_array_elements(api.list_members()) e
            WHERE e->>'user_id' = 'e1e1e1e1-0000-0000-0000-000000000001'), 'Eve@Supabase.example',
          'list_members shows auth.users emails');

-- A fresh Supabase owner sees themselves.
SELECT set_config('request.jwt.claims', '{"sub":"f1f1f1f1-0000-0000-0000-000000000001","role":"authenticated"}', true);
SELECT lives_ok($$SELECT set_config('test.fresh_shop', api.create_shop('Fresh')->>'shop_id', true)$$,
                'a Supabase user creates a shop');
SELECT set_config('request.jwt.claims', jsonb_build_object('sub', 'f1f1f1f1-0000-0000-0000-000000000001',
                  'role', 'authenticated', 'app_metadata', jsonb_build_object('shop_id', current_setting('test.fresh_shop')))::text, true);
SELECT is(api.list_members(), jsonb_build_array(jsonb_build_object('user_id', 'f1f1f1f1-0000-0000-0000-000000000001',
          'email', 'fresh@supabase.example', 'role', 'owner')), 'the fresh owner is in list_members (shop from app_metadata)');

-- The access-token hook.
SELECT pg_temp.act_as_admin();
INSERT INTO shopsync.shop_members (shop_id, user_id, role)
VALUES ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'a1a1a1a1-0000-0000-0000-000000000001', 'staff');
CREATE FUNCTION pg_temp.hook(uid text, claims jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
    SELECT shopsync.custom_access_token_hook(jsonb_build_object('user_id', uid, 'claims',
        claims || jsonb_build_object('sub', uid, 'role', 'authenticated', 'aud', 'authenticated'),
        'authentication_method', 'password'))
$$;
SELECT is(pg_temp.hook('a1a1a1a1-0000-0000-0000-000000000001')->'claims'->'app_metadata'->>'shop_id',
          'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'the hook: no active shop, the oldest membership');
SELECT is(pg_temp.hook('a1a1a1a1-0000-0000-0000-000000000001')->'claims'->'app_metadata'->>'shop_role', 'owner',
          'the hook adds the role in that shop');
SELECT is((pg_temp.hook('a1a1a1a1-0000-0000-0000-000000000001',
                        '{"app_metadata": {"provider": "email"}, "session_id": "s"}')->'claims')
          - 'sub'::text - 'role'::text - 'aud'::text,
          '{"app_metadata": {"provider": "email", "shop_id": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "shop_role": "owner"}, "session_id": "s"}',
          'the hook keeps every other claim and app_metadata key');
SELECT is(pg_temp.hook('c0c0c0c0-0000-0000-0000-000000000000', '{"app_metadata": {"shop_id": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"}}')
          ->'claims'->'app_metadata', '{}', 'no membership: a stale shop_id is removed');

SELECT pg_temp.act_as('owner_a');
SELECT is(api.set_active_shop('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'),
          '{"shop_id": "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb", "role": "staff"}', 'set_active_shop: a shop of the caller');
SELECT throws_ok($$SELECT api.set_active_shop('cccccccc-cccc-cccc-cccc-cccccccccccc')$$, '42501', 'not a member of that shop',
                 'set_active_shop refuses a shop the caller is not a member of');
SELECT is((SELECT array_agg(e->>'shop_id' ORDER BY e->>'shop_id') FROM jsonb_array_elements(api.my_shops()) e WHERE (e->>'active')::boolean),
          ARRAY['bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'], 'my_shops marks the active shop');
SELECT is(jsonb_array_length(api.my_shops()), 2, 'my_shops lists every shop of the caller');
SELECT pg_temp.act_as_admin();
SELECT is(pg_temp.hook('a1a1a1a1-0000-0000-0000-000000000001')->'claims'->'app_metadata'->>'shop_id',
          'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'the hook follows the active shop');
SELECT is(shopsync.auth_memberships('a1a1a1a1-0000-0000-0000-000000000001')->0->>'shop_id',
          'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'the gateway''s sign-in lists the active shop first');
DELETE FROM shopsync.shop_members WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'
   AND user_id = 'a1a1a1a1-0000-0000-0000-000000000001';
SELECT is(pg_temp.hook('a1a1a1a1-0000-0000-0000-000000000001')->'claims'->'app_metadata'->>'shop_id',
          'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'an active shop the user has left no longer counts');

-- Who may run what.
SELECT ok(NOT has_function_privilege('authenticated', 'shopsync.custom_access_token_hook(jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('anon', 'shopsync.custom_access_token_hook(jsonb)', 'EXECUTE'),
          'clients cannot call the hook');
SELECT ok(has_function_privilege('authenticated', 'api.set_active_shop(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('anon', 'api.set_active_shop(uuid)', 'EXECUTE'),
          'set_active_shop is for signed-in users only');

SELECT * FROM finish();
ROLLBACK;
