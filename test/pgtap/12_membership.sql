-- 12_membership.sql — RLS checks membership, not only the shop claim: a
-- removed member loses every row at once, on every tenant table, and the
-- membership test is one indexed lookup per statement (an InitPlan).
BEGIN;
SELECT plan(12);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'A customer');

SELECT pg_temp.act_as('staff_a');
SELECT is((SELECT count(*) FROM shopsync.customers), 1::bigint, 'a member reads the shop''s customers');

SELECT pg_temp.act_as_admin();
DELETE FROM shopsync.shop_members WHERE user_id = 'a2a2a2a2-0000-0000-0000-000000000002';
SELECT pg_temp.act_as('staff_a');
SELECT is((SELECT count(*) FROM shopsync.customers), 0::bigint, 'a removed member reads no customer with the same claims');
SELECT is((SELECT count(*) FROM shopsync.change_log), 0::bigint, 'nor the change_log');
SELECT is((SELECT count(*) FROM shopsync.shop_members), 0::bigint, 'nor the members');
SELECT is((SELECT count(*) FROM shopsync.shops), 0::bigint, 'nor the shop');
SELECT is((SELECT count(*) FROM shopsync.shop_cursors), 0::bigint, 'nor the cursor');
SELECT is((SELECT count(*) FROM shopsync.orders) + (SELECT count(*) FROM shopsync.order_items)
          + (SELECT count(*) FROM shopsync.shop_settings), 0::bigint, 'nor orders, items or settings');
-- an outsider holding a claim for shop A never was a member
SELECT pg_temp.act_as('outsider');
SELECT is((SELECT count(*) FROM shopsync.customers), 0::bigint, 'a claim for a shop the user is not a member of reads nothing');

SELECT pg_temp.act_as_admin();
-- Every policy on a tenant table tests membership through the one-per-statement sub-select.
SELECT is((SELECT count(*) FROM pg_policies WHERE schemaname = 'shopsync'
            AND (qual NOT LIKE '%SELECT shopsync.current_member_shop_id()%' OR with_check NOT LIKE '%SELECT shopsync.current_member_shop_id()%')),
          0::bigint, 'every shopsync policy compares with (SELECT shopsync.current_member_shop_id())');
SELECT is((SELECT count(*) FROM shopsync.synced_tables t
            WHERE NOT EXISTS (SELECT 1 FROM pg_policies p WHERE (p.schemaname || '.' || p.tablename)::regclass = t.relid
                                AND p.qual LIKE '%SELECT shopsync.current_member_shop_id()%')),
          0::bigint, 'every synced table has the membership policy');
-- membership is looked up by the members' primary key
SELECT is((SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'shopsync.shop_members'::regclass AND indisprimary),
          'CREATE UNIQUE INDEX shop_members_pkey ON shopsync.shop_members USING btree (shop_id, user_id)',
          'membership lookups use the (shop_id, user_id) primary key');
SELECT pg_temp.act_as('owner_a');
SELECT ok((SELECT string_agg(p, E'\n') FROM (SELECT * FROM (VALUES (1)) v(x)) s,
            LATERAL (SELECT "QUERY PLAN" AS p FROM pg_temp.explain('SELECT * FROM shopsync.customers')) e) ~ 'InitPlan',
          'the membership test runs once per statement (InitPlan)');

SELECT * FROM finish();
ROLLBACK;
