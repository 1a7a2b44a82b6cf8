-- 20_membership_rls.sql — every policy tests membership once per statement
-- (sql/src/10_claims_and_triggers.sql, 20_enable_sync.sql, 40_tenancy_security.sql).
-- The caller's shop if the caller (claim sub) is a member of it, else NULL.
-- Every RLS policy compares with (SELECT shopsync.current_member_shop_id()):
-- one lookup by shop_members' primary key per statement, so a removed
-- member loses every row at once, on every route. In C: a direct scan of
-- shop_members' primary key, past that table's own policy (claims.cpp).
CREATE FUNCTION shopsync.current_member_shop_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_member_shop_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION shopsync.current_member_shop_id() IS
    'The caller''s shop claim when the caller is a member of that shop; NULL otherwise. Used by every RLS policy.';

REVOKE ALL ON FUNCTION shopsync.current_member_shop_id() FROM PUBLIC;
DO $do$
DECLARE
    t regclass;
    col text;
BEGIN
    FOR t, col IN SELECT format('shopsync.%I', n)::regclass, CASE n WHEN 'shops' THEN 'id' ELSE 'shop_id' END
                    FROM unnest(ARRAY['shops', 'shop_members', 'shop_cursors', 'change_log', 'devices',
                                      'idempotency_keys', 'audit_log']) n
                  UNION ALL SELECT relid, 'shop_id' FROM shopsync.synced_tables LOOP
        EXECUTE format('ALTER POLICY shopsync_shop_isolation ON %s
                        USING (%I = (SELECT shopsync.current_member_shop_id()))
                        WITH CHECK (%I = (SELECT shopsync.current_member_shop_id()))', t, col, col);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION shopsync.current_member_shop_id() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT EXECUTE ON FUNCTION shopsync.current_member_shop_id() TO service_role;
    END IF;
END
$do$;
