-- test/upgrade/after.sql — the device that synced before the update: its old
-- keys replay the stored outcomes, it edits rows at the versions it holds,
-- and it pulls on from its cursor (no cursor_expired, no rebuild).
\set ON_ERROR_STOP 1
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "f1f1f1f1-0000-0000-0000-000000000001", "role": "authenticated", "shop_id": "f0f0f0f0-0000-0000-0000-000000000000"}', true);
SET LOCAL ROLE authenticated;
DO $do$
DECLARE
    cursor_before bigint := (SELECT last_seq FROM shopsync.shop_cursors
                              WHERE shop_id = 'f0f0f0f0-0000-0000-0000-000000000000');
    r jsonb;
BEGIN
    -- a replay of a key from before the update returns its stored outcome
    r := api.sync_push('{"device_id": "old-desk", "events": [
        {"idempotency_key": "f3000000-0000-0000-0000-000000000007", "entity": "orders", "entity_id": "f5000000-0000-0000-0000-000000000001", "op": "update", "base_version": 1, "payload": {"status": "confirmed"}}]}');
    IF r->'accepted'->0->>'version' <> '2' OR (r->'accepted'->0->>'replayed')::bool IS NOT TRUE THEN
        RAISE EXCEPTION 'replay after the update: %', r;
    END IF;
    -- old-style envelope (no protocol field), editing at versions held before
    r := api.sync_push('{"device_id": "old-desk", "events": [
        {"idempotency_key": "f3000000-0000-0000-0000-000000000020", "entity": "orders", "entity_id": "f5000000-0000-0000-0000-000000000001", "op": "update", "base_version": 2, "payload": {"status": "shipping"}},
        {"idempotency_key": "f3000000-0000-0000-0000-000000000021", "entity": "order_items", "entity_id": "f6000000-0000-0000-0000-000000000003", "op": "create", "base_version": 0, "payload": {"order_id": "f5000000-0000-0000-0000-000000000001", "product_name": "Jam", "quantity": 1, "unit_price": 4}}]}');
    IF jsonb_array_length(r->'accepted') <> 2 THEN
        RAISE EXCEPTION 'push after the update: %', r;
    END IF;
    r := api.sync_pull(cursor_before);
    IF jsonb_array_length(r->'changes') <> 2 OR (r->'changes'->0->>'seq')::bigint <> cursor_before + 1 THEN
        RAISE EXCEPTION 'pull from the old cursor %: %', cursor_before, r;
    END IF;
    r := api.sync_pull(0);
    IF (r->'changes'->0->>'seq')::bigint <> 1 THEN
        RAISE EXCEPTION 'pull from 0: %', r;
    END IF;
END
$do$;
ROLLBACK;
