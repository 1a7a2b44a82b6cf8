-- 70_api.sql — api.sync_pull takes the client's protocol; comments of the
-- handshake functions (sql/src/50_api.sql).
DROP FUNCTION api.sync_pull(bigint, integer);
CREATE FUNCTION api.sync_pull(cursor bigint, lim integer DEFAULT 100, protocol integer DEFAULT 1) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_pull' LANGUAGE C STABLE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION api.sync_pull(bigint, integer, integer) IS
    'Changes of the caller''s shop after cursor, in seq order, with cursor and has_more; protocol is the client''s (absent = 1).';
COMMENT ON FUNCTION api.sync_health() IS
    'Extension version, server time, caller''s shop, user and role, latest seq, the synced entities with their rules, and the protocol handshake.';
REVOKE ALL ON FUNCTION api.sync_pull(bigint, integer, integer) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.sync_pull(bigint, integer, integer) TO authenticated;
    END IF;
END
$do$;
