-- 22_restore_epoch.sql — the restore epoch: one value per server identity
-- (system identifier, timeline, database), in every answer a device gets; a
-- new identity (point-in-time recovery, promotion, another database) or an
-- empty epoch table (a logical restore) starts a new one. The real crash
-- restart, PITR and pg_restore are in test/restore (scripts/rehearse-restore.sh).
BEGIN;
SELECT plan(27);
\ir fixtures.sql
-- A push that names the epoch its events were made for.
CREATE FUNCTION pg_temp.push_for(epoch text, VARIADIC events jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT api.sync_push(jsonb_build_object('device_id', 'test-device', 'restore_epoch', epoch,
                                            'events', to_jsonb(events)))
$$;

SELECT has_table('shopsync', 'restore_epochs', 'the epochs are kept per server identity');
SELECT has_function('shopsync', 'restore_epoch', ARRAY[]::text[], 'shopsync.restore_epoch() exists');
SELECT has_function('shopsync', 'new_restore_epoch', ARRAY['text'], 'and a manual new epoch for storage snapshots');
SELECT ok(NOT has_function_privilege('authenticated', 'shopsync.restore_epoch()', 'EXECUTE'),
    'clients do not call it directly');

CREATE TEMP TABLE seen (what text, epoch uuid);
GRANT SELECT ON seen TO authenticated;
INSERT INTO seen VALUES ('first', shopsync.restore_epoch());
SELECT is((SELECT count(*) FROM shopsync.restore_epochs
            WHERE system_identifier = (SELECT system_identifier FROM pg_control_system())
              AND database_oid = (SELECT oid FROM pg_database WHERE datname = current_database())),
    1::bigint, 'the first call stores the epoch under this identity');
SELECT is(shopsync.restore_epoch(), (SELECT epoch FROM seen WHERE what = 'first'), 'later calls keep it');

SELECT pg_temp.act_as('staff_a');
SELECT is((api.sync_health()->>'restore_epoch')::uuid, (SELECT epoch FROM seen WHERE what = 'first'),
    'sync_health carries the epoch');
SELECT is((api.sync_pull(0)->>'restore_epoch')::uuid, (SELECT epoch FROM seen WHERE what = 'first'),
    'every pull page carries it');
SELECT is((api.sync_snapshot('customers')::jsonb->>'restore_epoch')::uuid, (SELECT epoch FROM seen WHERE what = 'first'),
    'every snapshot page carries it');
SELECT is((pg_temp.push(pg_temp.ev(1, 'customers', pg_temp.uid('c', 1), 'create', 0, '{"name": "x"}'))->>'restore_epoch')::uuid,
    (SELECT epoch FROM seen WHERE what = 'first'), 'every push answer carries it');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(
        pg_temp.push(pg_temp.ev(2, 'customers', pg_temp.uid('c', 2), 'create', 0, '{"name": "y"}'))) k),
    ARRAY['accepted', 'conflicts', 'rejected', 'restore_epoch', 'server_seq'], 'as one new field (old clients ignore it)');

-- A push names the epoch its events were made for: a server of another epoch
-- (restored since) applies none of them and spends no key, so the device can
-- recover first and send them again under the same keys.
SELECT is(pg_temp.push_for('00000000-0000-4000-8000-000000000000',
                           pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "z"}'))
              - 'server_seq',
    jsonb_build_object('accepted', '[]'::jsonb, 'conflicts', '[]'::jsonb, 'rejected', '[]'::jsonb,
                       'restore_epoch', (SELECT epoch FROM seen WHERE what = 'first')),
    'a push made for another restore epoch applies nothing and answers the server''s epoch');
SELECT is(jsonb_array_length(pg_temp.push_for((SELECT epoch FROM seen WHERE what = 'first')::text,
                             pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "z"}'))->'accepted'),
    1, 'the same event under the same key, made for the server''s epoch, is applied (the key was not spent)');
SELECT is(jsonb_array_length(pg_temp.push_for(upper((SELECT epoch FROM seen WHERE what = 'first')::text),
                             pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "z"}'))->'accepted'),
    1, 'the epoch is compared as a uuid (any case), and a replay answers as before');
SELECT throws_ok($$SELECT api.sync_push('{"device_id": "test-device", "restore_epoch": 7, "events": []}')$$,
    '22023', 'restore_epoch must be the restore_epoch of an earlier answer (a string)',
    'a restore_epoch that is not a string is refused');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE entity_id = pg_temp.uid('c', 3)), 1::bigint,
    'the refused push logged nothing: one create in the log');

-- A point-in-time recovery: the stored row was written on the timeline before.
UPDATE shopsync.restore_epochs SET timeline_id = timeline_id + 1000;
INSERT INTO seen VALUES ('after pitr', shopsync.restore_epoch());
SELECT isnt((SELECT epoch FROM seen WHERE what = 'after pitr'), (SELECT epoch FROM seen WHERE what = 'first'),
    'a new timeline starts a new epoch');
SELECT is((SELECT reason FROM shopsync.restore_epochs WHERE epoch = (SELECT epoch FROM seen WHERE what = 'after pitr')),
    'new timeline: point-in-time recovery or promotion', 'and says why');
SELECT is(shopsync.restore_epoch(), (SELECT epoch FROM seen WHERE what = 'after pitr'), 'which then stays');

-- Another database or cluster (a restore elsewhere, a copied database).
UPDATE shopsync.restore_epochs SET database_oid = 1;
SELECT isnt(shopsync.restore_epoch(), (SELECT epoch FROM seen WHERE what = 'after pitr'),
    'another database oid starts a new epoch');
SELECT is((SELECT reason FROM shopsync.restore_epochs WHERE database_oid <> 1),
    'new cluster or database: restored, copied or upgraded', 'and says why');

-- A logical restore: the table is not dumped, so it starts empty.
SELECT ok((SELECT 'shopsync.restore_epochs'::regclass::oid <> ALL (extconfig) FROM pg_extension WHERE extname = 'shopsync'),
    'the epochs are not in a dump');
SELECT ok((SELECT ARRAY['shopsync.shops', 'shopsync.customers', 'shopsync.orders', 'shopsync.order_items',
                        'shopsync.change_log', 'shopsync.idempotency_keys', 'shopsync.shop_cursors']::regclass[]::oid[]
                  <@ extconfig FROM pg_extension WHERE extname = 'shopsync'),
    'the shop''s rows, log, cursors and keys are');
DELETE FROM shopsync.restore_epochs;
INSERT INTO seen VALUES ('after dump', shopsync.restore_epoch());
SELECT ok((SELECT epoch FROM seen WHERE what = 'after dump') NOT IN (SELECT epoch FROM seen WHERE what <> 'after dump'),
    'an empty table (after pg_restore) starts a new epoch');

INSERT INTO seen VALUES ('before manual', shopsync.restore_epoch());
SELECT isnt(shopsync.new_restore_epoch('storage snapshot restored'), (SELECT epoch FROM seen WHERE what = 'before manual'),
    'new_restore_epoch starts a new one by hand (a restore PostgreSQL takes for a crash)');

-- A read-only transaction cannot mint: it gets a value derived from the
-- identity, the same on every read-only call, and stores nothing.
DELETE FROM shopsync.restore_epochs;
SET LOCAL transaction_read_only = on;
INSERT INTO seen SELECT 'read only', shopsync.restore_epoch();
SELECT is((SELECT count(DISTINCT epoch) FROM (SELECT shopsync.restore_epoch() AS epoch UNION ALL
                                               SELECT epoch FROM seen WHERE what = 'read only') e),
    1::bigint, 'read-only calls agree without storing');
SELECT is((SELECT count(*) FROM shopsync.restore_epochs), 0::bigint, 'nothing is stored by them');

SELECT * FROM finish();
ROLLBACK;
