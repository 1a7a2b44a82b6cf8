-- 80_citus_absent.sql — on one node without Citus, shopsync.distribute() refuses
-- with a clear message, nothing counts as distributed, and the api functions are
-- the C functions themselves (the routers are installed only by distribute()).
BEGIN;
SELECT plan(6);
\ir fixtures.sql

SELECT throws_ok('SELECT shopsync.distribute()', '0A000',
    'shopsync.distribute() needs Citus, and it is not installed in this database',
    'distribute() says Citus is missing');
SELECT is(shopsync.is_distributed(), false, 'a single node is not distributed');
SELECT is((SELECT lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'api.sync_push(jsonb)'::regprocedure), 'c', 'api.sync_push is the C function');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'shopsync'::regnamespace
            AND proname LIKE 'shard_sync_%' AND NOT has_function_privilege('authenticated', oid, 'EXECUTE')),
          5::bigint, 'clients cannot call the per-shard functions, which take claims as an argument');


-- The routers' epoch helpers (the coordinator's epoch in a worker's answer) are
-- plain functions: checked here, where the page's text is known exactly.
CREATE TEMP TABLE page (p json);
GRANT ALL ON page TO PUBLIC;
SELECT pg_temp.act_as('owner_a');
INSERT INTO page SELECT api.sync_snapshot('customers');
SELECT pg_temp.act_as_admin();
SELECT is(shopsync.citus_coordinator_epoch_json(replace((SELECT p::text FROM page), shopsync.restore_epoch()::text,
                                                        '00000000-0000-0000-0000-000000000000')::json)::text,
          (SELECT p::text FROM page),
          'a snapshot page gets the epoch of the node the router runs on, its text otherwise unchanged');
SELECT is(shopsync.citus_coordinator_epoch('{"restore_epoch": "a worker''s", "server_seq": 3}'),
          jsonb_build_object('restore_epoch', shopsync.restore_epoch(), 'server_seq', 3),
          'so does a jsonb answer');

SELECT * FROM finish();
ROLLBACK;
