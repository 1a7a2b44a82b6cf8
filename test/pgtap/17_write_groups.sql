-- 17_write_groups.sql — events sharing a group_id apply all or nothing: the
-- culprit reports its own outcome, every other event of the group is
-- rejected group_failed with the culprit's key and reason as cause, nothing
-- of the group is applied or logged, other events of the batch are not held
-- back, and a replay returns the same outcomes.
BEGIN;
SELECT plan(16);
\ir fixtures.sql

CREATE FUNCTION pg_temp.gev(key int, entity text, id uuid, op text, base int, payload jsonb DEFAULT NULL, grp int DEFAULT 1)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT pg_temp.ev(key, entity, id, op, base, payload) || jsonb_build_object('group_id', pg_temp.uid('a', grp))
$$;
CREATE TEMP TABLE r (n int PRIMARY KEY, body jsonb);
GRANT ALL ON r TO PUBLIC;

SELECT pg_temp.act_as('staff_a');
SELECT pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "Ada", "customer_code": "K-1"}'));
-- group 1: an order, its item, and a customer whose code is taken (refused second-to-last)
INSERT INTO r SELECT 1, pg_temp.push(
    pg_temp.gev(10, 'orders', pg_temp.uid('d', 1), 'create', 0, '{"order_code": "O-1"}'),
    pg_temp.gev(11, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bea", "customer_code": "K-1"}'),
    pg_temp.gev(12, 'order_items', pg_temp.uid('f', 1), 'create', 0,
                jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'Tea', 'quantity', 1, 'unit_price', 2)),
    pg_temp.ev(13, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "Cy"}'));
SELECT is((SELECT body->'rejected' FROM r WHERE n = 1) @> jsonb_build_array(jsonb_build_object(
        'idempotency_key', pg_temp.uid('e', 11), 'reason', 'duplicate_code')), true,
    'the culprit reports its own reason');
SELECT is((SELECT count(*) FROM r, jsonb_array_elements(body->'rejected') e WHERE n = 1 AND e->>'reason' = 'group_failed'
            AND e->'cause' = jsonb_build_object('idempotency_key', pg_temp.uid('e', 11), 'reason', 'duplicate_code')),
    2::bigint, 'every other event of the group is group_failed with the culprit''s key and reason as cause');
SELECT is((SELECT count(*) FROM shopsync.orders WHERE id = pg_temp.uid('d', 1))
        + (SELECT count(*) FROM shopsync.order_items WHERE id = pg_temp.uid('f', 1))
        + (SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)), 0::bigint,
    'nothing of the group is applied, also what came before the culprit');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE entity_id IN (pg_temp.uid('d', 1), pg_temp.uid('f', 1), pg_temp.uid('c', 2))),
    0::bigint, 'nor logged');
SELECT is((SELECT body->'accepted'->0->>'idempotency_key' FROM r WHERE n = 1), pg_temp.uid('e', 13)::text,
    'an ungrouped event of the same batch is applied');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 2::bigint,
    'the log holds the two applied creates only, gapless');

-- replay: the same outcomes, marked replayed, nothing applied
INSERT INTO r SELECT 2, pg_temp.push(
    pg_temp.gev(10, 'orders', pg_temp.uid('d', 1), 'create', 0, '{"order_code": "O-1"}'),
    pg_temp.gev(11, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bea", "customer_code": "K-1"}'),
    pg_temp.gev(12, 'order_items', pg_temp.uid('f', 1), 'create', 0,
                jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'Tea', 'quantity', 1, 'unit_price', 2)),
    pg_temp.ev(13, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "Cy"}'));
SELECT is((SELECT jsonb_agg(e - 'replayed' ORDER BY e->>'idempotency_key') FROM r, jsonb_array_elements(body->'rejected') e WHERE n = 2),
          (SELECT jsonb_agg(e - 'replayed' ORDER BY e->>'idempotency_key') FROM r, jsonb_array_elements(body->'rejected') e WHERE n = 1),
    'a replay returns the same rejections, causes included');
SELECT is((SELECT bool_and((e->>'replayed')::bool) FROM r, jsonb_array_elements(body->'rejected') e WHERE n = 2), true,
    'marked replayed');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 2::bigint,
    'and applies nothing');

-- a conflict fails the group too; its cause is "conflict"
INSERT INTO r SELECT 3, pg_temp.push(
    pg_temp.gev(20, 'customers', pg_temp.uid('c', 1), 'update', 7, '{"name": "stale"}', 2),
    pg_temp.gev(21, 'customers', pg_temp.uid('c', 4), 'create', 0, '{"name": "Di"}', 2));
SELECT is((SELECT body->'conflicts'->0->>'idempotency_key' FROM r WHERE n = 3), pg_temp.uid('e', 20)::text,
    'a conflicting member reports its conflict');
SELECT is((SELECT body->'rejected'->0->'cause' FROM r WHERE n = 3),
    jsonb_build_object('idempotency_key', pg_temp.uid('e', 20), 'reason', 'conflict'), 'the others name it with reason conflict');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 4)), 0::bigint, 'and are not applied');

-- a malformed member fails its group before anything applies
INSERT INTO r SELECT 4, pg_temp.push(
    pg_temp.gev(30, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name": "Ed"}', 3),
    pg_temp.gev(31, 'customers', pg_temp.uid('c', 6), 'create', 5, '{"name": "Flo"}', 3));
SELECT is((SELECT body->'rejected' @> jsonb_build_array(jsonb_build_object('idempotency_key', pg_temp.uid('e', 30), 'reason', 'group_failed',
        'cause', jsonb_build_object('idempotency_key', pg_temp.uid('e', 31), 'reason', 'invalid_event'))) FROM r WHERE n = 4), true,
    'a malformed member fails the group (cause invalid_event)');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 5)), 0::bigint, 'nothing of it is applied');

-- a group that succeeds applies every event, parents first
INSERT INTO r SELECT 5, pg_temp.push(
    pg_temp.gev(40, 'order_items', pg_temp.uid('f', 7), 'create', 0,
                jsonb_build_object('order_id', pg_temp.uid('d', 7), 'product_name', 'Tea', 'quantity', 1, 'unit_price', 2), 4),
    pg_temp.gev(41, 'orders', pg_temp.uid('d', 7), 'create', 0, '{"order_code": "O-7"}', 4));
SELECT is((SELECT jsonb_array_length(body->'accepted') FROM r WHERE n = 5), 2, 'a clean group is accepted whole');
SELECT ok((SELECT min(seq) FILTER (WHERE entity = 'orders') < min(seq) FILTER (WHERE entity = 'order_items')
             FROM shopsync.change_log WHERE entity_id IN (pg_temp.uid('d', 7), pg_temp.uid('f', 7))),
    'its order is written (and logged) before its item');

SELECT * FROM finish();
ROLLBACK;
