-- 09_retention.sql — shopsync.purge(): tombstones, log and keys past their
-- windows go; pulls from before the horizon get cursor_expired.
BEGIN;
SELECT plan(23);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name)
SELECT pg_temp.uid('c', i), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Customer ' || i FROM generate_series(1, 3) i;
INSERT INTO shopsync.orders (id, shop_id, order_code, customer_id)
VALUES (pg_temp.uid('d', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-1', pg_temp.uid('c', 1));
DELETE FROM shopsync.customers WHERE id IN (pg_temp.uid('c', 1), pg_temp.uid('c', 2));   -- seq 5, 6
INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome, created_at)
VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('e', 1), 'h', '{}', now() - interval '8 days'),
       ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('e', 2), 'h', '{}', now());
-- The first four log entries are old.
UPDATE shopsync.change_log SET changed_at = now() - interval '100 days'
 WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' AND seq <= 4;

CREATE TEMP TABLE report AS SELECT shopsync.purge() AS r;
SELECT is((SELECT r - 'run_id' - 'shops' FROM report), '{"tombstones": {"customers": 0, "order_items": 0, "orders": 0, "shop_settings": 0},
    "tombstones_total": 0, "change_log": 4, "idempotency_keys": 1}'::jsonb,
    'with default windows, young tombstones stay; old log entries and keys go');
SELECT is((SELECT r->'shops' FROM report),
    '{"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa": {"change_log": 4, "idempotency_keys": 1}}'::jsonb,
    'the report says what went per shop (nothing for a shop that lost nothing)');
SELECT results_eq(
    $$SELECT shop_id, what, removed FROM shopsync.purge_removed WHERE run_id = (SELECT (r->>'run_id')::bigint FROM report)
      ORDER BY what$$,
    $$VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'::uuid, 'change_log', 4::bigint),
             ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'::uuid, 'idempotency_keys', 1::bigint)$$,
    'and keeps it per shop for a scheduled run, whose caller sees only a status line');
SELECT isnt((SELECT finished_at FROM shopsync.purge_runs WHERE id = (SELECT (r->>'run_id')::bigint FROM report)), NULL,
    'with the run''s start, end and windows');
SELECT is((SELECT purged_seq FROM shopsync.shop_cursors WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 4::bigint,
    'the horizon moves to the last purged seq');
SELECT is((SELECT min(seq) FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 5::bigint,
    'the log is cut as a prefix');

SELECT pg_temp.act_as('owner_a');
SELECT throws_ok($$SELECT api.sync_pull(3)$$, 'PT410', 'cursor_expired', 'a cursor behind the horizon is cursor_expired');
SELECT throws_ok($$SELECT api.sync_pull(0)$$, 'PT410', 'cursor_expired', 'a fresh device must start from a snapshot');
SELECT is(api.sync_pull(4)->'changes'->0->'seq', '5', 'a cursor at the horizon still pulls');
SELECT pg_temp.act_as_admin();

-- Tombstones past their window are removed for real, the FK nulls the order's customer.
CREATE TEMP TABLE report2 AS SELECT shopsync.purge(interval '0 seconds', interval '1000 days', interval '1000 days') AS r;
SELECT is((SELECT r->'tombstones'->'customers' FROM report2), '2', 'tombstones older than the window are removed');
SELECT is((SELECT r->'shops'->'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'->'customers' FROM report2), '2',
    'counted under their shop');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id IN (pg_temp.uid('c', 1), pg_temp.uid('c', 2))), 0::bigint,
    'the purged rows are gone');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 3)), 1::bigint, 'live rows stay');
SELECT is((SELECT customer_id FROM shopsync.orders WHERE id = pg_temp.uid('d', 1)), NULL,
    'an order of a purged customer loses the reference');
SELECT is((SELECT op FROM shopsync.change_log WHERE entity_id = pg_temp.uid('d', 1) ORDER BY seq DESC LIMIT 1), 'update',
    'and that change is logged for devices');

-- The purge flag does not outlive the purge.
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 3);
SELECT isnt((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 3)), NULL,
    'after a purge, DELETE makes tombstones again');
SELECT throws_ok($$TRUNCATE shopsync.customers$$, '0A000', NULL, 'and TRUNCATE is refused again');
SELECT throws_ok($$SET shopsync.purge_running = on$$, NULL, NULL, 'no setting lets a client switch the purge on');

-- A whole shop can be deleted for good; other shops keep everything.
INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 9), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B stays');
SELECT throws_ok($$DELETE FROM shopsync.shops WHERE id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'$$, NULL, NULL,
    'a plain DELETE of a shop with synced rows is refused');
SELECT lives_ok($$SELECT shopsync.delete_shop('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')$$, 'delete_shop removes a shop');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.idempotency_keys WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.shop_members WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.purge_removed WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint,
    'with its rows, log, keys, members and retention reports');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'), 1::bigint,
    'another shop keeps its log');
SELECT throws_ok($$SELECT shopsync.delete_shop('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')$$, 'P0002', NULL,
    'deleting an unknown shop is an error');

SELECT * FROM finish();
ROLLBACK;
