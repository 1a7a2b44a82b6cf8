-- 04_rls.sql — tenant isolation by RLS on every table (invariant 4).
BEGIN;
SELECT plan(24);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name) VALUES
    (pg_temp.uid('c', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'A customer'),
    (pg_temp.uid('c', 2), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B customer');
INSERT INTO shopsync.orders (id, shop_id, order_code) VALUES
    (pg_temp.uid('d', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'A-1'),
    (pg_temp.uid('d', 2), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B-1');
INSERT INTO shopsync.shop_settings (shop_id) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb');

SELECT pg_temp.act_as('owner_a');
SELECT results_eq($$SELECT name FROM shopsync.customers$$, $$VALUES ('A customer')$$, 'shop A sees only its customers');
SELECT results_eq($$SELECT order_code FROM shopsync.orders$$, $$VALUES ('A-1')$$, 'shop A sees only its orders');
SELECT is((SELECT count(*) FROM shopsync.shop_settings), 1::bigint, 'shop A sees only its settings');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE shop_id <> 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint,
    'shop A sees none of shop B''s change_log');
SELECT is((SELECT count(*) FROM shopsync.change_log), 3::bigint, 'shop A sees its own change_log');
SELECT results_eq($$SELECT name FROM shopsync.shops$$, $$VALUES ('Shop A')$$, 'shop A sees only its shop');
SELECT is((SELECT count(*) FROM shopsync.shop_members WHERE shop_id <> 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint,
    'shop A sees no member of shop B');
SELECT is((SELECT count(*) FROM shopsync.shop_cursors), 1::bigint, 'shop A sees only its cursor');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)), 0::bigint,
    'even by id, shop B''s row is invisible');
SELECT throws_ok($$SELECT count(*) FROM shopsync.audit_log$$, '42501', NULL, 'clients do not read the audit log directly');
SELECT throws_ok($$SELECT count(*) FROM shopsync.idempotency_keys$$, '42501', NULL, 'clients do not read idempotency keys');

-- Clients have no direct write path at all.
SELECT throws_ok($$INSERT INTO shopsync.customers (shop_id, name) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'x')$$,
    '42501', NULL, 'a client cannot insert directly, even into its own shop');
SELECT throws_ok($$UPDATE shopsync.customers SET name = 'x'$$, '42501', NULL, 'a client cannot update directly');
SELECT throws_ok($$DELETE FROM shopsync.customers$$, '42501', NULL, 'a client cannot delete directly');
SELECT throws_ok($$INSERT INTO shopsync.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload)
                   VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 99, 'x', gen_random_uuid(), 'create', 1, now(), '{}')$$,
    '42501', NULL, 'a client cannot forge log entries');

SELECT pg_temp.act_as('owner_b');
SELECT results_eq($$SELECT name FROM shopsync.customers$$, $$VALUES ('B customer')$$, 'shop B sees only its customers');

-- A deployment that grants writes still cannot cross shops: RLS checks them.
SELECT pg_temp.act_as_admin();
CREATE ROLE shopsync_test_writer NOLOGIN;
GRANT authenticated TO shopsync_test_writer;
GRANT USAGE ON SCHEMA shopsync TO shopsync_test_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON shopsync.customers TO shopsync_test_writer;
GRANT UPDATE ON shopsync.customers TO shopsync_test_writer;
SELECT set_config('request.jwt.claims', '{"sub":"a1a1a1a1-0000-0000-0000-000000000001","shop_id":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"}', true);
SET LOCAL ROLE shopsync_test_writer;
SELECT throws_ok($$INSERT INTO shopsync.customers (shop_id, name) VALUES ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'intruder')$$,
    '42501', NULL, 'a writer of shop A cannot insert into shop B');
UPDATE shopsync.customers SET name = 'hijacked' WHERE id = pg_temp.uid('c', 2);
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 2);
INSERT INTO shopsync.customers (id, name) VALUES (pg_temp.uid('c', 3), 'filled shop');
SELECT is((SELECT shop_id FROM shopsync.customers WHERE id = pg_temp.uid('c', 3)), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'::uuid,
    'a client insert without shop_id gets the claim''s shop');
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);
SELECT isnt((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), NULL,
    'a permitted client DELETE becomes a tombstone too');
RESET ROLE;
SELECT results_eq($$SELECT name, deleted_at IS NULL FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)$$,
    $$VALUES ('B customer', true)$$, 'shop B''s row was neither updated nor deleted by shop A');

-- Claims as Supabase's access-token hook writes them, and bad claims.
SELECT set_config('request.jwt.claims', '{"sub":"b1b1b1b1-0000-0000-0000-000000000001","app_metadata":{"shop_id":"bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}}', true);
SELECT is(shopsync.current_shop_id(), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'::uuid, 'app_metadata.shop_id is read');
SELECT set_config('request.jwt.claims', '{"shop_id":"not-a-uuid"}', true);
SELECT throws_ok($$SELECT shopsync.current_shop_id()$$, '22P02', NULL, 'a malformed shop claim is an error, not "no shop"');
SELECT set_config('request.jwt.claims', '{"sub":"x"}', true);
SET LOCAL ROLE anon;
SELECT throws_ok($$SELECT count(*) FROM shopsync.customers$$, '42501', NULL, 'anon reads nothing');
RESET ROLE;
SELECT set_config('request.jwt.claims', '{"sub":"a1a1a1a1-0000-0000-0000-000000000001"}', true);
SET LOCAL ROLE authenticated;
SELECT is((SELECT count(*) FROM shopsync.customers), 0::bigint, 'a token without a shop sees no rows');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
