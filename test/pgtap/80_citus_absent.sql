-- 80_citus_absent.sql — on one node without Citus, shopsync.distribute() refuses
-- with a clear message, nothing counts as distributed, and the api functions are
-- the C functions themselves (the routers are installed only by distribute()).
-- The routers' helpers are plain functions, checked here too: on one node the
-- shard function citus_route calls runs in place of being delegated.
BEGIN;
SELECT plan(15);
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


-- citus_route, the routers' one body: the shard function of the caller's shop
-- answers what the api function answers; no shop, the same refusal.
SELECT ok(NOT has_function_privilege('authenticated', 'shopsync.citus_route(text, anyelement, text[])', 'EXECUTE'),
          'clients cannot call citus_route, which runs the shard functions as the routers'' owner');
SELECT pg_temp.act_as('owner_a');
RESET ROLE;
SELECT is(shopsync.citus_route('sync_pull', NULL::jsonb, '0', '100', '1'), api.sync_pull(0, 100, 1),
          'routed, a pull answers as api.sync_pull');
SELECT is(shopsync.citus_route('sync_snapshot', NULL::json, 'customers', NULL, '500')::text,
          api.sync_snapshot('customers', NULL, 500)::text, 'a snapshot page, text for text (a NULL argument stays NULL)');
SELECT is(shopsync.citus_route('sync_health', NULL::jsonb) - 'server_time', api.sync_health() - 'server_time',
          'the health answer');
SELECT is(shopsync.citus_route('sync_stats', NULL::jsonb), api.sync_stats(), 'the owner''s sync figures');
SELECT is(shopsync.citus_route('sync_push', NULL::jsonb, '{"device_id": "r", "events": []}')->'accepted', '[]',
          'a push (the body''s text becomes its jsonb)');
SELECT set_config('request.jwt.claims', '{"sub": "a1a1a1a1-0000-0000-0000-000000000001", "role": "authenticated"}', true);
SELECT throws_ok($$SELECT shopsync.citus_route('sync_pull', NULL::jsonb, '0', '100', '1')$$, '42501',
                 'no shop in the caller''s claims', 'no shop: the one-node function''s refusal');
SELECT throws_ok($$SELECT shopsync.citus_route('sync_push', NULL::jsonb, NULL)$$, '22023', 'push body is required',
                 'also when it refuses the arguments first');
SELECT throws_ok($$SELECT shopsync.citus_route('sync_stats', NULL::jsonb)$$, '42501',
                 'no shop in the caller''s claims', 'sync_stats, with no one-node twin, refuses in citus_route');
SELECT pg_temp.act_as_admin();

SELECT * FROM finish();
ROLLBACK;
