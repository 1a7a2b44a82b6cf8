-- 15_parents.sql — the live-parent rule and the tombstone cascade, from the
-- entities' parent links: a child is written only under a live parent of
-- the same shop; a parent's tombstone reaches its children; in one batch,
-- ungrouped events apply in array order (a child before its parent is
-- refused), while a write group applies parents first.
BEGIN;
SELECT plan(13);
\ir fixtures.sql

SELECT pg_temp.act_as('staff_a');
SELECT pg_temp.push(pg_temp.ev(1, 'orders', pg_temp.uid('d', 1), 'create', 0, '{"order_code": "O-1"}'),
                    pg_temp.ev(2, 'order_items', pg_temp.uid('f', 1), 'create', 0,
                               jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'Tea', 'quantity', 1, 'unit_price', 2)));
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(3, 'orders', pg_temp.uid('d', 1), 'delete', 1)))->>'status', 'accepted', 'the owner deletes the order');
SELECT is((SELECT deleted_at IS NOT NULL FROM shopsync.order_items WHERE id = pg_temp.uid('f', 1)), true,
    'its item became a tombstone with it');
SELECT is((SELECT op FROM shopsync.change_log WHERE entity_id = pg_temp.uid('f', 1) ORDER BY seq DESC LIMIT 1), 'delete',
    'and the item''s tombstone is in the log');

SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(4, 'order_items', pg_temp.uid('f', 2), 'create', 0,
        jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'Jam', 'quantity', 1, 'unit_price', 2))))->>'reason',
    'parent_deleted', 'an item cannot be created under a deleted order');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(5, 'order_items', pg_temp.uid('f', 1), 'update', 2, '{"deleted_at": null}')))->>'reason',
    'parent_deleted', 'nor restored under it');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(6, 'order_items', pg_temp.uid('f', 3), 'create', 0,
        jsonb_build_object('order_id', pg_temp.uid('d', 9), 'product_name', 'Jam', 'quantity', 1, 'unit_price', 2))))->>'reason',
    'parent_not_found', 'nor under an order that does not exist in this shop');
SELECT pg_temp.act_as('owner_a');
SELECT pg_temp.push(pg_temp.ev(7, 'orders', pg_temp.uid('d', 2), 'create', 0, '{"order_code": "O-2"}'));
SELECT pg_temp.act_as('owner_b');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(8, 'order_items', pg_temp.uid('f', 4), 'create', 0,
        jsonb_build_object('order_id', pg_temp.uid('d', 2), 'product_name', 'Jam', 'quantity', 1, 'unit_price', 2))))->>'reason',
    'parent_not_found', 'nor under another shop''s order');

-- Order within a batch: ungrouped events apply in array order.
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.push(pg_temp.ev(10, 'order_items', pg_temp.uid('f', 5), 'create', 0,
                               jsonb_build_object('order_id', pg_temp.uid('d', 5), 'product_name', 'Tea', 'quantity', 1, 'unit_price', 2)),
                       pg_temp.ev(11, 'orders', pg_temp.uid('d', 5), 'create', 0, '{"order_code": "O-5"}'))->'rejected'->0->>'reason',
    'parent_not_found', 'ungrouped, an item listed before its order is refused (array order)');
-- In a write group, parents go first whatever the array order.
SELECT is(jsonb_array_length(pg_temp.push(
    pg_temp.ev(12, 'order_items', pg_temp.uid('f', 6), 'create', 0,
               jsonb_build_object('order_id', pg_temp.uid('d', 6), 'product_name', 'Tea', 'quantity', 1, 'unit_price', 2))
        || jsonb_build_object('group_id', pg_temp.uid('a', 1)),
    pg_temp.ev(13, 'orders', pg_temp.uid('d', 6), 'create', 0, '{"order_code": "O-6"}')
        || jsonb_build_object('group_id', pg_temp.uid('a', 1)))->'accepted'), 2,
    'grouped, the item listed before its order is applied after it');
SELECT is((SELECT count(*) FROM shopsync.order_items WHERE id = pg_temp.uid('f', 6) AND deleted_at IS NULL), 1::bigint,
    'and the item is there');
-- a live child of a live parent may be edited
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(14, 'order_items', pg_temp.uid('f', 6), 'update', 1, '{"quantity": 3}')))->>'status',
    'accepted', 'an item of a live order is edited as before');

-- Retention never drops a live child silently: an item an admin wrote under
-- an old tombstone becomes a logged tombstone before the order goes.
SELECT pg_temp.act_as_admin();
INSERT INTO shopsync.orders (id, shop_id, order_code) VALUES (pg_temp.uid('d', 8), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-8');
DELETE FROM shopsync.orders WHERE id = pg_temp.uid('d', 8);
INSERT INTO shopsync.order_items (id, shop_id, order_id, product_name, quantity, unit_price)
VALUES (pg_temp.uid('f', 8), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('d', 8), 'Stray', 1, 1);
SELECT shopsync.purge(interval '0 seconds', interval '1000 days', interval '1000 days');
SELECT is((SELECT count(*) FROM shopsync.orders WHERE id = pg_temp.uid('d', 8)), 0::bigint, 'the old order tombstone is purged');
SELECT is((SELECT op FROM shopsync.change_log WHERE entity_id = pg_temp.uid('f', 8) ORDER BY seq DESC LIMIT 1), 'delete',
    'its live item was logged as deleted before it went with the order');

SELECT * FROM finish();
ROLLBACK;
