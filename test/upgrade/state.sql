-- test/upgrade/state.sql — the upgrade shop's data as text: rows of every
-- built-in entity, its change_log, its idempotency keys and outcomes, its
-- cursor and devices. Compared before and after ALTER EXTENSION UPDATE.
\set ON_ERROR_STOP 1
SELECT 'customers', to_jsonb(t) FROM shopsync.customers t WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY id;
SELECT 'orders', to_jsonb(t) FROM shopsync.orders t WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY id;
SELECT 'order_items', to_jsonb(t) FROM shopsync.order_items t WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY id;
SELECT 'change_log', seq, entity, entity_id, op, version, payload, device_id FROM shopsync.change_log
 WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY seq;
SELECT 'key', key, request_hash, outcome FROM shopsync.idempotency_keys
 WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY key;
SELECT 'cursor', last_seq, purged_seq FROM shopsync.shop_cursors WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000';
SELECT 'device', device_id, push_count, event_count, rejected_count FROM shopsync.devices
 WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY device_id;
SELECT 'audit', action, entity, entity_id, detail FROM shopsync.audit_log
 WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000' ORDER BY id;
