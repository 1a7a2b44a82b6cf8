-- 18_protocol.sql — the protocol handshake: sync_health states the protocol
-- spoken, the oldest client served and every entity's rules; a push or pull
-- from a client older than that gets 0A000 telling it to update, never data.
BEGIN;
SELECT plan(14);
\ir fixtures.sql

SELECT pg_temp.act_as('staff_a');
SELECT is(api.sync_health()->'protocol_version', '3', 'health states protocol 3');
SELECT is(api.sync_health()->'min_client_protocol', '1', 'and serves clients from protocol 1');
SELECT is(api.sync_health()->>'role', 'staff', 'and the caller''s role');
SELECT is(api.sync_health()->'rules'->'orders',
    '{"write_roles": ["owner", "staff"], "delete_roles": ["owner"], "parents": [],
      "status": {"column": "status", "override_roles": ["owner"], "transitions": {
        "pending": ["confirmed", "shipping", "delivered", "cancelled"], "confirmed": ["shipping", "delivered", "cancelled"],
        "shipping": ["delivered"], "delivered": [], "cancelled": []}}}'::jsonb,
    'health serves the orders rules: delete roles, status lifecycle with override roles');
SELECT is(api.sync_health()->'rules'->'order_items',
    '{"write_roles": ["owner", "staff"], "delete_roles": ["owner", "staff"], "status": null,
      "parents": [{"entity": "orders", "column": "order_id"}]}'::jsonb,
    'and the order_items rules: a parent link, no lifecycle');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(api.sync_health()->'rules') k),
    ARRAY['customers', 'order_items', 'orders', 'shop_settings'], 'rules for every entity');

SELECT is(pg_temp.outcome(api.sync_push(jsonb_build_object('device_id', 'd', 'protocol', 2, 'events',
    jsonb_build_array(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "x"}')))))->>'status',
    'accepted', 'a protocol 2 push is served');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "y"}')))->>'status',
    'accepted', 'a push without protocol is protocol 1, served');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "protocol": "2", "events": []}')$$, '22023',
    'protocol must be a positive integer', 'a protocol that is not an integer is refused');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "protocol": 0, "events": []}')$$, '22023',
    'protocol must be a positive integer', 'protocol 0 is refused');

-- The operator raises the floor: protocol 1 clients are told to update.
SELECT pg_temp.act_as_admin();
SET LOCAL shopsync.min_client_protocol = 2;
SELECT pg_temp.act_as('staff_a');
SELECT throws_ok($$SELECT pg_temp.push(pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "z"}'))$$,
    '0A000', 'client protocol 1 is no longer served', 'a protocol 1 push is refused with 0A000');
SELECT throws_ok($$SELECT api.sync_pull(0)$$, '0A000', 'client protocol 1 is no longer served',
    'a pull without protocol is refused the same way');
SELECT lives_ok($$SELECT api.sync_pull(0, 10, 2)$$, 'a protocol 2 pull is served');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 3)), 0::bigint, 'the refused push applied nothing');

SELECT * FROM finish();
ROLLBACK;
