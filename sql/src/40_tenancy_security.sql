-- sql/src/40_tenancy_security.sql — RLS on the bookkeeping tables and the
-- grants of the Supabase-style roles (anon, authenticated, service_role).
-- The roles may not exist on a bare PostgreSQL: sql/roles.sql creates them
-- (run it before CREATE EXTENSION); grants are skipped for missing roles.

DO $do$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['shops', 'shop_members', 'shop_cursors', 'change_log', 'devices',
                             'idempotency_keys', 'audit_log'] LOOP
        EXECUTE format('ALTER TABLE shopsync.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE shopsync.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY shopsync_shop_isolation ON shopsync.%I
                        USING (%I = (SELECT shopsync.current_member_shop_id()))
                        WITH CHECK (%I = (SELECT shopsync.current_member_shop_id()))',
                       t, CASE t WHEN 'shops' THEN 'id' ELSE 'shop_id' END,
                       CASE t WHEN 'shops' THEN 'id' ELSE 'shop_id' END);
    END LOOP;
END
$do$;

REVOKE ALL ON ALL TABLES IN SCHEMA shopsync FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA shopsync FROM PUBLIC;
REVOKE ALL ON SCHEMA api FROM PUBLIC;

DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT USAGE ON SCHEMA shopsync, api TO authenticated;
        -- Reads under RLS; every write goes through api.sync_push.
        GRANT SELECT ON shopsync.shops, shopsync.shop_members, shopsync.change_log,
                        shopsync.shop_cursors TO authenticated;
        GRANT EXECUTE ON FUNCTION shopsync.current_shop_id(), shopsync.current_user_id(),
            shopsync.current_member_shop_id() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        GRANT USAGE ON SCHEMA api TO anon;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT USAGE ON SCHEMA shopsync, api TO service_role;
        GRANT ALL ON ALL TABLES IN SCHEMA shopsync TO service_role;
        GRANT EXECUTE ON FUNCTION shopsync.current_shop_id(), shopsync.current_user_id(),
            shopsync.current_member_shop_id() TO service_role;
    END IF;
END
$do$;
