-- sql/src/10_claims_and_triggers.sql — the C++ functions that read the caller's
-- claims and the triggers every synced table carries.

CREATE FUNCTION shopsync.current_shop_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_shop_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION shopsync.current_shop_id() IS
    'Shop of the caller from request.jwt.claims (shop_id or app_metadata.shop_id); NULL without one.';

CREATE FUNCTION shopsync.current_user_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_user_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION shopsync.current_user_id() IS
    'User of the caller (claim sub); NULL without one.';

-- The caller's shop if the caller (claim sub) is a member of it, else NULL.
-- Every RLS policy compares with (SELECT shopsync.current_member_shop_id()):
-- one lookup by shop_members' primary key per statement, so a removed
-- member loses every row at once, on every route. In C: a direct scan of
-- shop_members' primary key, past that table's own policy (claims.cpp).
CREATE FUNCTION shopsync.current_member_shop_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_member_shop_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION shopsync.current_member_shop_id() IS
    'The caller''s shop claim when the caller is a member of that shop; NULL otherwise. Used by every RLS policy.';

CREATE FUNCTION shopsync.stamp_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'stamp_row' LANGUAGE C;
COMMENT ON FUNCTION shopsync.stamp_row() IS
    'BEFORE ROW trigger: stamps version and updated_at, guards server-owned columns, turns DELETE into a tombstone.';

CREATE FUNCTION shopsync.log_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'log_row' LANGUAGE C;
COMMENT ON FUNCTION shopsync.log_row() IS
    'AFTER ROW trigger: buffers the row''s post-image for change_log.';

-- SECURITY DEFINER so a writer needs no rights on change_log or shop_cursors.
CREATE FUNCTION shopsync.flush_log() RETURNS trigger
    AS 'MODULE_PATHNAME', 'flush_log' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION shopsync.flush_log() IS
    'AFTER STATEMENT trigger: writes the buffered changes to change_log with the next per-shop seqs.';

CREATE FUNCTION shopsync.refuse_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'refuse_truncate' LANGUAGE C;

-- A shop goes only through shopsync.delete_shop(), which removes the rows of
-- every synced table first (a cascade would turn them into tombstones).
CREATE FUNCTION shopsync.refuse_shop_delete() RETURNS trigger
    AS 'MODULE_PATHNAME', 'refuse_shop_delete' LANGUAGE C;
CREATE TRIGGER shopsync_refuse_delete BEFORE DELETE ON shopsync.shops
    FOR EACH ROW EXECUTE FUNCTION shopsync.refuse_shop_delete();
