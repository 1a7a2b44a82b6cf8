-- 80_citus_absent.sql — on one node without Citus, shopsync.distribute() refuses
-- with a clear message, nothing counts as distributed, and the api functions are
-- the C functions themselves (the routers are installed only by distribute()).
BEGIN;
SELECT plan(4);
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

SELECT * FROM finish();
ROLLBACK;
