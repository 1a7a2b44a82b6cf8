-- 07_bad_input.sql — bad input gets a clear error or reason and changes
-- nothing (invariant 8). Envelope problems raise; event problems reject.
BEGIN;
SELECT plan(59);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Ann');
INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 2), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'Bea');
INSERT INTO shopsync.orders (id, shop_id, order_code) VALUES (pg_temp.uid('d', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-1');
CREATE TEMP TABLE state_before ON COMMIT DROP AS
    SELECT (SELECT count(*) FROM shopsync.change_log) AS log_rows,
           (SELECT jsonb_agg(to_jsonb(c) ORDER BY id) FROM shopsync.customers c) AS customers,
           (SELECT jsonb_agg(to_jsonb(o) ORDER BY id) FROM shopsync.orders o) AS orders;

-- Each case: one event, the reason it must be rejected with.
CREATE TEMP TABLE bad_events (n serial, what text, event jsonb, reason text) ON COMMIT DROP;
INSERT INTO bad_events (what, event, reason) VALUES
 ('an event that is not an object', '"hello"', 'invalid_event'),
 ('a missing idempotency_key', pg_temp.ev(1, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}') - 'idempotency_key', 'invalid_event'),
 ('an idempotency_key that is not a uuid', pg_temp.ev(1, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}') || '{"idempotency_key":"k-1"}', 'invalid_event'),
 ('an unknown event field', pg_temp.ev(2, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}') || '{"shop_id":"bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}', 'invalid_event'),
 ('a missing entity', pg_temp.ev(3, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}') - 'entity', 'invalid_event'),
 ('an entity that is a number', pg_temp.ev(4, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}') || '{"entity": 7}', 'invalid_event'),
 ('an unknown entity', pg_temp.ev(5, 'invoices', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}'), 'unknown_entity'),
 ('an internal table as entity', pg_temp.ev(6, 'change_log', pg_temp.uid('c', 5), 'create', 0, '{"seq": 1}'), 'unknown_entity'),
 ('SQL injection in entity', pg_temp.ev(7, 'customers; DROP TABLE shopsync.orders; --', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}'), 'unknown_entity'),
 ('a malformed entity_id', pg_temp.ev(8, 'customers', NULL, 'create', 0, '{"name":"x"}') || '{"entity_id":"12345"}', 'invalid_id'),
 ('a missing entity_id', pg_temp.ev(9, 'customers', NULL, 'create', 0, '{"name":"x"}'), 'invalid_id'),
 ('an unknown op', pg_temp.ev(10, 'customers', pg_temp.uid('c', 5), 'upsert', 0, '{"name":"x"}'), 'invalid_event'),
 ('a missing base_version', pg_temp.ev(11, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x"}') - 'base_version', 'invalid_event'),
 ('a negative base_version', pg_temp.ev(12, 'customers', pg_temp.uid('c', 1), 'update', -1, '{"name":"x"}'), 'invalid_event'),
 ('a fractional base_version', pg_temp.ev(13, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name":"x"}') || '{"base_version": 1.5}', 'invalid_event'),
 ('a base_version given as a string', pg_temp.ev(14, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name":"x"}') || '{"base_version": "1"}', 'invalid_event'),
 ('a create with a base_version', pg_temp.ev(15, 'customers', pg_temp.uid('c', 5), 'create', 1, '{"name":"x"}'), 'invalid_event'),
 ('an update with base_version 0', pg_temp.ev(16, 'customers', pg_temp.uid('c', 1), 'update', 0, '{"name":"x"}'), 'invalid_event'),
 ('a payload that is an array', pg_temp.ev(17, 'customers', pg_temp.uid('c', 5), 'create', 0, '["x"]'), 'invalid_event'),
 ('a create without payload', pg_temp.ev(18, 'customers', pg_temp.uid('c', 5), 'create', 0), 'invalid_event'),
 ('an update with an empty payload', pg_temp.ev(19, 'customers', pg_temp.uid('c', 1), 'update', 1, '{}'), 'invalid_event'),
 ('an override that is not a boolean', pg_temp.ev(20, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"status":"pending"}') || '{"override": "yes"}', 'invalid_event'),
 ('an unknown column', pg_temp.ev(21, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x","vip":true}'), 'unknown_column'),
 ('SQL injection in a column name', pg_temp.ev(22, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name\"; DROP TABLE shopsync.orders; --":"x"}'), 'unknown_column'),
 ('a payload naming another shop', pg_temp.ev(23, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x","shop_id":"bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}'), 'server_owned_column'),
 ('a payload setting id', pg_temp.ev(24, 'customers', pg_temp.uid('c', 1), 'update', 1, jsonb_build_object('id', pg_temp.uid('c', 7))), 'server_owned_column'),
 ('a payload setting version', pg_temp.ev(25, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"version": 100}'), 'server_owned_column'),
 ('a payload setting updated_at', pg_temp.ev(26, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"updated_at": "2030-01-01T00:00:00Z"}'), 'server_owned_column'),
 ('a payload setting deleted_at on create', pg_temp.ev(27, 'customers', pg_temp.uid('c', 5), 'create', 0, '{"name":"x","deleted_at":null}'), 'server_owned_column'),
 ('a payload setting a generated column', pg_temp.ev(28, 'order_items', pg_temp.uid('f', 5), 'create', 0, jsonb_build_object('order_id', pg_temp.uid('d', 1), 'product_name', 'x', 'quantity', 1, 'unit_price', 1, 'line_total', 1000)), 'server_owned_column'),
 ('a string where a number belongs', pg_temp.ev(29, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"total":"12.50"}'), 'invalid_type'),
 ('a number where a string belongs', pg_temp.ev(30, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": 5}'), 'invalid_type'),
 ('a boolean where a number belongs', pg_temp.ev(31, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"total": true}'), 'invalid_type'),
 ('an object where a string belongs', pg_temp.ev(32, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": {"first": "A"}}'), 'invalid_type'),
 ('null for a required column', pg_temp.ev(33, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": null}'), 'invalid_value'),
 ('an oversized field', pg_temp.ev(34, 'customers', pg_temp.uid('c', 1), 'update', 1, jsonb_build_object('notes', repeat('x', 20000))), 'value_too_long'),
 ('a value over the column''s limit', pg_temp.ev(35, 'customers', pg_temp.uid('c', 1), 'update', 1, jsonb_build_object('name', repeat('x', 300))), 'constraint_violation'),
 ('a malformed uuid in a reference', pg_temp.ev(36, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"customer_id": "nope"}'), 'invalid_value'),
 ('a malformed timestamp', pg_temp.ev(37, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"ordered_at": "the day before yesterday"}'), 'invalid_value'),
 ('a number too large for its column', pg_temp.ev(38, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"total": 1e20}'), 'invalid_value'),
 ('a negative amount', pg_temp.ev(39, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"total": -5}'), 'constraint_violation'),
 ('an unknown order status', pg_temp.ev(40, 'orders', pg_temp.uid('d', 5), 'create', 0, '{"order_code":"O-5","status":"teleported"}'), 'invalid_transition'),
 ('an override to an unknown status', pg_temp.ev(41, 'orders', pg_temp.uid('d', 1), 'update', 1, '{"status":"teleported"}') || '{"override": true}', 'invalid_transition'),
 ('a reference to another shop''s customer', pg_temp.ev(42, 'orders', pg_temp.uid('d', 1), 'update', 1, jsonb_build_object('customer_id', pg_temp.uid('c', 2))), 'foreign_key_violation'),
 ('a phone number given as a JSON number', pg_temp.ev(43, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"phone": 5551234}'), 'invalid_type');

GRANT SELECT ON bad_events TO PUBLIC;
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(event))->>'reason', reason, format('rejected: %s (%s)', what, reason))
  FROM bad_events ORDER BY n;

-- Envelope errors raise with a SQLSTATE and apply nothing.
SELECT throws_ok($$SELECT api.sync_push(NULL)$$, '22023', 'push body is required', 'a null body');
SELECT throws_ok($$SELECT api.sync_push('[]')$$, '22023', 'push body must be a JSON object', 'a body that is an array');
SELECT throws_ok($$SELECT api.sync_push('{"events": []}')$$, '22023', NULL, 'a missing device_id');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "has space", "events": []}')$$, '22023', NULL, 'a device_id with a space');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": 42, "events": []}')$$, '22023', NULL, 'a device_id that is a number');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "events": [], "shop_id": "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}')$$,
    '22023', 'unknown field "shop_id" in push body', 'an unknown envelope field');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "events": {"a": 1}}')$$, '22023', NULL, 'events that are not an array');
SELECT throws_ok($$SELECT api.sync_push(jsonb_build_object('device_id', 'd', 'events',
        (SELECT jsonb_agg(pg_temp.ev(1000 + i, 'customers', pg_temp.uid('c', 1000 + i), 'create', 0, '{"name":"x"}'))
           FROM generate_series(1, 101) i)))$$,
    'PT413', 'too many events in one push: 101, at most 100', 'a batch over the cap');
SELECT pg_temp.act_as('viewer_a');
SELECT throws_ok($$SELECT pg_temp.push(pg_temp.ev(50, 'customers', pg_temp.uid('c', 50), 'create', 0, '{"name":"x"}'))$$,
    '42501', 'viewers cannot push changes', 'a viewer cannot push');
SELECT pg_temp.act_as('outsider');
SELECT throws_ok($$SELECT pg_temp.push(pg_temp.ev(51, 'customers', pg_temp.uid('c', 51), 'create', 0, '{"name":"x"}'))$$,
    '42501', 'the caller is not a member of this shop', 'a user of no shop cannot push into one');
SELECT pg_temp.act_as_admin();
SET LOCAL ROLE authenticated;
SELECT throws_ok($$SELECT pg_temp.push(pg_temp.ev(52, 'customers', pg_temp.uid('c', 52), 'create', 0, '{"name":"x"}'))$$,
    '42501', 'no shop in the caller''s claims', 'a token without a shop cannot push');
RESET ROLE;

SELECT is((SELECT count(*) FROM shopsync.change_log), (SELECT log_rows FROM state_before), 'no bad input reached change_log');
SELECT is((SELECT jsonb_agg(to_jsonb(c) ORDER BY id) FROM shopsync.customers c), (SELECT customers FROM state_before),
    'no bad input changed a customer');
SELECT is((SELECT jsonb_agg(to_jsonb(o) ORDER BY id) FROM shopsync.orders o), (SELECT orders FROM state_before),
    'no bad input changed an order');

SELECT * FROM finish();
ROLLBACK;
