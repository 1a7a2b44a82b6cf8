-- test/upgrade/fill.sql — data written through the old version's api, as a
-- device would: a shop with an owner and a staff member, customers, orders
-- with items, a status move, a delete (tombstone with its items) and a replay.
-- Shop f0f0f0f0-… is not used by the pgTAP fixtures.
\set ON_ERROR_STOP 1
-- a table of the application's own, outside the registry, referencing orders
-- without cascade: the update must go through it (enable_sync would refuse it)
CREATE TABLE public.order_notes (shop_id uuid, order_id uuid, note text,
    FOREIGN KEY (shop_id, order_id) REFERENCES shopsync.orders (shop_id, id));
INSERT INTO shopsync.shops (id, name) VALUES ('f0f0f0f0-0000-0000-0000-000000000000', 'Upgrade shop');
INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES
    ('f0f0f0f0-0000-0000-0000-000000000000', 'f1f1f1f1-0000-0000-0000-000000000001', 'owner'),
    ('f0f0f0f0-0000-0000-0000-000000000000', 'f2f2f2f2-0000-0000-0000-000000000002', 'staff');

BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "f1f1f1f1-0000-0000-0000-000000000001", "role": "authenticated", "shop_id": "f0f0f0f0-0000-0000-0000-000000000000"}', true);
SET LOCAL ROLE authenticated;
SELECT api.sync_push('{"device_id": "old-desk", "events": [
 {"idempotency_key": "f3000000-0000-0000-0000-000000000001", "entity": "customers", "entity_id": "f4000000-0000-0000-0000-000000000001", "op": "create", "base_version": 0, "payload": {"name": "Ada", "customer_code": "C-1"}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000002", "entity": "customers", "entity_id": "f4000000-0000-0000-0000-000000000002", "op": "create", "base_version": 0, "payload": {"name": "Bea"}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000003", "entity": "orders", "entity_id": "f5000000-0000-0000-0000-000000000001", "op": "create", "base_version": 0, "payload": {"order_code": "O-1", "customer_id": "f4000000-0000-0000-0000-000000000001", "total": 12.5}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000004", "entity": "order_items", "entity_id": "f6000000-0000-0000-0000-000000000001", "op": "create", "base_version": 0, "payload": {"order_id": "f5000000-0000-0000-0000-000000000001", "product_name": "Tea", "quantity": 2, "unit_price": 6.25}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000005", "entity": "orders", "entity_id": "f5000000-0000-0000-0000-000000000002", "op": "create", "base_version": 0, "payload": {"order_code": "O-2"}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000006", "entity": "order_items", "entity_id": "f6000000-0000-0000-0000-000000000002", "op": "create", "base_version": 0, "payload": {"order_id": "f5000000-0000-0000-0000-000000000002", "product_name": "Cup", "quantity": 1, "unit_price": 3}}]}');
SELECT api.sync_push('{"device_id": "old-desk", "events": [
 {"idempotency_key": "f3000000-0000-0000-0000-000000000007", "entity": "orders", "entity_id": "f5000000-0000-0000-0000-000000000001", "op": "update", "base_version": 1, "payload": {"status": "confirmed"}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000008", "entity": "orders", "entity_id": "f5000000-0000-0000-0000-000000000002", "op": "delete", "base_version": 1},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000009", "entity": "customers", "entity_id": "f4000000-0000-0000-0000-000000000002", "op": "update", "base_version": 9, "payload": {"name": "Stale"}},
 {"idempotency_key": "f3000000-0000-0000-0000-000000000010", "entity": "gadgets", "entity_id": "f4000000-0000-0000-0000-000000000009", "op": "create", "base_version": 0, "payload": {"name": "x"}}]}');
COMMIT;
