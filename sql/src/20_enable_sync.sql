-- sql/src/20_enable_sync.sql — registering a table for sync.

-- Checks the sync columns, installs the triggers, enables and forces RLS with
-- the shop policy and grants clients read access, and records the entity's
-- rules. Idempotent; without rules, a table registered before keeps its rules.
-- Built-in entities are registered with this same function.
--   rules: {"write_roles": ["owner","staff"], "delete_roles": ["owner"],
--           "status": {"column": "status", "transitions": {"pending": ["done"], "done": []},
--                      "override_roles": ["owner"]},
--           "parents": [{"entity": "orders", "column": "order_id"}]}
CREATE FUNCTION shopsync.enable_sync(tbl regclass, entity text DEFAULT NULL, rules jsonb DEFAULT NULL)
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
    r constant jsonb := coalesce(rules, '{}');
    k text;
    link jsonb;
    write_r text[] := '{owner,staff}';
    delete_r text[] := '{owner}';
    override_r text[] := '{owner}';
    status_col text;
    transitions jsonb;
    parent_links jsonb := '[]';
    -- The policy's shop: once per statement through a sub-select; on Citus,
    -- which refuses sub-selects in policies, a direct call (sql/src/80_citus.sql).
    member_shop text := '(SELECT shopsync.current_member_shop_id())';
    distributed boolean := false;
BEGIN
    IF to_regprocedure('shopsync.is_distributed()') IS NOT NULL THEN
        IF shopsync.is_distributed() THEN
            member_shop := 'shopsync.current_member_shop_id()';
            distributed := true;
            PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
        END IF;
    END IF;
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
    -- Tenant key (shop_id, id): ids live per shop. A primary key (id) alone
    -- is accepted for tables made before 0.2.0; its ids are then global.
    IF NOT EXISTS (SELECT 1 FROM pg_index i
                    WHERE i.indrelid = tbl AND i.indisprimary
                      AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
                             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                             JOIN pg_attribute a ON a.attrelid = tbl AND a.attnum = k.attnum)
                          IN (ARRAY['shop_id', 'id'], ARRAY['id'])) THEN
        RAISE EXCEPTION 'table % must have the primary key (shop_id, id)', tbl
            USING ERRCODE = 'invalid_table_definition';
    END IF;
    -- delete_shop removes the rows of every synced table; a table outside the
    -- registry whose foreign key forbids that would make it fail.
    SELECT c.conname, c.conrelid::regclass AS child INTO col
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.confrelid = tbl AND c.conrelid <> tbl
       AND c.confdeltype NOT IN ('c', 'n', 'd')
       AND c.conrelid NOT IN (SELECT relid FROM shopsync.synced_tables)
     ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'foreign key % of % would block shopsync.delete_shop', col.conname, col.child
            USING ERRCODE = 'invalid_table_definition',
                  HINT = 'Give that key ON DELETE CASCADE (or SET NULL), or register its table with shopsync.enable_sync.';
    END IF;
    IF EXISTS (SELECT 1 FROM shopsync.synced_tables WHERE synced_tables.entity = entity_name
                                                      AND relid <> tbl) THEN
        RAISE EXCEPTION 'entity name "%" is already used by another table', entity_name
            USING ERRCODE = 'duplicate_object';
    END IF;

    -- The rules (same shape as api.sync_health()'s "rules").
    IF jsonb_typeof(r) <> 'object' THEN
        RAISE EXCEPTION 'rules must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT jsonb_object_keys(r) LOOP
        IF k NOT IN ('write_roles', 'delete_roles', 'status', 'parents') THEN
            RAISE EXCEPTION 'unknown rule "%"', k USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Rules are write_roles, delete_roles, status and parents.';
        END IF;
    END LOOP;
    FOR k IN SELECT unnest(ARRAY['write_roles', 'delete_roles']) LOOP
        IF r ? k AND (jsonb_typeof(r->k) <> 'array'
                      OR NOT ARRAY(SELECT jsonb_array_elements_text(r->k)) <@ '{owner,staff}'::text[]) THEN
            RAISE EXCEPTION '% must be an array of "owner" and "staff"', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF r ? 'write_roles' THEN write_r := ARRAY(SELECT jsonb_array_elements_text(r->'write_roles')); END IF;
    IF r ? 'delete_roles' THEN delete_r := ARRAY(SELECT jsonb_array_elements_text(r->'delete_roles')); END IF;
    IF jsonb_typeof(r->'status') = 'object' THEN
        status_col := r->'status'->>'column';
        transitions := r->'status'->'transitions';
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = status_col
                          AND NOT a.attisdropped AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)) THEN
            RAISE EXCEPTION 'status column "%" of % must exist and be text', status_col, tbl
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF jsonb_typeof(transitions) IS DISTINCT FROM 'object'
           OR EXISTS (SELECT 1 FROM jsonb_each(transitions) t
                       WHERE jsonb_typeof(t.value) <> 'array'
                          OR EXISTS (SELECT 1 FROM jsonb_array_elements(t.value) v
                                      WHERE jsonb_typeof(v) <> 'string' OR NOT transitions ? (v #>> '{}')))
        THEN
            RAISE EXCEPTION 'status transitions must map every status to an array of statuses'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'For example {"pending": ["done"], "done": []}: every target is a key too.';
        END IF;
        IF r->'status' ? 'override_roles' THEN
            IF jsonb_typeof(r->'status'->'override_roles') <> 'array'
               OR NOT ARRAY(SELECT jsonb_array_elements_text(r->'status'->'override_roles')) <@ '{owner,staff}'::text[] THEN
                RAISE EXCEPTION 'override_roles must be an array of "owner" and "staff"' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            override_r := ARRAY(SELECT jsonb_array_elements_text(r->'status'->'override_roles'));
        END IF;
    ELSIF r ? 'status' AND jsonb_typeof(r->'status') <> 'null' THEN
        RAISE EXCEPTION 'status must be an object or null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF r ? 'parents' THEN
        IF jsonb_typeof(r->'parents') <> 'array' THEN
            RAISE EXCEPTION 'parents must be an array' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR link IN SELECT jsonb_array_elements(r->'parents') LOOP
            IF NOT EXISTS (SELECT 1 FROM shopsync.synced_tables t WHERE t.entity = link->>'entity') THEN
                RAISE EXCEPTION 'parent entity "%" is not synced', link->>'entity'
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Register the parent first.';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = link->>'column'
                              AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype) THEN
                RAISE EXCEPTION 'parent column "%" of % must exist and be a uuid', link->>'column', tbl
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            parent_links := parent_links || jsonb_build_array(jsonb_build_object('entity', link->>'entity', 'column', link->>'column'));
        END LOOP;
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
                    USING (shop_id = %s) WITH CHECK (shop_id = %s)', tbl, member_shop, member_shop);
    -- Clients read under RLS; they write only through api.sync_push.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        EXECUTE format('GRANT SELECT ON %s TO authenticated', tbl);
    END IF;

    -- On Citus the table must be keyed by (shop_id, id) and exist on every node
    -- before the registry (a reference table) names it (sql/src/80_citus.sql).
    IF distributed THEN
        PERFORM shopsync.citus_before_enable_sync(tbl);
    END IF;
    IF rules IS NULL THEN
        INSERT INTO shopsync.synced_tables (relid, entity) VALUES (tbl, entity_name)
        ON CONFLICT (relid) DO UPDATE SET entity = excluded.entity;
    ELSE
        INSERT INTO shopsync.synced_tables AS t (relid, entity, write_roles, delete_roles, status_column,
                                                 status_transitions, override_roles, parents)
        VALUES (tbl, entity_name, write_r, delete_r, status_col, transitions, override_r, parent_links)
        ON CONFLICT (relid) DO UPDATE SET entity = excluded.entity, write_roles = excluded.write_roles,
            delete_roles = excluded.delete_roles, status_column = excluded.status_column,
            status_transitions = excluded.status_transitions, override_roles = excluded.override_roles,
            parents = excluded.parents;
    END IF;
    -- On a distributed database the table is distributed by shop_id like the others.
    IF to_regprocedure('shopsync.citus_after_enable_sync(regclass)') IS NOT NULL THEN
        PERFORM shopsync.citus_after_enable_sync(tbl);
    END IF;
    RETURN entity_name;
END
$fn$;
COMMENT ON FUNCTION shopsync.enable_sync(regclass, text, jsonb) IS
    'Registers a table for sync: checks its columns, installs the C++ triggers, forces RLS by shop membership, records its rules.';
