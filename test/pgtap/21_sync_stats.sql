-- 21_sync_stats.sql — sync dashboards: a push keeps its device's figures
-- (counts, rates, push latency, the client's outbox report, the latest
-- conflicts and refusals) in one upsert; owners read them through
-- api.sync_stats / api.recent_refusals, nobody else, and only their shop's.
BEGIN;
SELECT plan(37);
\ir fixtures.sql

SELECT has_view('shopsync', 'sync_stats', 'per-device view exists');
SELECT has_view('shopsync', 'shop_sync_stats', 'per-shop view exists');
SELECT is_definer('api', 'sync_stats', ARRAY[]::text[], 'api.sync_stats is SECURITY DEFINER');
SELECT is_definer('api', 'recent_refusals', ARRAY['integer'], 'api.recent_refusals is SECURITY DEFINER');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname IN ('sync_stats', 'recent_refusals', 'require_shop_owner')
            AND NOT (proconfig @> ARRAY['search_path=pg_catalog, pg_temp'])), 0::bigint,
          'the stats functions pin search_path');
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'shopsync.sync_stats'::regclass),
          ARRAY['security_invoker=true'], 'the view reads devices under the reader''s RLS');

-- A device that reports its outbox (protocol 3).
SELECT pg_temp.act_as('staff_a');
SELECT lives_ok($$SELECT api.sync_push(jsonb_build_object('device_id', 'till-1', 'protocol', 3,
    'outbox', jsonb_build_object('pending', 3, 'failed', 1, 'oldest_age_ms', 4500, 'retry_depth', 2),
    'events', jsonb_build_array(
        pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "Ann"}'),
        pg_temp.ev(2, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "Bob", "customer_code": "C-1"}'),
        pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "Cy", "customer_code": "C-1"}'))))$$,
    'a push with an outbox report is accepted');

SELECT pg_temp.act_as_admin();
SELECT results_eq($$SELECT push_count, event_count, rejected_count, conflict_count, retry_depth, pending_count,
                           failed_count, oldest_pending_age_s
                      FROM shopsync.sync_stats WHERE device_id = 'till-1'$$,
    $$VALUES (1::bigint, 3::bigint, 1::bigint, 0::bigint, 2, 3, 1, 4.5)$$,
    'the push is counted with its refusal and the device''s outbox report');
SELECT ok((SELECT last_push_ms >= 0 AND avg_push_ms = last_push_ms FROM shopsync.sync_stats WHERE device_id = 'till-1'),
          'the push''s duration is kept');
SELECT is((SELECT jsonb_array_length(recent_issues) FROM shopsync.sync_stats WHERE device_id = 'till-1'), 1,
          'the refusal is the device''s latest issue');
SELECT is((SELECT (recent_issues->0) - 'at' FROM shopsync.sync_stats WHERE device_id = 'till-1'),
          jsonb_build_object('kind', 'rejected', 'entity', 'customers', 'entity_id', pg_temp.uid('c', 3),
                             'op', 'create', 'reason', 'duplicate_code', 'device_id', 'till-1'),
          'an issue names the event, its reason and the device');

-- An old client (no outbox report) is still served; the last report stays.
SELECT pg_temp.act_as('staff_a');
SELECT lives_ok($$SELECT api.sync_push(jsonb_build_object('device_id', 'till-1', 'protocol', 2, 'events',
    jsonb_build_array(pg_temp.ev(4, 'customers', pg_temp.uid('c', 1), 'update', 5, '{"name": "Ann B"}'))))$$,
    'a push without an outbox report is accepted');
SELECT pg_temp.act_as_admin();
SELECT results_eq($$SELECT push_count, event_count, conflict_count, retry_depth, pending_count
                      FROM shopsync.sync_stats WHERE device_id = 'till-1'$$,
    $$VALUES (2::bigint, 4::bigint, 1::bigint, 2, 3)$$,
    'the conflict is counted; the unreported figures keep the last report');
SELECT results_eq($$SELECT conflict_rate, rejection_rate FROM shopsync.sync_stats WHERE device_id = 'till-1'$$,
    $$VALUES (0.25::float8, 0.25::float8)$$, 'rates are per event');
SELECT is((SELECT recent_issues->0->>'kind' FROM shopsync.sync_stats WHERE device_id = 'till-1'), 'conflict',
          'the newest issue comes first');

-- A replay is no new issue; a malformed report is an envelope error.
SELECT pg_temp.act_as('staff_a');
SELECT lives_ok($$SELECT api.sync_push(jsonb_build_object('device_id', 'till-1', 'events',
    jsonb_build_array(pg_temp.ev(4, 'customers', pg_temp.uid('c', 1), 'update', 5, '{"name": "Ann B"}'))))$$,
    'a replayed push is accepted');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT jsonb_array_length(recent_issues) FROM shopsync.sync_stats WHERE device_id = 'till-1'), 2,
          'a replayed conflict adds no issue');
SELECT pg_temp.act_as('staff_a');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "outbox": {"pending": -1}, "events": []}')$$, '22023',
    'outbox must be an object of non-negative integers: pending, failed, oldest_age_ms, retry_depth',
    'a negative figure is refused');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "outbox": {"pending": "3"}, "events": []}')$$, '22023',
    NULL, 'a figure as a string is refused');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "outbox": {"queue": 3}, "events": []}')$$, '22023',
    NULL, 'an unknown figure is refused');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "d", "outbox": [], "events": []}')$$, '22023',
    NULL, 'an outbox that is not an object is refused');

-- At most 20 issues per device, newest first.
SELECT lives_ok($$SELECT api.sync_push(jsonb_build_object('device_id', 'till-2', 'events',
    (SELECT jsonb_agg(pg_temp.ev(100 + n, 'customers', pg_temp.uid('d', n), 'update', 1, '{"name": "x"}') ORDER BY n)
       FROM generate_series(1, 25) n)))$$, 'a push of 25 refused updates');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT jsonb_array_length(recent_issues) FROM shopsync.devices WHERE device_id = 'till-2'), 20,
          'a device keeps its 20 latest issues');
SELECT is((SELECT recent_issues->0->>'entity_id' FROM shopsync.devices WHERE device_id = 'till-2'),
          pg_temp.uid('d', 25)::text, 'the batch''s last refusal is the newest');

-- Owners read the dashboard; nobody else.
SELECT pg_temp.act_as('owner_a');
SELECT is((SELECT jsonb_array_length(api.sync_stats()->'devices')), 2, 'the owner sees the shop''s two devices');
SELECT results_eq($$SELECT (s->>'devices')::int, (s->>'event_count')::int, (s->>'rejected_count')::int,
                           (s->>'retry_depth')::int
                      FROM (SELECT api.sync_stats()->'shop' s) x$$,
    $$VALUES (2, 30, 26, 2)$$, 'and the shop''s figures added up');
SELECT is(jsonb_array_length(api.recent_refusals(5)), 5, 'recent_refusals returns at most lim issues');
SELECT is(jsonb_array_length(api.sync_stats()->'recent'), 20, 'the dashboard lists the 20 latest issues');
SELECT ok(NOT (api.sync_stats()->'devices'->0 ? 'recent_issues'), 'device rows leave the issues to "recent"');
SELECT throws_ok($$SELECT api.recent_refusals(0)$$, '22023', 'lim must be between 1 and 200', 'lim 0 is refused');
SELECT pg_temp.act_as('staff_a');
SELECT throws_ok($$SELECT api.sync_stats()$$, '42501', 'only an owner of this shop can read its sync figures',
    'staff cannot read the dashboard');
SELECT pg_temp.act_as('viewer_a');
SELECT throws_ok($$SELECT api.recent_refusals(5)$$, '42501', 'only an owner of this shop can read its sync figures',
    'viewers cannot read refusals');
SELECT pg_temp.act_as('outsider');
SELECT throws_ok($$SELECT api.sync_stats()$$, '42501', 'the caller is not a member of this shop',
    'a stranger with a claim for the shop is refused');
SELECT pg_temp.act_as('owner_b');
SELECT is(api.sync_stats()->'devices', '[]'::jsonb, 'another shop''s owner sees none of shop A''s devices');
SELECT is(api.recent_refusals(200), '[]'::jsonb, 'nor its refusals');
SELECT throws_ok($$SELECT count(*) FROM shopsync.sync_stats$$, '42501', NULL,
    'clients cannot read the views directly');

SELECT pg_temp.act_as('staff_a');
SELECT is(api.sync_health()->'protocol_version', '3', 'health states protocol 3 (outbox reports)');

SELECT * FROM finish();
ROLLBACK;
