-- 06_idempotency.sql — replays change nothing and return the same outcome
-- (invariant 3); a key reused for another event is refused.
BEGIN;
SELECT plan(14);
\ir fixtures.sql
SELECT pg_temp.act_as('owner_a');

CREATE TEMP TABLE first_push ON COMMIT DROP AS SELECT pg_temp.push(
    pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "Ann"}'),
    pg_temp.ev(2, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "Anna"}'),
    pg_temp.ev(3, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "stale"}'),
    pg_temp.ev(4, 'customers', pg_temp.uid('c', 9), 'update', 1, '{"name": "ghost"}')) AS r;
SELECT pg_temp.act_as_admin();
CREATE TEMP TABLE before_replay ON COMMIT DROP AS
    SELECT (SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa') AS seq,
           (SELECT to_jsonb(c) FROM shopsync.customers c WHERE id = pg_temp.uid('c', 1)) AS row;
GRANT SELECT ON first_push, before_replay TO PUBLIC;
SELECT pg_temp.act_as('owner_a');

CREATE TEMP TABLE replay ON COMMIT DROP AS SELECT pg_temp.push(
    pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "Ann"}'),
    pg_temp.ev(2, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "Anna"}'),
    pg_temp.ev(3, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "stale"}'),
    pg_temp.ev(4, 'customers', pg_temp.uid('c', 9), 'update', 1, '{"name": "ghost"}')) AS r;
SELECT pg_temp.act_as_admin();

SELECT is((SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'),
          (SELECT seq FROM before_replay), 'a replayed batch writes nothing to change_log');
SELECT is((SELECT to_jsonb(c) FROM shopsync.customers c WHERE id = pg_temp.uid('c', 1)),
          (SELECT row FROM before_replay), 'a replayed batch leaves the row as it was');
SELECT is((SELECT r->'accepted' FROM replay), (SELECT jsonb_agg(e || '{"replayed": true}') FROM first_push,
          jsonb_array_elements(r->'accepted') e), 'replayed accepted outcomes are the stored ones, marked replayed');
SELECT is((SELECT r->'conflicts' FROM replay), (SELECT jsonb_agg(e || '{"replayed": true}') FROM first_push,
          jsonb_array_elements(r->'conflicts') e), 'a replayed conflict returns the same conflict');
SELECT is((SELECT r->'rejected' FROM replay), (SELECT jsonb_agg(e || '{"replayed": true}') FROM first_push,
          jsonb_array_elements(r->'rejected') e), 'a replayed rejection returns the same rejection');
SELECT is((SELECT jsonb_array_length(r->'accepted') FROM first_push), 2, 'the first push accepted two events');

-- the same key with a different event
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "Other"}')))->>'reason',
    'idempotency_key_reused', 'a key reused with a different payload is refused');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'orders', pg_temp.uid('d', 1), 'create', 0, '{"order_code": "X"}')))->>'reason',
    'idempotency_key_reused', 'a key reused for another entity is refused');
SELECT is((SELECT count(*) FROM shopsync.orders WHERE id = pg_temp.uid('d', 1)), 0::bigint, 'and nothing is applied');

-- duplicates inside one batch
SELECT is((SELECT jsonb_build_array(jsonb_array_length(r->'accepted'), r->'accepted'->1->'replayed')
             FROM pg_temp.push(pg_temp.ev(10, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bo"}'),
                               pg_temp.ev(10, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bo"}')) r),
    '[2, true]'::jsonb, 'the same event twice in one batch applies once and replays once');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE entity_id = pg_temp.uid('c', 2)), 1::bigint,
    'and is logged once');
SELECT is((SELECT r->'rejected'->0->>'reason'
             FROM pg_temp.push(pg_temp.ev(11, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "Cy"}'),
                               pg_temp.ev(11, 'customers', pg_temp.uid('c', 4), 'create', 0, '{"name": "Di"}')) r),
    'idempotency_key_reused', 'one key for two different events in one batch: the second is refused');

-- keys are per shop: shop B may use the same key value
SELECT pg_temp.act_as('owner_b');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 50), 'create', 0, '{"name": "B"}')))->>'status',
    'accepted', 'another shop''s identical key is its own');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT count(*) FROM shopsync.idempotency_keys WHERE key = pg_temp.uid('e', 1)), 2::bigint,
    'idempotency keys are stored per shop');

SELECT * FROM finish();
ROLLBACK;
