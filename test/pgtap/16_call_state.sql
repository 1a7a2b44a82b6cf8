-- 16_call_state.sql — the state of a sync call (device id, deferred log
-- flush) ends with the call, also when the call fails inside a PL/pgSQL
-- EXCEPTION block and the transaction goes on.
BEGIN;
SELECT plan(3);
\ir fixtures.sql

-- a key stored without an outcome makes sync_push fail after it has begun
INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome)
VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('e', 1),
        encode(sha256(convert_to(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "x"}')::text, 'UTF8')), 'hex'),
        NULL);
SELECT pg_temp.act_as('owner_a');
DO $do$
BEGIN
    PERFORM pg_temp.push(pg_temp.ev(2, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "kept?"}'),
                         pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "x"}'));
    RAISE EXCEPTION 'sync_push should have failed';
EXCEPTION WHEN sqlstate 'PT409' THEN
    NULL;
END
$do$;
SELECT pg_temp.act_as_admin();
INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 3), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'admin');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE entity_id = pg_temp.uid('c', 3)), 1::bigint,
    'after a failed sync_push, a write in the same transaction is logged at its statement''s end');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE entity_id = pg_temp.uid('c', 3) AND device_id IS NULL), 1::bigint,
    'and is not attributed to the failed call''s device');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 2)), 0::bigint,
    'nothing of the failed call is kept');

SELECT * FROM finish();
ROLLBACK;
