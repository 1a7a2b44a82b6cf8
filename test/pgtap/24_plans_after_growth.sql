-- 24_plans_after_growth.sql — a push costs the rows it names, not the size of
-- its shop, whatever the tables looked like when this backend planned its
-- statements. The push keeps plans for the backend's life
-- (extension/pg/plan_cache.cpp); plans made while a shop is young must not
-- scan every key or row of the grown shop afterwards. Counted in index
-- entries read (this transaction's statistics), not in time.
BEGIN;
SELECT plan(7);
\ir fixtures.sql

-- Index entries read by this transaction so far on a table's primary key.
CREATE FUNCTION pg_temp.pk_reads(tbl regclass) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_stat_get_xact_tuples_returned(i.indexrelid)
      FROM pg_index i WHERE i.indrelid = tbl AND i.indisprimary
$$;
CREATE TEMP TABLE reads (label text PRIMARY KEY, keys bigint, customers bigint);
GRANT ALL ON reads TO PUBLIC;
CREATE FUNCTION pg_temp.note_reads(label text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO reads VALUES (label, pg_temp.pk_reads('shopsync.idempotency_keys'),
                              pg_temp.pk_reads('shopsync.customers'))
$$;

-- While the shop is young: every statement of a push runs at least once, a
-- run of two rows of each kind (creates, updates, deletes) included.
SELECT pg_temp.act_as('owner_a');
SELECT is(jsonb_array_length(pg_temp.push(
    pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "Ann"}'),
    pg_temp.ev(2, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bo"}'),
    pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "Cy"}'),
    pg_temp.ev(4, 'customers', pg_temp.uid('c', 4), 'create', 0, '{"name": "Di"}'))->'accepted'), 4,
    'young shop: four creates accepted');
SELECT is(jsonb_array_length(pg_temp.push(
    pg_temp.ev(5, 'customers', pg_temp.uid('c', 1), 'update', 1, '{"name": "Ann B"}'),
    pg_temp.ev(6, 'customers', pg_temp.uid('c', 2), 'update', 1, '{"name": "Bo B"}'),
    pg_temp.ev(7, 'customers', pg_temp.uid('c', 3), 'delete', 1),
    pg_temp.ev(8, 'customers', pg_temp.uid('c', 4), 'delete', 1))->'accepted'), 4,
    'young shop: two updates and two deletes accepted');

-- The shop grows: 20,000 keys and 20,000 customers.
SELECT pg_temp.act_as_admin();
INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome)
SELECT 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', gen_random_uuid(), 'h', '{"status": "accepted"}'
  FROM generate_series(1, 20000);
INSERT INTO shopsync.customers (shop_id, id, name)
SELECT 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', gen_random_uuid(), 'grown ' || g
  FROM generate_series(1, 20000) g;

-- The same kinds of push on the grown shop, twice. Storing outcomes has one
-- plan, good at any size: the first push already reads only its own keys.
-- A run's plan is made again once its tables have more than doubled, after
-- at most one run with the plan made for the young shop: the second push.
SELECT pg_temp.note_reads('grown');
SELECT pg_temp.act_as('owner_a');
SELECT is(jsonb_array_length(pg_temp.push(
    pg_temp.ev(11, 'customers', pg_temp.uid('c', 11), 'create', 0, '{"name": "Ed"}'),
    pg_temp.ev(12, 'customers', pg_temp.uid('c', 12), 'create', 0, '{"name": "Fay"}'),
    pg_temp.ev(13, 'customers', pg_temp.uid('c', 1), 'update', 2, '{"name": "Ann C"}'),
    pg_temp.ev(14, 'customers', pg_temp.uid('c', 2), 'update', 2, '{"name": "Bo C"}'),
    pg_temp.ev(15, 'customers', pg_temp.uid('c', 11), 'delete', 1),
    pg_temp.ev(16, 'customers', pg_temp.uid('c', 12), 'delete', 1))->'accepted'), 6,
    'grown shop: creates, updates and deletes accepted');
SELECT pg_temp.act_as_admin();
SELECT pg_temp.note_reads('first');
SELECT pg_temp.act_as('owner_a');
SELECT is(jsonb_array_length(pg_temp.push(
    pg_temp.ev(21, 'customers', pg_temp.uid('c', 21), 'create', 0, '{"name": "Gus"}'),
    pg_temp.ev(22, 'customers', pg_temp.uid('c', 22), 'create', 0, '{"name": "Hal"}'),
    pg_temp.ev(23, 'customers', pg_temp.uid('c', 1), 'update', 3, '{"name": "Ann D"}'),
    pg_temp.ev(24, 'customers', pg_temp.uid('c', 2), 'update', 3, '{"name": "Bo D"}'),
    pg_temp.ev(25, 'customers', pg_temp.uid('c', 21), 'delete', 1),
    pg_temp.ev(26, 'customers', pg_temp.uid('c', 22), 'delete', 1))->'accepted'), 6,
    'and again: accepted');
SELECT pg_temp.act_as_admin();
SELECT pg_temp.note_reads('second');

-- Six events read a few dozen entries at most (claims, outcomes, parents,
-- runs); a plan that scans the shop reads 20,000 or more.
SELECT cmp_ok((SELECT a.keys - b.keys FROM reads a, reads b WHERE a.label = 'first' AND b.label = 'grown'),
    '<', 200::bigint, 'storing outcomes reads only the keys of the push, not every key of the shop');
SELECT cmp_ok((SELECT a.customers - b.customers FROM reads a, reads b WHERE a.label = 'second' AND b.label = 'first'),
    '<', 200::bigint, 'writing a run reads only the rows of the push, not every row of the shop');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'
             AND deleted_at IS NULL AND name LIKE '% D'), 2::bigint, 'and the updates are stored');

SELECT * FROM finish();
ROLLBACK;
