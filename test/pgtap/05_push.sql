-- 05_push.sql — api.sync_push outcomes, optimistic concurrency, tombstones,
-- roles, order status and the audit log (DESIGN §4).
BEGIN;
SELECT plan(47);
\ir fixtures.sql

SELECT pg_temp.act_as('staff_a');
-- accepted creates, version 1
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0,
    '{"name": "Ann", "customer_code": "C-1"}')))->>'status', 'accepted', 'a create is accepted');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'orders', pg_temp.uid('d', 1), 'create', 0,
    jsonb_build_object('order_code', 'O-1', 'customer_id', pg_temp.uid('c', 1), 'total', 25.5))))->>'version', '1',
    'an accepted create reports version 1');
SELECT is((SELECT total FROM shopsync.orders WHERE id = pg_temp.uid('d', 1)), 25.50, 'the pushed row is in the table');
SELECT is((SELECT shop_id FROM shopsync.orders WHERE id = pg_temp.uid('d', 1)), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'::uuid,
    'shop_id comes from the claims');
SELECT is((SELECT device_id FROM shopsync.change_log WHERE entity_id = pg_temp.uid('d', 1)), 'test-device',
    'change_log records the pushing device');

-- update with the right base_version
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(3, 'customers', pg_temp.uid('c', 1), 'update', 1,
    '{"phone": "555-1"}')))->>'version', '2', 'an update on the current version is accepted as version 2');
SELECT is((SELECT phone || '/' || name FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), '555-1/Ann',
    'an update changes only the columns it names');

-- stale base_version → conflict with the server record
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(4, 'customers', pg_temp.uid('c', 1), 'update', 1,
    '{"phone": "999"}')))->>'status', 'conflict', 'a stale base_version is a conflict');
SELECT is((SELECT phone FROM shopsync.customers WHERE id = pg_temp.uid('c', 1)), '555-1', 'a conflict changes nothing');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(5, 'customers', pg_temp.uid('c', 1), 'update', 1,
    '{"phone": "999"}')))->'server_record'->>'phone', '555-1', 'the conflict carries the server record');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(6, 'customers', pg_temp.uid('c', 1), 'update', 7,
    '{"phone": "999"}')))->>'server_version', '2', 'the conflict carries the server version (also for a future base)');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(7, 'customers', pg_temp.uid('c', 1), 'create', 0,
    '{"name": "Again"}')))->>'status', 'conflict', 'a create of an existing id is a conflict');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(8, 'customers', pg_temp.uid('c', 99), 'update', 1,
    '{"name": "Nobody"}')))->>'reason', 'not_found', 'an update of an unknown id is rejected not_found');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(9, 'customers', pg_temp.uid('c', 99), 'delete', 1)))->>'reason',
    'not_found', 'a delete of an unknown id is rejected not_found');

-- one batch, mixed outcomes: the bad ones do not stop the good ones
SELECT is(
    (SELECT jsonb_build_array(jsonb_array_length(r->'accepted'), jsonb_array_length(r->'conflicts'),
                              jsonb_array_length(r->'rejected'))
       FROM pg_temp.push(
            pg_temp.ev(10, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bo"}'),
            pg_temp.ev(11, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "stale"}'),
            pg_temp.ev(12, 'nonsense', pg_temp.uid('c', 3), 'create', 0, '{}'),
            pg_temp.ev(13, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "Cy"}')) AS r),
    '[2, 1, 1]'::jsonb, 'a batch reports each event once: 2 accepted, 1 conflict, 1 rejected');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id IN (pg_temp.uid('c', 2), pg_temp.uid('c', 3))), 2::bigint,
    'the accepted events of a mixed batch are applied');
CREATE TEMP TABLE last_push ON COMMIT DROP AS
    SELECT pg_temp.push(pg_temp.ev(14, 'customers', pg_temp.uid('c', 4), 'create', 0, '{"name": "Di"}')) AS response;
SELECT is((SELECT (response->>'server_seq')::bigint FROM last_push),
    (SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'),
    'server_seq is the shop''s latest seq');

-- a run of like events is one statement; when one of them breaks a
-- constraint, the others still land and only that one is rejected
SELECT is((SELECT jsonb_build_object('accepted', (SELECT jsonb_agg(e->>'entity_id' ORDER BY e->>'entity_id') FROM jsonb_array_elements(r->'accepted') e),
                                     'rejected', (SELECT jsonb_agg(e->>'reason') FROM jsonb_array_elements(r->'rejected') e))
             FROM pg_temp.push(
                pg_temp.ev(15, 'customers', pg_temp.uid('c', 11), 'create', 0, '{"name": "R1", "customer_code": "R-1"}'),
                pg_temp.ev(16, 'customers', pg_temp.uid('c', 12), 'create', 0, '{"name": "R2", "customer_code": "R-1"}'),
                pg_temp.ev(17, 'customers', pg_temp.uid('c', 13), 'create', 0, '{"name": "R3", "customer_code": "R-3"}')) r),
    jsonb_build_object('accepted', jsonb_build_array(pg_temp.uid('c', 11), pg_temp.uid('c', 13)), 'rejected', '["duplicate_code"]'::jsonb),
    'one bad row in a run of creates rejects only that event');
SELECT is((SELECT array_agg(version ORDER BY seq) FROM shopsync.change_log WHERE entity_id IN (pg_temp.uid('c', 11), pg_temp.uid('c', 12), pg_temp.uid('c', 13))),
    ARRAY[1, 1]::bigint[], 'and only the two accepted creates are logged');

-- creates and updates interleaved form two runs written together; when one
-- event breaks a constraint, the runs are written again one by one, and
-- again only that event is rejected
SELECT is((SELECT jsonb_build_object('accepted', (SELECT jsonb_agg(e->>'entity_id' ORDER BY e->>'entity_id') FROM jsonb_array_elements(r->'accepted') e),
                                     'rejected', (SELECT jsonb_agg(e->>'entity_id') FROM jsonb_array_elements(r->'rejected') e))
             FROM pg_temp.push(
                pg_temp.ev(18, 'customers', pg_temp.uid('c', 21), 'create', 0, '{"name": "I1", "customer_code": "I-1"}'),
                pg_temp.ev(19, 'customers', pg_temp.uid('c', 11), 'update', 1, '{"notes": "i"}'),
                pg_temp.ev(181, 'customers', pg_temp.uid('c', 22), 'create', 0, '{"name": "I2", "customer_code": "I-1"}'),
                pg_temp.ev(191, 'customers', pg_temp.uid('c', 13), 'update', 1, '{"notes": "i"}')) r),
    jsonb_build_object('accepted', jsonb_build_array(pg_temp.uid('c', 11), pg_temp.uid('c', 13), pg_temp.uid('c', 21)),
                       'rejected', jsonb_build_array(pg_temp.uid('c', 22))),
    'one bad row among interleaved creates and updates rejects only that event');
SELECT is((SELECT array_agg(entity_id::text || '/' || version ORDER BY entity_id) FROM shopsync.change_log
           WHERE entity_id IN (pg_temp.uid('c', 11), pg_temp.uid('c', 13), pg_temp.uid('c', 21), pg_temp.uid('c', 22))
             AND seq > (SELECT max(seq) - 3 FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')),
    ARRAY[pg_temp.uid('c', 11)::text || '/2', pg_temp.uid('c', 13)::text || '/2', pg_temp.uid('c', 21)::text || '/1'],
    'and the three accepted writes are the push''s log entries');

-- staff may not delete customers or orders; owner may
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(20, 'customers', pg_temp.uid('c', 2), 'delete', 1)))->>'reason',
    'forbidden', 'staff cannot delete a customer');
SELECT is((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)), NULL, 'the refused delete changed nothing');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(21, 'customers', pg_temp.uid('c', 2), 'delete', 1)))->>'version',
    '2', 'the owner deletes: version bumped');
SELECT pg_temp.act_as_admin();
SELECT isnt((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)), NULL, 'the delete is a tombstone, not a removal');
SELECT is((SELECT op FROM shopsync.change_log WHERE entity_id = pg_temp.uid('c', 2) ORDER BY seq DESC LIMIT 1), 'delete',
    'the tombstone reaches change_log');
SELECT results_eq($$SELECT action, user_id, device_id FROM shopsync.audit_log WHERE entity_id = pg_temp.uid('c', 2)$$,
    $$VALUES ('delete', 'a1a1a1a1-0000-0000-0000-000000000001'::uuid, 'test-device')$$,
    'the delete is audited with user and device');

-- edits of a tombstone; restore is the owner's
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(22, 'customers', pg_temp.uid('c', 2), 'update', 2, '{"name": "Zombie"}')))->>'reason',
    'deleted', 'editing a tombstone without restoring it is rejected');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(23, 'customers', pg_temp.uid('c', 2), 'update', 2, '{"deleted_at": null}')))->>'reason',
    'forbidden', 'staff cannot restore');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(24, 'customers', pg_temp.uid('c', 2), 'update', 1, '{"name": "old"}')))->>'status',
    'conflict', 'an offline edit of a row deleted meanwhile is a conflict (server wins: the tombstone)');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(25, 'customers', pg_temp.uid('c', 2), 'update', 2, '{"deleted_at": null}')))->>'version',
    '3', 'the owner restores');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(26, 'customers', pg_temp.uid('c', 2), 'update', 3, '{"deleted_at": "2020-01-01T00:00:00Z"}')))->>'reason',
    'server_owned_column', 'deleted_at can only be cleared, never set, through an update');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT deleted_at FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)), NULL, 'the restored row is live');
SELECT is((SELECT count(*) FROM shopsync.audit_log WHERE entity_id = pg_temp.uid('c', 2) AND action = 'restore'), 1::bigint,
    'the restore is audited');

-- order status moves only forward
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(30, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"status": "confirmed"}')))->>'version',
    '2', 'pending → confirmed');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(31, 'orders', pg_temp.uid('d', 1), 'update', 2, '{"status": "delivered"}')))->>'version',
    '3', 'confirmed → delivered (skipping ahead is forward)');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(32, 'orders', pg_temp.uid('d', 1), 'update', 3, '{"status": "pending"}')))->>'reason',
    'invalid_transition', 'delivered → pending is refused');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(33, 'orders', pg_temp.uid('d', 1), 'update', 3, '{"status": "cancelled"}')))->>'reason',
    'invalid_transition', 'a delivered order cannot be cancelled');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(34, 'orders', pg_temp.uid('d', 1), 'update', 3, '{"status": "pending"}')
    || '{"override": true}'))->>'reason', 'forbidden', 'staff cannot override');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(35, 'orders', pg_temp.uid('d', 1), 'update', 3, '{"status": "pending"}')
    || '{"override": true}'))->>'version', '4', 'the owner overrides explicitly');
SELECT pg_temp.act_as_admin();
SELECT results_eq($$SELECT action, detail FROM shopsync.audit_log WHERE entity_id = pg_temp.uid('d', 1)$$,
    $$VALUES ('status_override', '{"from": "delivered", "to": "pending"}'::jsonb)$$, 'the override is audited');

-- deleting an order tombstones its items; staff may delete items
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(40, 'order_items', pg_temp.uid('f', 1), 'create', 0,
    jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'Tea', 'quantity', 2, 'unit_price', 3))))->>'status',
    'accepted', 'an order item is created');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(41, 'order_items', pg_temp.uid('f', 2), 'create', 0,
    jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'Cup', 'quantity', 1, 'unit_price', 1))))->>'status',
    'accepted', 'a second item');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(42, 'order_items', pg_temp.uid('f', 2), 'delete', 1)))->>'status',
    'accepted', 'staff may remove a line item');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(43, 'orders', pg_temp.uid('d', 1), 'delete', 4)))->>'status',
    'accepted', 'the owner deletes the order');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT count(*) FROM shopsync.order_items WHERE order_id = pg_temp.uid('d', 1) AND deleted_at IS NULL), 0::bigint,
    'deleting an order tombstones its line items');

-- devices are recorded
SELECT results_eq($$SELECT device_id, push_count > 10, event_count >= push_count FROM shopsync.devices
                    WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'$$,
    $$VALUES ('test-device', true, true)$$, 'the pushing device is recorded with its counts');

SELECT * FROM finish();
ROLLBACK;
