-- 14_tenant_ids.sql — ids live per shop: every tenant table is keyed by
-- (shop_id, id), so a uuid used in another shop neither collides nor leaks,
-- and nothing a client reads names an internal object.
BEGIN;
SELECT plan(10);
\ir fixtures.sql

SELECT is((SELECT count(*) FROM shopsync.synced_tables t
            WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = t.relid AND c.contype = 'p'
                                AND pg_get_constraintdef(c.oid) = 'PRIMARY KEY (shop_id, id)')),
          0::bigint, 'every built-in entity''s primary key is (shop_id, id)');

SELECT is((SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'shop_id' AND a.attnotnull
           WHERE c.relnamespace = 'shopsync'::regnamespace AND c.relkind = 'r'
             AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary
                               AND i.indkey[0] = a.attnum)),
          NULL, 'every shopsync table with a shop_id has a primary key that leads with it (ready to distribute by shop_id)');

SELECT pg_temp.act_as('owner_b');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "B''s"}')))->>'status',
    'accepted', 'shop B creates a customer');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "A''s"}')))->>'status',
    'accepted', 'shop A creates a customer with the same id: ids live per shop, nothing tells A the id exists elsewhere');
SELECT results_eq($$SELECT name FROM shopsync.customers$$, $$VALUES ('A''s')$$, 'shop A sees its own row');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'customers', pg_temp.uid('c', 1), 'delete', 1)))->>'status',
    'accepted', 'shop A deletes its row');
SELECT pg_temp.act_as('owner_b');
SELECT results_eq($$SELECT name, deleted_at IS NULL FROM shopsync.customers$$, $$VALUES ('B''s', true)$$,
    'shop B''s row with that id is untouched by A''s delete');
SELECT pg_temp.act_as_admin();
DELETE FROM shopsync.customers WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb' AND id = pg_temp.uid('c', 1);
SELECT is((SELECT count(*) FROM shopsync.customers WHERE id = pg_temp.uid('c', 1) AND deleted_at IS NOT NULL), 2::bigint,
    'a direct DELETE tombstones that shop''s row only');

-- a duplicate display code is refused without naming the index
SELECT pg_temp.act_as('owner_a');
SELECT pg_temp.push(pg_temp.ev(3, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "x", "customer_code": "K"}'));
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(4, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "y", "customer_code": "K"}')))->>'reason',
    'duplicate_code', 'a duplicate code is duplicate_code');
SELECT unalike(pg_temp.outcome(pg_temp.push(pg_temp.ev(4, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "y", "customer_code": "K"}')))->>'message',
    '%\_idx%', 'and its message names no index or constraint');

SELECT * FROM finish();
ROLLBACK;
