-- sql/src/20_enable_sync.sql — registering a table for sync.

-- Checks the sync columns, installs the triggers, enables and forces RLS with
-- the shop policy and grants clients read access. Idempotent. Built-in
-- entities are registered with this same function.
CREATE FUNCTION shopsync.enable_sync(tbl regclass, entity text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $fn$
DECLARE
    required constant text[][] := ARRAY[
        ['id', 'uuid'], ['shop_id', 'uuid'], ['version', 'bigint'],
        ['updated_at', 'timestamp with time zone'], ['deleted_at', 'timestamp with time zone']];
    entity_name text := coalesce(entity, (SELECT relname FROM pg_class WHERE oid = tbl));
    col record;
    i int;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = tbl) <> 'r' THEN
        RAISE EXCEPTION 'shopsync can only sync plain tables, and % is not one', tbl
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF (SELECT relnamespace FROM pg_class WHERE oid = tbl) = 'shopsync'::regnamespace
       AND entity_name NOT IN ('customers', 'orders', 'order_items', 'shop_settings') THEN
        RAISE EXCEPTION 'shopsync''s own table % cannot be synced', tbl
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF entity_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'entity name "%" must be lower case letters, digits and _', entity_name
            USING ERRCODE = 'invalid_name';
    END IF;
    FOR i IN 1 .. array_length(required, 1) LOOP
        SELECT a.attname, format_type(a.atttypid, NULL) AS typ, a.attnotnull
          INTO col
          FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attname = required[i][1] AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'table % has no column "%"', tbl, required[i][1]
                USING ERRCODE = 'undefined_column',
                      HINT = 'A synced table needs id uuid, shop_id uuid, version bigint, updated_at timestamptz and deleted_at timestamptz.';
        END IF;
        IF col.typ <> required[i][2] THEN
            RAISE EXCEPTION 'column %.% must be of type %, not %', tbl, required[i][1], required[i][2], col.typ
                USING ERRCODE = 'datatype_mismatch';
        END IF;
        IF required[i][1] <> 'deleted_at' AND NOT col.attnotnull THEN
            RAISE EXCEPTION 'column %.% must be NOT NULL', tbl, required[i][1]
                USING ERRCODE = 'invalid_table_definition';
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = tbl AND i.indisprimary AND i.indnkeyatts = 1
                      AND a.attname = 'id') THEN
        RAISE EXCEPTION 'table % must have id as its primary key', tbl
            USING ERRCODE = 'invalid_table_definition';
    END IF;
    IF EXISTS (SELECT 1 FROM shopsync.synced_tables WHERE synced_tables.entity = entity_name
                                                      AND relid <> tbl) THEN
        RAISE EXCEPTION 'entity name "%" is already used by another table', entity_name
            USING ERRCODE = 'duplicate_object';
    END IF;

    -- The RLS policy compares shop_id; it must lead an index (DESIGN §4).
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = tbl AND a.attname = 'shop_id') THEN
        EXECUTE format('CREATE INDEX ON %s (shop_id)', tbl);
    END IF;

    EXECUTE format('DROP TRIGGER IF EXISTS zz_shopsync_stamp ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS zz_shopsync_log ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS zz_shopsync_flush ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS zz_shopsync_no_truncate ON %s', tbl);
    -- zz_: BEFORE triggers fire in name order; stamping runs after the application's own.
    EXECUTE format('CREATE TRIGGER zz_shopsync_stamp BEFORE INSERT OR UPDATE OR DELETE ON %s
                    FOR EACH ROW EXECUTE FUNCTION shopsync.stamp_row()', tbl);
    EXECUTE format('CREATE TRIGGER zz_shopsync_log AFTER INSERT OR UPDATE ON %s
                    FOR EACH ROW EXECUTE FUNCTION shopsync.log_row(%L)', tbl, entity_name);
    EXECUTE format('CREATE TRIGGER zz_shopsync_flush AFTER INSERT OR UPDATE OR DELETE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION shopsync.flush_log()', tbl);
    EXECUTE format('CREATE TRIGGER zz_shopsync_no_truncate BEFORE TRUNCATE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION shopsync.refuse_truncate()', tbl);

    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('DROP POLICY IF EXISTS shopsync_shop_isolation ON %s', tbl);
    EXECUTE format('CREATE POLICY shopsync_shop_isolation ON %s
                    USING (shop_id = (SELECT shopsync.current_shop_id()))
                    WITH CHECK (shop_id = (SELECT shopsync.current_shop_id()))', tbl);
    -- Clients read under RLS; they write only through api.sync_push.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        EXECUTE format('GRANT SELECT ON %s TO authenticated', tbl);
    END IF;

    INSERT INTO shopsync.synced_tables (relid, entity) VALUES (tbl, entity_name)
    ON CONFLICT (relid) DO UPDATE SET entity = excluded.entity;
    RETURN entity_name;
END
$fn$;
COMMENT ON FUNCTION shopsync.enable_sync(regclass, text) IS
    'Registers a table for sync: checks its columns, installs the C++ triggers, forces RLS by shop_id.';
