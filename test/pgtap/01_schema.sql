-- 01_schema.sql — what CREATE EXTENSION shopsync installs.
BEGIN;
SELECT plan(59);

SELECT has_extension('shopsync', 'the extension is installed');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'shopsync'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'shopsync'), 'the installed version is the control file''s default_version');
SELECT has_schema('shopsync', 'internal schema shopsync');
SELECT has_schema('api', 'client schema api');

SELECT has_table('shopsync', t, format('table shopsync.%s', t))
  FROM unnest(ARRAY['shops', 'shop_members', 'shop_cursors', 'change_log', 'devices', 'idempotency_keys',
                    'audit_log', 'synced_tables', 'customers', 'orders', 'order_items', 'shop_settings']) AS t;

SELECT col_is_pk('shopsync', 'change_log', ARRAY['shop_id', 'seq'], 'change_log is keyed by (shop_id, seq)');
SELECT col_is_pk('shopsync', 'idempotency_keys', ARRAY['shop_id', 'key'], 'idempotency keys are per shop');
SELECT col_is_pk('shopsync', 'shop_members', ARRAY['shop_id', 'user_id'], 'one membership per user and shop');
SELECT col_has_check('shopsync', 'shop_members', 'role', 'member role is checked');

-- Every synced table has the sync columns, typed as DESIGN §2 says.
SELECT col_type_is('shopsync', t, c, ty, format('%s.%s is %s', t, c, ty))
  FROM (VALUES ('customers'), ('orders'), ('order_items'), ('shop_settings')) AS tt(t),
       (VALUES ('id', 'uuid'), ('version', 'bigint'), ('deleted_at', 'timestamp with time zone')) AS cc(c, ty);

SELECT results_eq(
    $$SELECT entity FROM shopsync.synced_tables ORDER BY entity$$,
    $$VALUES ('customers'), ('order_items'), ('orders'), ('shop_settings')$$,
    'the four built-in entities are registered');

-- RLS enabled and forced on every tenant table.
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
      WHERE c.relnamespace = 'shopsync'::regnamespace AND c.relkind = 'r'
        AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
        AND c.relname NOT IN ('synced_tables')),
    NULL, 'every tenant table has RLS enabled and forced');
SELECT policies_are('shopsync', 'customers', ARRAY['shopsync_shop_isolation'], 'customers has the shop policy');
SELECT policies_are('shopsync', 'change_log', ARRAY['shopsync_shop_isolation'], 'change_log has the shop policy');

-- Every policy column leads an index (DESIGN §4, RLS cost).
SELECT is(
    (SELECT array_agg(s.relid::regclass::text) FROM shopsync.synced_tables s
      WHERE NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
                          ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                         WHERE i.indrelid = s.relid AND a.attname = 'shop_id')),
    NULL, 'shop_id leads an index on every synced table');

-- Functions and their security.
SELECT has_function('api', 'sync_push', ARRAY['jsonb'], 'api.sync_push(jsonb)');
SELECT has_function('api', 'sync_pull', ARRAY['bigint', 'integer', 'integer'], 'api.sync_pull(bigint, integer, integer)');
SELECT has_function('api', 'sync_snapshot', ARRAY['text', 'uuid', 'integer'], 'api.sync_snapshot');
SELECT has_function('api', 'sync_health', 'api.sync_health()');
SELECT has_function('shopsync', 'purge', ARRAY['interval', 'interval', 'interval'], 'shopsync.purge');
SELECT has_function('shopsync', 'enable_sync', ARRAY['regclass', 'text', 'jsonb'], 'shopsync.enable_sync');
SELECT is_definer('api', 'sync_push', ARRAY['jsonb'], 'sync_push is SECURITY DEFINER');
SELECT function_lang_is('shopsync', 'stamp_row', 'c', 'the stamp trigger is C++');
SELECT function_lang_is('shopsync', 'log_row', 'c', 'the log trigger is C++');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
      WHERE p.prosecdef AND p.pronamespace IN ('shopsync'::regnamespace, 'api'::regnamespace)
        AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')),
    NULL, 'every SECURITY DEFINER function pins search_path');

SELECT triggers_are('shopsync', 'customers',
    ARRAY['zz_shopsync_stamp', 'zz_shopsync_log', 'zz_shopsync_flush', 'zz_shopsync_no_truncate'], 'customers carries the sync triggers');

-- Roles: clients read under RLS and write only through the api.
SELECT ok(has_table_privilege('authenticated', 'shopsync.customers', 'SELECT'), 'authenticated may read customers');
SELECT ok(NOT has_table_privilege('authenticated', 'shopsync.customers', 'INSERT'), 'authenticated may not insert directly');
SELECT ok(NOT has_table_privilege('authenticated', 'shopsync.change_log', 'INSERT'), 'authenticated may not write the log');
SELECT ok(NOT has_table_privilege('anon', 'shopsync.customers', 'SELECT'), 'anon reads nothing');
SELECT ok(has_function_privilege('authenticated', 'api.sync_push(jsonb)', 'EXECUTE'), 'authenticated may push');
SELECT ok(NOT has_function_privilege('anon', 'api.sync_push(jsonb)', 'EXECUTE'), 'anon may not push');
SELECT ok(NOT has_function_privilege('authenticated', 'shopsync.purge(interval,interval,interval)', 'EXECUTE'),
    'clients cannot run the retention job');
SELECT ok(NOT has_function_privilege('authenticated', 'shopsync.enable_sync(regclass,text,jsonb)', 'EXECUTE'),
    'clients cannot register tables');

-- Credentials are the gateway's alone.
SELECT ok(NOT has_table_privilege('authenticated', 'shopsync.users', 'SELECT'), 'clients cannot read users');
SELECT ok(NOT has_function_privilege('authenticated', 'shopsync.auth_password_hash(text)', 'EXECUTE'),
    'clients cannot read password hashes');
SELECT ok(has_function_privilege('shopsync_gateway', 'shopsync.auth_rotate_refresh(text)', 'EXECUTE'),
    'the gateway role rotates refresh tokens');

SELECT * FROM finish();
ROLLBACK;
