-- 02_triggers.sql — the C++ triggers on a plain SQL writer (an admin in psql):
-- version and updated_at stamping, server-owned columns, tombstones, change_log.
BEGIN;
SELECT plan(32);
\ir fixtures.sql

-- Insert: version 1, server clock.
INSERT INTO shopsync.customers (id, shop_id, name, customer_code, version, updated_at)
VALUES (pg_temp.uid('c', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Ann', 'C-1', 42, '2000-01-01');
SELECT is(version, 1::bigint, 'insert stamps version 1 whatever the writer gave')
  FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);
SELECT is(updated_at, now(), 'insert stamps updated_at from the server clock')
  FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);

-- Update: +1, server clock, writer's version ignored.
UPDATE shopsync.customers SET name = 'Anna', version = 99, updated_at = '1999-01-01' WHERE id = pg_temp.uid('c', 1);
SELECT is(version, 2::bigint, 'update bumps version by one, ignoring the given value')
  FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);
SELECT is(updated_at, now(), 'update restamps updated_at')
  FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);
UPDATE shopsync.customers SET phone = '555' WHERE id = pg_temp.uid('c', 1);
SELECT is(version, 3::bigint, 'every update bumps again')
  FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);

-- Server-owned identity columns cannot change.
SELECT throws_ok($$UPDATE shopsync.customers SET id = gen_random_uuid() WHERE id = pg_temp.uid('c', 1)$$,
    '428C9', NULL, 'changing id is refused with 428C9');
SELECT throws_ok($$UPDATE shopsync.customers SET shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb' WHERE id = pg_temp.uid('c', 1)$$,
    '428C9', NULL, 'moving a row to another shop is refused with 428C9');
SELECT throws_ok($$INSERT INTO shopsync.customers (shop_id, name, deleted_at)
                   VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Ghost', now())$$,
    '428C9', NULL, 'inserting an already deleted row is refused');
SELECT throws_ok($$INSERT INTO shopsync.customers (name) VALUES ('No shop')$$,
    '23502', NULL, 'an admin insert without shop_id and without a claim is refused');

-- change_log: post-images, per-shop gapless seq, op.
SELECT results_eq(
    $$SELECT seq, op, version, payload->>'name' FROM shopsync.change_log
      WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' ORDER BY seq$$,
    $$VALUES (1::bigint, 'create', 1::bigint, 'Ann'), (2, 'update', 2, 'Anna'), (3, 'update', 3, 'Anna')$$,
    'every write is logged with op, version and the post-image, seq 1, 2, 3');
SELECT is((SELECT payload FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' AND seq = 3),
          (SELECT to_jsonb(c) FROM shopsync.customers c WHERE id = pg_temp.uid('c', 1)),
          'the payload is the full post-image of the row');
SELECT is((SELECT changed_at FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' AND seq = 3),
          now(), 'changed_at is the server clock');
SELECT is((SELECT device_id FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' AND seq = 3),
          NULL, 'an admin write has no device');

INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 2), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'Bea');
SELECT is((SELECT seq FROM shopsync.change_log WHERE entity_id = pg_temp.uid('c', 2)), 1::bigint,
          'seq is per shop: shop B starts at 1');
SELECT is((SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 3::bigint,
          'the shop cursor holds the last drawn seq');

-- Delete becomes a tombstone.
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), 1::bigint,
          'DELETE keeps the row');
SELECT is((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), now(),
          'DELETE sets deleted_at from the server clock');
SELECT is((SELECT version FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), 4::bigint,
          'DELETE bumps the version');
SELECT results_eq(
    $$SELECT op, version, (payload->>'deleted_at') IS NOT NULL FROM shopsync.change_log
      WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' AND seq = 4$$,
    $$VALUES ('delete', 4::bigint, true)$$,
    'the tombstone reaches change_log as op delete with deleted_at in the payload');
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 1);
SELECT is((SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 4::bigint,
          'deleting a tombstone again changes nothing and logs nothing');
UPDATE shopsync.customers SET deleted_at = '2001-01-01' WHERE id = pg_temp.uid('c', 1);
SELECT is((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), now(),
          'a writer cannot back-date a tombstone');
UPDATE shopsync.customers SET deleted_at = NULL WHERE id = pg_temp.uid('c', 1);
SELECT is((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), NULL,
          'clearing deleted_at restores the row');
SELECT is((SELECT op FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' ORDER BY seq DESC LIMIT 1),
          'update', 'a restore is logged as an update');

-- A unique display code only among live rows.
INSERT INTO shopsync.customers (shop_id, name, customer_code) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Cy', 'C-9');
SELECT throws_ok($$INSERT INTO shopsync.customers (shop_id, name, customer_code)
                   VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Dup', 'C-9')$$,
    '23505', NULL, 'display codes are unique per shop among live rows');
SELECT lives_ok($$INSERT INTO shopsync.customers (shop_id, name, customer_code)
                  VALUES ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'Other shop', 'C-9')$$,
    'another shop may use the same code');
DELETE FROM shopsync.customers WHERE customer_code = 'C-9' AND shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
SELECT lives_ok($$INSERT INTO shopsync.customers (shop_id, name, customer_code)
                  VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Reuse', 'C-9')$$,
    'a deleted row frees its code');

-- Foreign keys stay inside one shop.
SELECT throws_ok($$INSERT INTO shopsync.orders (shop_id, order_code, customer_id)
                   VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-X', pg_temp.uid('c', 2))$$,
    '23503', NULL, 'an order cannot refer to another shop''s customer');

-- Generated line totals.
INSERT INTO shopsync.orders (id, shop_id, order_code) VALUES (pg_temp.uid('d', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-1');
INSERT INTO shopsync.order_items (id, shop_id, order_id, product_name, quantity, unit_price)
VALUES (pg_temp.uid('f', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('d', 1), 'Tea', 3, 2.50);
SELECT is((SELECT (payload->>'line_total')::numeric FROM shopsync.change_log WHERE entity_id = pg_temp.uid('f', 1)),
          7.50, 'generated columns are in the logged post-image');

-- TRUNCATE would drop rows without tombstones.
SELECT throws_ok($$TRUNCATE shopsync.order_items$$, '0A000', NULL, 'TRUNCATE of a synced table is refused');

-- Claims fill and guard shop_id for a client-side writer.
SELECT pg_temp.act_as('owner_a');
SELECT is(shopsync.current_shop_id(), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'::uuid, 'current_shop_id reads the claim');
SELECT is(shopsync.current_user_id(), 'a1a1a1a1-0000-0000-0000-000000000001'::uuid, 'current_user_id reads sub');
SELECT pg_temp.act_as_admin();
SELECT is(shopsync.current_shop_id(), NULL, 'no claims, no shop');

SELECT * FROM finish();
ROLLBACK;
