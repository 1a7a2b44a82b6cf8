-- sql/src/50_api.sql — the functions clients call (schema api, exposed by
-- PostgREST) and the retention job. All C++; see extension/pg/*.cpp.
-- SECURITY DEFINER: clients have no write rights on any table; every
-- function scopes itself to the shop in the caller's JWT claims.

CREATE FUNCTION api.sync_push(body jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_push' LANGUAGE C VOLATILE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION api.sync_push(jsonb) IS
    'Applies a batch of device events in one transaction; returns accepted, conflicts, rejected and server_seq.';

CREATE FUNCTION api.sync_pull(cursor bigint, lim integer DEFAULT 100, protocol integer DEFAULT 1) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_pull' LANGUAGE C STABLE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION api.sync_pull(bigint, integer, integer) IS
    'Changes of the caller''s shop after cursor, in seq order, with cursor and has_more; protocol is the client''s (absent = 1).';

CREATE FUNCTION api.sync_snapshot(entity text, after uuid DEFAULT NULL, lim integer DEFAULT 500)
    RETURNS json
    AS 'MODULE_PATHNAME', 'sync_snapshot' LANGUAGE C STABLE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION api.sync_snapshot(text, uuid, integer) IS
    'One page of an entity''s rows (tombstones included) in id order, with the cursor to pull from afterwards.';

CREATE FUNCTION api.sync_health() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_health' LANGUAGE C STABLE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION api.sync_health() IS
    'Extension version, server time, caller''s shop, user and role, latest seq, the synced entities with their rules, and the protocol handshake.';

CREATE FUNCTION shopsync.purge(tombstone_age interval DEFAULT NULL, log_age interval DEFAULT NULL,
                               key_age interval DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'purge' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION shopsync.purge(interval, interval, interval) IS
    'Retention: removes old tombstones, change_log entries and idempotency keys; NULL ages take the shopsync.*_retention_days settings.';

CREATE FUNCTION shopsync.delete_shop(shop uuid) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'delete_shop' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION shopsync.delete_shop(uuid) IS
    'Removes a shop with all its rows, log, keys, devices and audit entries, for good.';

REVOKE ALL ON FUNCTION shopsync.delete_shop(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION api.sync_push(jsonb), api.sync_pull(bigint, integer, integer),
    api.sync_snapshot(text, uuid, integer), api.sync_health(),
    shopsync.purge(interval, interval, interval) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.sync_push(jsonb), api.sync_pull(bigint, integer, integer),
            api.sync_snapshot(text, uuid, integer), api.sync_health() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT EXECUTE ON FUNCTION shopsync.purge(interval, interval, interval) TO service_role;
    END IF;
END
$do$;
