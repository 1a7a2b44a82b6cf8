-- 10_api_isolation.sql — shop A's token reaches nothing of shop B through any
-- api function (invariant 4).
BEGIN;
SELECT plan(14);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name, customer_code) VALUES
    (pg_temp.uid('c', 1), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B secret', 'B-1'),
    (pg_temp.uid('c', 9), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B other', 'B-9');
INSERT INTO shopsync.orders (id, shop_id, order_code) VALUES
    (pg_temp.uid('d', 1), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B-O-1');
CREATE TEMP TABLE b_before ON COMMIT DROP AS
    SELECT (SELECT jsonb_agg(to_jsonb(c)) FROM shopsync.customers c WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb') AS customers,
           (SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb') AS log_rows;

SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "pwned"}')))->>'reason',
    'not_found', 'updating shop B''s row by id: not_found, as if it did not exist');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'customers', pg_temp.uid('c', 1), 'delete', 1)))->>'reason',
    'not_found', 'deleting shop B''s row: not_found');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(3, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"deleted_at": null}')))->>'reason',
    'not_found', 'restoring shop B''s row: not_found');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(4, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"status": "confirmed"}') || '{"override": true}'))->>'reason',
    'not_found', 'overriding shop B''s order: not_found');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(5, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "clone"}')))->>'server_record',
    NULL, 'creating with shop B''s id reveals no record of shop B');
SELECT unalike(pg_temp.outcome(pg_temp.push(pg_temp.ev(6, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "clone"}')))::text,
    '%B secret%', 'nor any of its data in the message');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(7, 'orders', pg_temp.uid('d', 5), 'create', 0,
    jsonb_build_object('order_code', 'A-1', 'customer_id', pg_temp.uid('c', 9)))))->>'reason',
    'foreign_key_violation', 'an order of shop A cannot point at shop B''s customer');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(8, 'customers', pg_temp.uid('c', 8), 'create', 0,
    '{"name": "x", "customer_code": "B-1"}')))->>'status', 'accepted', 'shop B''s display codes do not collide with shop A''s');
SELECT is((SELECT count(*) FROM jsonb_array_elements(api.sync_snapshot('customers')::jsonb->'rows') r
            WHERE r->>'shop_id' <> 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint, 'a snapshot holds only shop A''s rows');
SELECT is((SELECT count(*) FROM jsonb_array_elements(api.sync_pull(0)->'changes') c
            WHERE c->'payload'->>'shop_id' <> 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint, 'a pull holds only shop A''s changes');

-- A token naming shop B for a user who is not its member.
SELECT pg_temp.act_as_admin();
SELECT set_config('request.jwt.claims', '{"sub":"a1a1a1a1-0000-0000-0000-000000000001","shop_id":"bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}', true);
SET LOCAL ROLE authenticated;
SELECT throws_ok($$SELECT api.sync_pull(0)$$, '42501', NULL, 'a token for a shop the user is not a member of cannot pull');
SELECT throws_ok($$SELECT api.sync_health()$$, '42501', NULL, 'nor ask its health');
RESET ROLE;

SELECT is((SELECT jsonb_agg(to_jsonb(c)) FROM shopsync.customers c WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'),
    (SELECT customers FROM b_before), 'shop B''s rows are untouched');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'),
    (SELECT log_rows FROM b_before), 'shop B''s log is untouched');

SELECT * FROM finish();
ROLLBACK;
