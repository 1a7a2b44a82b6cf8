-- 08_pull.sql — api.sync_pull, api.sync_snapshot and api.sync_health (DESIGN §5).
BEGIN;
SELECT plan(25);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name)
SELECT pg_temp.uid('c', i), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Customer ' || i FROM generate_series(1, 5) i;
UPDATE shopsync.customers SET phone = '1' WHERE id = pg_temp.uid('c', 2);
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 3);
INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 9), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B only');

SELECT pg_temp.act_as('viewer_a');
SELECT is((SELECT jsonb_agg(c->'seq') FROM jsonb_array_elements(api.sync_pull(0)->'changes') c),
          '[1, 2, 3, 4, 5, 6, 7]'::jsonb, 'a pull from 0 returns the shop''s changes in seq order');
SELECT is(api.sync_pull(0)->'cursor', '7', 'cursor is the last seq returned');
SELECT is(api.sync_pull(0)->'has_more', 'false', 'has_more is false at the end');
SELECT is(api.sync_pull(0, 3)->'cursor', '3', 'lim bounds the page');
SELECT is(api.sync_pull(0, 3)->'has_more', 'true', 'has_more says another page waits');
SELECT is(api.sync_pull(3, 3)->'changes'->0->'seq', '4', 'the next page starts after the cursor');
SELECT is(api.sync_pull(7)->'changes', '[]', 'a pull at the head returns no changes');
SELECT is(api.sync_pull(7)->'cursor', '7', 'and keeps the cursor');
SELECT is((SELECT c->>'op' FROM jsonb_array_elements(api.sync_pull(0)->'changes') c WHERE (c->>'seq')::int = 7),
          'delete', 'the tombstone is pulled as op delete');
SELECT ok((SELECT (c->'payload'->>'deleted_at') IS NOT NULL FROM jsonb_array_elements(api.sync_pull(6)->'changes') c),
          'the tombstone carries deleted_at');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(api.sync_pull(0)->'changes'->0) k),
          ARRAY['changed_at', 'entity', 'entity_id', 'op', 'payload', 'seq', 'version'], 'a change has exactly the documented fields');
SELECT is((SELECT count(*) FROM jsonb_array_elements(api.sync_pull(0)->'changes') c
            WHERE c->>'entity_id' = pg_temp.uid('c', 9)::text), 0::bigint, 'shop B''s change is never pulled by shop A');
SELECT throws_ok($$SELECT api.sync_pull(8)$$, 'PT410', 'cursor_expired', 'a cursor ahead of the log is cursor_expired');
SELECT throws_ok($$SELECT api.sync_pull(-1)$$, '22023', NULL, 'a negative cursor is refused');
SELECT throws_ok($$SELECT api.sync_pull(NULL)$$, '22023', NULL, 'a null cursor is refused');
SELECT throws_ok($$SELECT api.sync_pull(0, 0)$$, '22023', NULL, 'lim 0 is refused');
SELECT is(jsonb_array_length(api.sync_pull(0, 1000000)->'changes'), 7, 'a huge lim is capped, not an error');

-- snapshot
SELECT is((SELECT jsonb_agg(r->>'name' ORDER BY r->>'id') FROM jsonb_array_elements(api.sync_snapshot('customers')::jsonb->'rows') r),
          '["Customer 1", "Customer 2", "Customer 3", "Customer 4", "Customer 5"]', 'a snapshot returns the shop''s rows, tombstones included');
SELECT is(api.sync_snapshot('customers', NULL, 2)::jsonb->'next_after', to_jsonb(pg_temp.uid('c', 2)), 'a snapshot page says where to continue');
SELECT is((SELECT jsonb_agg(r->'id') FROM jsonb_array_elements(api.sync_snapshot('customers', pg_temp.uid('c', 2), 2)::jsonb->'rows') r),
          jsonb_build_array(pg_temp.uid('c', 3), pg_temp.uid('c', 4)), 'the next page continues after it');
SELECT is(api.sync_snapshot('customers')::jsonb->'cursor', '7', 'a snapshot carries the cursor to pull from');
SELECT throws_ok($$SELECT api.sync_snapshot('change_log')$$, '22023', NULL, 'a snapshot of a non-entity is refused');

-- health
SELECT is(api.sync_health() - 'server_time' - 'rules' - 'protocol_version' - 'min_client_protocol' - 'restore_epoch' - 'generated_columns', jsonb_build_object('version', (SELECT extversion FROM pg_extension WHERE extname = 'shopsync'), 'shop_id', 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa',
    'user_id', 'a3a3a3a3-0000-0000-0000-000000000003', 'role', 'viewer', 'latest_seq', 7,
    'entities', '["customers", "order_items", "orders", "shop_settings"]'::jsonb), 'health tells version, shop, role, latest seq');
SELECT pg_temp.act_as('owner_b');
SELECT is(api.sync_health()->'latest_seq', '1', 'health of shop B counts only shop B');
SELECT pg_temp.act_as('outsider');
SELECT throws_ok($$SELECT api.sync_pull(0)$$, '42501', NULL, 'a non-member cannot pull');

SELECT * FROM finish();
ROLLBACK;
