-- sql/src/00_schema.sql — schemas, tenancy tables and the sync bookkeeping tables.
-- Domain words: shop (tenant), member (user in a shop with a role), change_log
-- (per-shop ordered log of row post-images), cursor (per-shop last drawn seq).

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION shopsync" to load this file. \quit

-- Both schemas are created here, not through the control file, so that they
-- belong to the extension and DROP EXTENSION removes them.
CREATE SCHEMA shopsync;
-- Functions meant for clients live in "api", the schema PostgREST exposes.
CREATE SCHEMA api;

CREATE TABLE shopsync.shops (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shopsync.shop_members (
    shop_id     uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL,
    role        text NOT NULL CHECK (role IN ('owner', 'staff', 'viewer')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX shop_members_user_idx ON shopsync.shop_members (user_id);

-- One row per shop: the last seq drawn. Writers lock this row to draw the
-- next seq, so seq order is commit order (DESIGN §3). purged_seq is the
-- retention horizon: changes at or below it may be gone.
CREATE TABLE shopsync.shop_cursors (
    shop_id     uuid PRIMARY KEY REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    last_seq    bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    purged_seq  bigint NOT NULL DEFAULT 0 CHECK (purged_seq >= 0)
);

-- No foreign key to shops here or on idempotency_keys: every entry is written
-- for a row (or by a member) whose shop exists, and a per-row RI check would
-- double the cost of logging.
CREATE TABLE shopsync.change_log (
    shop_id     uuid NOT NULL,
    seq         bigint NOT NULL,
    entity      text NOT NULL,
    entity_id   uuid NOT NULL,
    op          text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    version     bigint NOT NULL,
    changed_at  timestamptz NOT NULL,
    payload     jsonb NOT NULL,
    device_id   text,
    PRIMARY KEY (shop_id, seq)
);
CREATE INDEX change_log_changed_at_idx ON shopsync.change_log (changed_at);

CREATE TABLE shopsync.devices (
    shop_id        uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    device_id      text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 200),
    user_id        uuid,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_push_at   timestamptz,
    push_count     bigint NOT NULL DEFAULT 0,
    event_count    bigint NOT NULL DEFAULT 0,
    rejected_count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, device_id)
);

CREATE TABLE shopsync.idempotency_keys (
    shop_id       uuid NOT NULL,
    key           uuid NOT NULL,
    request_hash  text NOT NULL,
    outcome       jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON shopsync.idempotency_keys (created_at);

CREATE TABLE shopsync.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    shop_id     uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     uuid,
    device_id   text,
    action      text NOT NULL,
    entity      text,
    entity_id   uuid,
    detail      jsonb,
    PRIMARY KEY (shop_id, id) -- every tenant table leads with shop_id (docs/citus-plan.md)
);
CREATE INDEX audit_log_shop_idx ON shopsync.audit_log (shop_id, at);

-- Tables registered with enable_sync(); entity is the name clients use.
-- The rest of a row is the entity's rules, read by the one push engine
-- (rules as data, DESIGN §2): who may write and who may delete or restore,
-- the status column with its allowed moves and who may override them, and
-- the parent links (a child needs a live parent; a parent's tombstone
-- cascades to its children). api.sync_health() serves them to devices.
CREATE TABLE shopsync.synced_tables (
    relid          regclass PRIMARY KEY,
    entity         text NOT NULL UNIQUE,
    enabled_at     timestamptz NOT NULL DEFAULT now(),
    write_roles    text[] NOT NULL DEFAULT '{owner,staff}'
                   CHECK (write_roles <@ '{owner,staff}'),
    delete_roles   text[] NOT NULL DEFAULT '{owner}'
                   CHECK (delete_roles <@ '{owner,staff}'),
    status_column  text,
    -- {"from": ["to", …], …}: every status is a key; staying in place is always allowed
    status_transitions jsonb CHECK ((status_column IS NULL) = (status_transitions IS NULL)),
    override_roles text[] NOT NULL DEFAULT '{owner}'
                   CHECK (override_roles <@ '{owner,staff}'),
    -- [{"entity": "orders", "column": "order_id"}, …]
    parents        jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(parents) = 'array')
);
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
BEGIN
    IF to_regprocedure('shopsync.is_distributed()') IS NOT NULL THEN
        IF shopsync.is_distributed() THEN
            member_shop := 'shopsync.current_member_shop_id()';
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
-- sql/src/30_entities.sql — the shop app's synced entities. Every one is keyed
-- by (shop_id, id): ids live per shop. Display codes are unique per shop among
-- live rows and are never keys; references stay inside one shop through
-- (shop_id, id) foreign keys.

CREATE TABLE shopsync.customers (
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id        uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    customer_code  text CHECK (length(customer_code) BETWEEN 1 AND 40),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone          text CHECK (length(phone) <= 40),
    email          text CHECK (length(email) <= 320),
    address        text CHECK (length(address) <= 1000),
    notes          text CHECK (length(notes) <= 4000),
    version        bigint NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    PRIMARY KEY (shop_id, id)
);
CREATE UNIQUE INDEX customers_code_live_idx ON shopsync.customers (shop_id, customer_code)
    WHERE deleted_at IS NULL;

CREATE TABLE shopsync.orders (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id      uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    order_code   text CHECK (length(order_code) BETWEEN 1 AND 40),
    customer_id  uuid,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'confirmed', 'shipping', 'delivered', 'cancelled')),
    subtotal     numeric(12, 2) NOT NULL DEFAULT 0 CHECK (subtotal >= 0),
    discount     numeric(12, 2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
    tax          numeric(12, 2) NOT NULL DEFAULT 0 CHECK (tax >= 0),
    total        numeric(12, 2) NOT NULL DEFAULT 0 CHECK (total >= 0),
    notes        text CHECK (length(notes) <= 4000),
    ordered_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (shop_id, id),
    -- A purged customer leaves its orders without one (PostgreSQL 15 column list).
    FOREIGN KEY (shop_id, customer_id) REFERENCES shopsync.customers (shop_id, id)
        ON DELETE SET NULL (customer_id)
);
CREATE UNIQUE INDEX orders_code_live_idx ON shopsync.orders (shop_id, order_code)
    WHERE deleted_at IS NULL;
CREATE INDEX orders_customer_idx ON shopsync.orders (shop_id, customer_id);

CREATE TABLE shopsync.order_items (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id       uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    order_id      uuid NOT NULL,
    product_name  text NOT NULL CHECK (length(product_name) BETWEEN 1 AND 200),
    sku           text CHECK (length(sku) <= 64),
    quantity      numeric(12, 3) NOT NULL CHECK (quantity > 0),
    unit_price    numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
    line_total    numeric(14, 2) GENERATED ALWAYS AS (round(quantity * unit_price, 2)) STORED,
    version       bigint NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, order_id) REFERENCES shopsync.orders (shop_id, id) ON DELETE CASCADE
);
CREATE INDEX order_items_order_idx ON shopsync.order_items (shop_id, order_id);

-- One row per shop.
CREATE TABLE shopsync.shop_settings (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id       uuid NOT NULL UNIQUE REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    display_name  text CHECK (length(display_name) <= 200),
    currency      text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    tax_rate      numeric(6, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
    timezone      text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) <= 64),
    version       bigint NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (shop_id, id)
);

-- The built-in entities' rules, registered as a user's table would be.
SELECT shopsync.enable_sync('shopsync.customers', rules => '{"delete_roles": ["owner"]}');
-- An order's status only moves forward (cancelled from pending or confirmed);
-- moving it any other way needs an owner's explicit override (audited).
SELECT shopsync.enable_sync('shopsync.orders', rules => '{"delete_roles": ["owner"],
    "status": {"column": "status", "override_roles": ["owner"], "transitions": {
        "pending": ["confirmed", "shipping", "delivered", "cancelled"],
        "confirmed": ["shipping", "delivered", "cancelled"],
        "shipping": ["delivered"], "delivered": [], "cancelled": []}}}');
-- Line items are part of editing an order, which staff do.
SELECT shopsync.enable_sync('shopsync.order_items',
    rules => '{"delete_roles": ["owner", "staff"], "parents": [{"entity": "orders", "column": "order_id"}]}');
SELECT shopsync.enable_sync('shopsync.shop_settings', rules => '{"write_roles": ["owner"], "delete_roles": ["owner"]}');
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
-- sql/src/60_auth.sql — users, refresh tokens and shop membership management
-- for the bundled gateway (on Supabase, GoTrue plays this part).
-- Passwords are hashed by the gateway (argon2id) and only the hash is stored;
-- refresh tokens are stored as SHA-256 hashes, rotate on every use, and a
-- reused (already rotated) token revokes its whole family.

CREATE TABLE shopsync.users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text NOT NULL UNIQUE CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'
                                               AND length(email) <= 320),
    password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shopsync.refresh_tokens (
    token_hash  text PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES shopsync.users (id) ON DELETE CASCADE,
    shop_id     uuid REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON shopsync.refresh_tokens (family_id);

-- Nobody reads these tables directly: RLS on, no policy.
ALTER TABLE shopsync.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.users FORCE ROW LEVEL SECURITY;
ALTER TABLE shopsync.refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.refresh_tokens FORCE ROW LEVEL SECURITY;
REVOKE ALL ON shopsync.users, shopsync.refresh_tokens FROM PUBLIC;

-- ---- who users are: Supabase Auth's auth.users when it exists, else shopsync.users ----
-- (looked up dynamically, so installing Supabase Auth later needs no change here)

CREATE FUNCTION shopsync.user_id_by_email(email text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found uuid;
BEGIN
    IF to_regclass('auth.users') IS NOT NULL THEN
        EXECUTE 'SELECT id FROM auth.users WHERE lower(email) = lower($1) ORDER BY created_at LIMIT 1'
            INTO found USING email;
    ELSE
        SELECT u.id INTO found FROM shopsync.users u WHERE u.email = lower(user_id_by_email.email);
    END IF;
    RETURN found;
END
$$;

CREATE FUNCTION shopsync.user_email(user_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found text;
BEGIN
    IF to_regclass('auth.users') IS NOT NULL THEN
        EXECUTE 'SELECT email::text FROM auth.users WHERE id = $1' INTO found USING user_id;
    ELSE
        SELECT u.email INTO found FROM shopsync.users u WHERE u.id = user_email.user_id;
    END IF;
    RETURN found;
END
$$;

-- The shop a user chose to work in (api.set_active_shop): new tokens name it
-- (the gateway's sign-in, and Supabase's access-token hook). Keyed by user,
-- like refresh_tokens: shop_id is nullable, so it is not a per-shop table.
CREATE TABLE shopsync.active_shops (
    user_id    uuid PRIMARY KEY,
    shop_id    uuid REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    chosen_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE shopsync.active_shops ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.active_shops FORCE ROW LEVEL SECURITY;
REVOKE ALL ON shopsync.active_shops FROM PUBLIC;

-- The user's active shop while they are still a member of it, else NULL.
CREATE FUNCTION shopsync.active_shop(user_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.shop_id FROM shopsync.active_shops a
      JOIN shopsync.shop_members m ON m.shop_id = a.shop_id AND m.user_id = a.user_id
     WHERE a.user_id = active_shop.user_id
$$;
REVOKE ALL ON FUNCTION shopsync.user_id_by_email(text), shopsync.user_email(uuid), shopsync.active_shop(uuid) FROM PUBLIC;

-- ---- called by the gateway's login role only -------------------------------------

CREATE FUNCTION shopsync.auth_signup(email text, password_hash text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO shopsync.users (email, password_hash) VALUES (lower(email), password_hash) RETURNING id
$$;

CREATE FUNCTION shopsync.auth_password_hash(email text) RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id, password_hash FROM shopsync.users WHERE users.email = lower(auth_password_hash.email)
$$;

-- The user's memberships, so the gateway can pick the shop for a token:
-- the active shop first (a sign-in that names none gets it), then by age.
CREATE FUNCTION shopsync.auth_memberships(user_id uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('shop_id', m.shop_id, 'role', m.role)
                              ORDER BY m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(auth_memberships.user_id) DESC,
                                       m.created_at), '[]')
      FROM shopsync.shop_members m WHERE m.user_id = auth_memberships.user_id
$$;

CREATE FUNCTION shopsync.auth_issue_refresh(user_id uuid, shop_id uuid, token_hash text, family_id uuid,
                                            ttl interval) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO shopsync.refresh_tokens (token_hash, family_id, user_id, shop_id, expires_at)
    VALUES (token_hash, family_id, user_id, shop_id, now() + ttl)
$$;

-- Rotates a refresh token: marks it used and returns its user, shop and
-- family. A token used before is a theft signal: its family is revoked and
-- the call fails (PT401), as is an expired or revoked token. One exception,
-- for an answer lost on the way (issue 10): the same token again within 30 s
-- of its use, while the successor the family issued right after it is still
-- unused, returns {"retry": true, …, "successor_hash"} so the gateway can hand
-- out that same successor (it derives it from the token; only hashes are stored).
CREATE FUNCTION shopsync.auth_rotate_refresh(token_hash text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t shopsync.refresh_tokens;
    successor shopsync.refresh_tokens;
BEGIN
    SELECT * INTO t FROM shopsync.refresh_tokens r WHERE r.token_hash = auth_rotate_refresh.token_hash FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid refresh token' USING ERRCODE = 'PT401';
    END IF;
    IF t.used_at IS NOT NULL THEN
        IF t.revoked_at IS NULL AND t.used_at > now() - interval '30 seconds' THEN
            SELECT * INTO successor FROM shopsync.refresh_tokens r
             WHERE r.family_id = t.family_id AND r.issued_at >= t.used_at AND r.token_hash <> t.token_hash
             ORDER BY r.issued_at LIMIT 1;
            IF FOUND AND successor.used_at IS NULL AND successor.revoked_at IS NULL AND successor.expires_at > now() THEN
                RETURN jsonb_build_object('retry', true, 'user_id', t.user_id, 'shop_id', successor.shop_id,
                                          'family_id', t.family_id, 'successor_hash', successor.token_hash,
                                          'email', (SELECT email FROM shopsync.users WHERE id = t.user_id));
            END IF;
        END IF;
        -- (revoked_at IS NULL, not coalesce(revoked_at, now()): Citus refuses the latter)
        UPDATE shopsync.refresh_tokens SET revoked_at = now() WHERE family_id = t.family_id AND revoked_at IS NULL;
        -- The revocation must survive this call's failure, so it is returned, not raised.
        RETURN jsonb_build_object('reused', true);
    END IF;
    IF t.revoked_at IS NOT NULL OR t.expires_at <= now() THEN
        RAISE EXCEPTION 'refresh token expired or revoked' USING ERRCODE = 'PT401';
    END IF;
    UPDATE shopsync.refresh_tokens r SET used_at = now() WHERE r.token_hash = t.token_hash;
    RETURN jsonb_build_object('user_id', t.user_id, 'shop_id', t.shop_id, 'family_id', t.family_id,
                              'email', (SELECT email FROM shopsync.users WHERE id = t.user_id));
END
$$;

-- PL/pgSQL, not SQL: Citus plans no parameter of an SQL function's statement.
CREATE FUNCTION shopsync.auth_revoke_family(token_hash text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    family uuid := (SELECT family_id FROM shopsync.refresh_tokens r WHERE r.token_hash = auth_revoke_family.token_hash);
BEGIN
    UPDATE shopsync.refresh_tokens SET revoked_at = now() WHERE family_id = family AND revoked_at IS NULL;
END
$$;

REVOKE ALL ON FUNCTION shopsync.auth_signup(text, text), shopsync.auth_password_hash(text),
    shopsync.auth_memberships(uuid), shopsync.auth_issue_refresh(uuid, uuid, text, uuid, interval),
    shopsync.auth_rotate_refresh(text), shopsync.auth_revoke_family(text) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopsync_gateway') THEN
        GRANT USAGE ON SCHEMA shopsync TO shopsync_gateway;
        GRANT EXECUTE ON FUNCTION shopsync.auth_signup(text, text), shopsync.auth_password_hash(text),
            shopsync.auth_memberships(uuid), shopsync.auth_issue_refresh(uuid, uuid, text, uuid, interval),
            shopsync.auth_rotate_refresh(text), shopsync.auth_revoke_family(text) TO shopsync_gateway;
    END IF;
END
$do$;

-- ---- shops and members, for signed-in users (schema api) ----------------------------

-- Creates a shop; the caller becomes its owner. Needs a user claim only.
CREATE FUNCTION api.create_shop(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller uuid := shopsync.current_user_id();
    shop uuid;
BEGIN
    IF caller IS NULL THEN
        RAISE EXCEPTION 'sign in to create a shop' USING ERRCODE = '42501';
    END IF;
    INSERT INTO shopsync.shops (name) VALUES (name) RETURNING id INTO shop;
    INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES (shop, caller, 'owner');
    RETURN jsonb_build_object('shop_id', shop, 'role', 'owner');
END
$$;

-- The caller must own the shop named by their claims.
CREATE FUNCTION shopsync.require_owner() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.current_shop_id();
BEGIN
    IF shop IS NULL OR NOT EXISTS (SELECT 1 FROM shopsync.shop_members m WHERE m.shop_id = shop
                                      AND m.user_id = shopsync.current_user_id() AND m.role = 'owner') THEN
        RAISE EXCEPTION 'only an owner of this shop can manage its members' USING ERRCODE = '42501';
    END IF;
    RETURN shop;
END
$$;

-- Refuses (PT409) a change that would leave the shop without an owner other
-- than `leaving`; locks the shop's memberships first so two owners cannot
-- demote each other at once.
CREATE FUNCTION shopsync.require_other_owner(shop uuid, leaving uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM 1 FROM shopsync.shop_members m WHERE m.shop_id = shop FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM shopsync.shop_members m WHERE m.shop_id = shop AND m.role = 'owner'
                      AND m.user_id <> leaving) THEN
        RAISE EXCEPTION 'a shop keeps at least one owner' USING ERRCODE = 'PT409';
    END IF;
END
$$;

CREATE FUNCTION api.add_member(email text, role text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_owner();
    member uuid;
BEGIN
    IF role NOT IN ('owner', 'staff', 'viewer') THEN
        RAISE EXCEPTION 'role must be owner, staff or viewer' USING ERRCODE = '22023';
    END IF;
    member := shopsync.user_id_by_email(add_member.email);
    IF member IS NULL THEN
        RAISE EXCEPTION 'no user signed up with that email' USING ERRCODE = 'PT404';
    END IF;
    INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES (shop, member, role)
    ON CONFLICT (shop_id, user_id) DO UPDATE SET role = excluded.role;
    INSERT INTO shopsync.audit_log (shop_id, user_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), 'add_member', jsonb_build_object('member', member, 'role', role));
    RETURN jsonb_build_object('user_id', member, 'role', role);
END
$$;

CREATE FUNCTION api.set_member_role(user_id uuid, role text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_owner();
BEGIN
    IF role NOT IN ('owner', 'staff', 'viewer') THEN
        RAISE EXCEPTION 'role must be owner, staff or viewer' USING ERRCODE = '22023';
    END IF;
    IF role <> 'owner' THEN
        PERFORM shopsync.require_other_owner(shop, set_member_role.user_id);
    END IF;
    UPDATE shopsync.shop_members m SET role = set_member_role.role
     WHERE m.shop_id = shop AND m.user_id = set_member_role.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such member' USING ERRCODE = 'PT404';
    END IF;
    INSERT INTO shopsync.audit_log (shop_id, user_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), 'set_member_role', jsonb_build_object('member', user_id, 'role', role));
    RETURN jsonb_build_object('user_id', user_id, 'role', role);
END
$$;

CREATE FUNCTION api.remove_member(user_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_owner();
BEGIN
    PERFORM shopsync.require_other_owner(shop, remove_member.user_id);
    DELETE FROM shopsync.shop_members m WHERE m.shop_id = shop AND m.user_id = remove_member.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such member' USING ERRCODE = 'PT404';
    END IF;
    INSERT INTO shopsync.audit_log (shop_id, user_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), 'remove_member', jsonb_build_object('member', user_id));
    RETURN jsonb_build_object('removed', user_id);
END
$$;

CREATE FUNCTION api.list_members() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', m.user_id, 'email', shopsync.user_email(m.user_id),
                                                 'role', m.role) ORDER BY m.created_at), '[]')
      FROM shopsync.shop_members m
     WHERE m.shop_id = shopsync.require_owner()
$$;

REVOKE ALL ON FUNCTION api.create_shop(text), shopsync.require_owner(), shopsync.require_other_owner(uuid, uuid), api.add_member(text, text),
    api.set_member_role(uuid, text), api.remove_member(uuid), api.list_members() FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.create_shop(text), api.add_member(text, text),
            api.set_member_role(uuid, text), api.remove_member(uuid), api.list_members() TO authenticated;
    END IF;
END
$do$;
-- sql/src/65_supabase_auth.sql — Supabase Auth as an identity source: the
-- active shop a user works in, Supabase's custom access-token hook that puts
-- it into the token, and the sign-out of the gateway's GoTrue-style routes.
-- (Members resolve from auth.users when it exists: shopsync.user_id_by_email
-- and shopsync.user_email in 60_auth.sql.)

-- Chooses the shop the caller's next tokens name (the caller must be a
-- member): the hook reads it at every sign-in and refresh; the gateway at a
-- sign-in that names no shop and at a /auth/v1 refresh.
CREATE FUNCTION api.set_active_shop(shop_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller uuid := shopsync.current_user_id();
    member_role text;
BEGIN
    SELECT m.role INTO member_role FROM shopsync.shop_members m
     WHERE m.shop_id = set_active_shop.shop_id AND m.user_id = caller;
    IF caller IS NULL OR member_role IS NULL THEN
        RAISE EXCEPTION 'not a member of that shop' USING ERRCODE = '42501';
    END IF;
    INSERT INTO shopsync.active_shops (user_id, shop_id) VALUES (caller, set_active_shop.shop_id)
    ON CONFLICT (user_id) DO UPDATE SET shop_id = excluded.shop_id, chosen_at = now();
    RETURN jsonb_build_object('shop_id', set_active_shop.shop_id, 'role', member_role);
END
$$;

-- The caller's shops (any token with a user claim), the active one marked.
CREATE FUNCTION api.my_shops() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('shop_id', m.shop_id, 'name', s.name, 'role', m.role,
                                                 'active', m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(m.user_id))
                              ORDER BY m.created_at), '[]')
      FROM shopsync.shop_members m JOIN shopsync.shops s ON s.id = m.shop_id
     WHERE m.user_id = shopsync.current_user_id()
$$;

-- Supabase Auth's custom access-token hook (event {user_id, claims, …} ->
-- {claims}): claims.app_metadata gets shop_id and shop_role of the user's
-- active shop, else of their oldest membership; without a membership they are
-- removed, so a stale shop never stays in a token. Enable it as
-- pg-functions://postgres/shopsync/custom_access_token_hook.
CREATE FUNCTION shopsync.custom_access_token_hook(event jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    uid uuid := (event->>'user_id')::uuid;
    claims jsonb := coalesce(event->'claims', '{}');
    meta jsonb := coalesce(claims->'app_metadata', '{}') - 'shop_id' - 'shop_role';
    chosen record;
BEGIN
    SELECT m.shop_id, m.role INTO chosen FROM shopsync.shop_members m
     WHERE m.user_id = uid
     ORDER BY m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(uid) DESC, m.created_at
     LIMIT 1;
    IF FOUND THEN
        meta := meta || jsonb_build_object('shop_id', chosen.shop_id, 'shop_role', chosen.role);
    END IF;
    RETURN jsonb_build_object('claims', jsonb_set(claims, '{app_metadata}', meta));
END
$$;

-- Sign-out of the gateway's /auth/v1/logout: scope global (every session of
-- the user), local (this session: its refresh-token family) or others.
-- (PL/pgSQL and revoked_at IS NULL, not coalesce(): as auth_revoke_family, for Citus.)
CREATE FUNCTION shopsync.auth_revoke_sessions(user_id uuid, session uuid, scope text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE shopsync.refresh_tokens r SET revoked_at = now()
     WHERE r.user_id = auth_revoke_sessions.user_id AND r.revoked_at IS NULL
       AND CASE auth_revoke_sessions.scope
               WHEN 'local' THEN r.family_id = auth_revoke_sessions.session
               WHEN 'others' THEN r.family_id IS DISTINCT FROM auth_revoke_sessions.session
               ELSE true END;
END
$$;

REVOKE ALL ON FUNCTION api.set_active_shop(uuid), api.my_shops(), shopsync.custom_access_token_hook(jsonb),
    shopsync.auth_revoke_sessions(uuid, uuid, text) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.set_active_shop(uuid), api.my_shops() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopsync_gateway') THEN
        GRANT EXECUTE ON FUNCTION shopsync.auth_revoke_sessions(uuid, uuid, text), shopsync.active_shop(uuid)
            TO shopsync_gateway;
    END IF;
    -- Supabase runs access-token hooks as supabase_auth_admin.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_auth_admin') THEN
        GRANT USAGE ON SCHEMA shopsync TO supabase_auth_admin;
        GRANT EXECUTE ON FUNCTION shopsync.custom_access_token_hook(jsonb) TO supabase_auth_admin;
    END IF;
END
$do$;
-- sql/src/70_restore_epoch.sql — the restore epoch, and what a logical dump keeps.
--
-- A restore loses the server's newest writes, which devices may hold as
-- synced. The restore epoch tells them: it is new after every restore, and
-- every answer carries it (sync_health, push, pull, snapshot), so a device
-- notices on its next call and re-uploads what the restored server lacks.
--
-- It is derived, so no step of a restore can be forgotten: an epoch belongs
-- to the identity (cluster system identifier, timeline, database oid) it was
-- first served under.
--   * a crash restart keeps all three: same epoch;
--   * a point-in-time recovery (or a promoted replica) ends on a new timeline;
--   * a pg_dump / pg_restore lands in a new database (new oid) or a new
--     cluster (new system identifier), and this table is not dumped, so even
--     a restore into the same database starts without an epoch.
-- The epoch itself is random (minted on the first call under a new identity),
-- not a hash of the identity: two restores of the same backup may reach the
-- same timeline number, and the second must still look new to a device that
-- saw the first. A restore PostgreSQL cannot tell from a crash (a storage
-- snapshot copied back) needs shopsync.new_restore_epoch().
CREATE TABLE shopsync.restore_epochs (
    system_identifier numeric NOT NULL,
    timeline_id       integer NOT NULL,
    database_oid      oid NOT NULL,
    epoch             uuid NOT NULL DEFAULT gen_random_uuid(),
    started_at        timestamptz NOT NULL DEFAULT now(),
    reason            text,
    PRIMARY KEY (system_identifier, timeline_id, database_oid)
);
COMMENT ON TABLE shopsync.restore_epochs IS
    'Restore epochs by server identity (system identifier, timeline, database); never dumped, so a logical restore starts a new one.';

CREATE FUNCTION shopsync.restore_epoch() RETURNS uuid
    AS 'MODULE_PATHNAME', 'restore_epoch' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION shopsync.restore_epoch() IS
    'The server''s restore epoch: new after every point-in-time recovery, promotion or logical restore; stable across crash restarts.';

-- For a restore PostgreSQL sees as a crash (a file-system or volume snapshot
-- put back): replaces the current identity's epoch, so devices re-upload.
CREATE FUNCTION shopsync.new_restore_epoch(reason text) RETURNS uuid
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH current AS (SELECT shopsync.restore_epoch() AS epoch)
    UPDATE shopsync.restore_epochs e
       SET epoch = gen_random_uuid(), started_at = now(), reason = new_restore_epoch.reason
      FROM current WHERE e.epoch = current.epoch
    RETURNING e.epoch;
$$;
COMMENT ON FUNCTION shopsync.new_restore_epoch(text) IS
    'Starts a new restore epoch by hand, for a restore PostgreSQL cannot tell from a crash (a storage snapshot).';

REVOKE ALL ON shopsync.restore_epochs FROM PUBLIC;
-- Server-wide, no shop's: read by the api functions' owner only.
ALTER TABLE shopsync.restore_epochs ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.restore_epochs FORCE ROW LEVEL SECURITY;
REVOKE ALL ON FUNCTION shopsync.restore_epoch(), shopsync.new_restore_epoch(text) FROM PUBLIC;

-- pg_dump writes the data of an extension's tables only when they are marked;
-- without this a logical dump held CREATE EXTENSION and no shop at all. The
-- built-in entities' registrations come from CREATE EXTENSION itself, so only
-- the application's own registrations are dumped. Load the dump with
-- pg_restore --disable-triggers (docs/runbook.md): the rows keep their
-- versions and tombstones instead of being stamped and logged again.
SELECT pg_catalog.pg_extension_config_dump('shopsync.shops', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.shop_members', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.shop_cursors', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.change_log', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.devices', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.idempotency_keys', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.customers', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.orders', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.order_items', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.shop_settings', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.users', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.refresh_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.synced_tables',
    $$WHERE entity NOT IN ('customers', 'orders', 'order_items', 'shop_settings')$$);
-- sql/src/71_retention_report.sql — what each retention run removed, per shop.
--
-- shopsync.purge() returns its report, but a scheduled run (pg_cron) keeps
-- only a status line: the report is also kept here, so an owner's question
-- "where did my old tombstones go" has an answer per shop and per run.
CREATE TABLE shopsync.purge_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at    timestamptz,
    tombstone_age  interval NOT NULL,
    log_age        interval NOT NULL,
    key_age        interval NOT NULL
);

-- what: an entity (its tombstones), 'change_log' or 'idempotency_keys'.
CREATE TABLE shopsync.purge_removed (
    run_id   bigint NOT NULL REFERENCES shopsync.purge_runs (id) ON DELETE CASCADE,
    shop_id  uuid NOT NULL,  -- no key to shops (as change_log): delete_shop removes these
    what     text NOT NULL,
    removed  bigint NOT NULL CHECK (removed > 0),
    PRIMARY KEY (shop_id, run_id, what)
);
CREATE INDEX purge_removed_run_idx ON shopsync.purge_removed (run_id);

-- The runs are server-wide (no policy: the purge's caller only); each
-- shop's counts are its own.
ALTER TABLE shopsync.purge_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.purge_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE shopsync.purge_removed ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.purge_removed FORCE ROW LEVEL SECURITY;
CREATE POLICY shopsync_shop_isolation ON shopsync.purge_removed
    USING (shop_id = (SELECT shopsync.current_member_shop_id()))
    WITH CHECK (shop_id = (SELECT shopsync.current_member_shop_id()));
REVOKE ALL ON shopsync.purge_runs, shopsync.purge_removed FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT ALL ON shopsync.purge_runs, shopsync.purge_removed TO service_role;
    END IF;
END
$do$;
SELECT pg_catalog.pg_extension_config_dump('shopsync.purge_runs', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.purge_runs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('shopsync.purge_removed', '');
-- sql/src/72_sync_stats.sql — sync dashboards: per-device and per-shop sync
-- figures, readable by the shop's owners (issue 16).
-- Domain words: outbox report (what a device says of its queue in each push:
-- pending and failed events, the age of its oldest event, the attempts of that
-- event = retry depth), issue (a conflict or a refusal the server answered).
-- sync_push keeps the figures with its one device upsert
-- (extension/pg/device_stats.cpp); nothing here runs per event.

-- Appended to shopsync.devices (an upgraded database gets the same columns in
-- the same order). The outbox_* and retry_depth columns are the device's last
-- report, NULL until a client that reports (protocol 3) pushed.
ALTER TABLE shopsync.devices
    ADD COLUMN conflict_count   bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_push_ms     double precision,
    ADD COLUMN push_ms_total    double precision NOT NULL DEFAULT 0,
    ADD COLUMN retry_depth      integer,
    ADD COLUMN outbox_pending   integer,
    ADD COLUMN outbox_failed    integer,
    ADD COLUMN outbox_age_ms    bigint,
    -- the device's latest conflicts and refusals, newest first, at most 20
    ADD COLUMN recent_issues    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(recent_issues) = 'array');

-- One row per device. security_invoker: a reader other than the extension's
-- owner sees only what RLS on devices lets it see (its own shop, as a member).
CREATE VIEW shopsync.sync_stats WITH (security_invoker = true) AS
SELECT d.shop_id, d.device_id, d.user_id, d.first_seen_at, d.last_seen_at, d.last_push_at,
       d.push_count, d.event_count, d.conflict_count, d.rejected_count,
       CASE WHEN d.event_count > 0 THEN d.conflict_count::float8 / d.event_count ELSE 0 END AS conflict_rate,
       CASE WHEN d.event_count > 0 THEN d.rejected_count::float8 / d.event_count ELSE 0 END AS rejection_rate,
       d.last_push_ms,
       CASE WHEN d.push_count > 0 THEN d.push_ms_total / d.push_count END AS avg_push_ms,
       d.retry_depth,
       d.outbox_pending AS pending_count,
       d.outbox_failed AS failed_count,
       d.outbox_age_ms / 1000.0 AS oldest_pending_age_s,
       d.recent_issues
  FROM shopsync.devices d;
COMMENT ON VIEW shopsync.sync_stats IS
    'Per device: last seen, push latency, conflict and rejection rates, and the device''s last outbox report (retry depth, pending, failed, oldest pending age).';

-- One row per shop with devices: the devices' figures added up (rates over
-- all the shop's events; depth and age are the worst device's).
CREATE VIEW shopsync.shop_sync_stats WITH (security_invoker = true) AS
SELECT s.shop_id, count(*) AS devices, max(s.last_seen_at) AS last_seen_at, max(s.last_push_at) AS last_push_at,
       sum(s.push_count)::bigint AS push_count, sum(s.event_count)::bigint AS event_count,
       sum(s.conflict_count)::bigint AS conflict_count, sum(s.rejected_count)::bigint AS rejected_count,
       CASE WHEN sum(s.event_count) > 0 THEN sum(s.conflict_count)::float8 / sum(s.event_count) ELSE 0 END
           AS conflict_rate,
       CASE WHEN sum(s.event_count) > 0 THEN sum(s.rejected_count)::float8 / sum(s.event_count) ELSE 0 END
           AS rejection_rate,
       CASE WHEN sum(s.push_count) > 0 THEN sum(d.push_ms_total) / sum(s.push_count) END AS avg_push_ms,
       max(s.retry_depth) AS retry_depth,
       sum(s.pending_count)::bigint AS pending_count, sum(s.failed_count)::bigint AS failed_count,
       max(s.oldest_pending_age_s) AS oldest_pending_age_s
  FROM shopsync.sync_stats s
  JOIN shopsync.devices d ON d.shop_id = s.shop_id AND d.device_id = s.device_id
 GROUP BY s.shop_id;
COMMENT ON VIEW shopsync.shop_sync_stats IS
    'Per shop: the devices'' sync figures added up (rates over all events; retry depth and pending age of the worst device).';

-- The caller must own the shop named by their claims; `action` names what
-- was asked in the error, so a clerk learns what was refused and why.
CREATE FUNCTION shopsync.require_shop_owner(action text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.current_shop_id();
    caller_role text;
BEGIN
    SELECT m.role INTO caller_role FROM shopsync.shop_members m
     WHERE m.shop_id = shop AND m.user_id = shopsync.current_user_id();
    IF caller_role IS NULL THEN
        RAISE EXCEPTION 'the caller is not a member of this shop' USING ERRCODE = '42501';
    END IF;
    IF caller_role <> 'owner' THEN
        RAISE EXCEPTION 'only an owner of this shop can %', action USING ERRCODE = '42501',
            DETAIL = format('The caller''s role in this shop is %s.', caller_role);
    END IF;
    RETURN shop;
END
$$;

-- The latest conflicts and refusals of the caller's shop, newest first:
-- [{at, device_id, kind: conflict|rejected, entity, entity_id, op, reason}].
CREATE FUNCTION api.recent_refusals(lim integer DEFAULT 20) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_shop_owner('read its sync figures');
BEGIN
    IF lim IS NULL OR lim < 1 OR lim > 200 THEN
        RAISE EXCEPTION 'lim must be between 1 and 200' USING ERRCODE = '22023';
    END IF;
    -- a device's issues are newest first: its array order breaks ties of one push
    RETURN (SELECT coalesce(jsonb_agg(i ORDER BY (i->>'at')::timestamptz DESC, i->>'device_id', n), '[]')
              FROM (SELECT e.i, e.n FROM shopsync.devices d,
                           jsonb_array_elements(d.recent_issues) WITH ORDINALITY AS e(i, n)
                     WHERE d.shop_id = shop
                     ORDER BY (e.i->>'at')::timestamptz DESC, e.i->>'device_id', e.n LIMIT lim) s);
END
$$;
COMMENT ON FUNCTION api.recent_refusals(integer) IS
    'Owners: the shop''s latest conflicts and refused events (at most lim, 1 to 200), newest first.';

-- The dashboard in one call: {"shop": {…}, "devices": [{…}], "recent": […]}.
CREATE FUNCTION api.sync_stats() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_shop_owner('read its sync figures');
BEGIN
    RETURN jsonb_build_object(
        'shop', coalesce((SELECT to_jsonb(t) - 'shop_id' FROM shopsync.shop_sync_stats t WHERE t.shop_id = shop),
                         jsonb_build_object('devices', 0, 'push_count', 0, 'event_count', 0,
                                            'conflict_count', 0, 'rejected_count', 0,
                                            'conflict_rate', 0, 'rejection_rate', 0)),
        'devices', (SELECT coalesce(jsonb_agg(to_jsonb(t) - 'shop_id' - 'recent_issues'
                                              ORDER BY t.last_seen_at DESC, t.device_id), '[]')
                      FROM shopsync.sync_stats t WHERE t.shop_id = shop),
        'recent', api.recent_refusals(20));
END
$$;
COMMENT ON FUNCTION api.sync_stats() IS
    'Owners: the shop''s sync figures, per shop and per device, with the latest conflicts and refusals.';

REVOKE ALL ON shopsync.sync_stats, shopsync.shop_sync_stats FROM PUBLIC;
REVOKE ALL ON FUNCTION shopsync.require_shop_owner(text), api.recent_refusals(integer), api.sync_stats() FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.recent_refusals(integer), api.sync_stats() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON shopsync.sync_stats, shopsync.shop_sync_stats TO service_role;
    END IF;
END
$do$;
-- sql/src/74_export.sql — an owner's export of the shop's data (issue 16):
-- every synced entity (shopsync.synced_tables: no entity is named here), as
-- JSON rows or as one CSV text per entity, written to the audit log with the
-- user and the device that asked (DESIGN §4: exports are the owner's, audited).

-- One CSV field (RFC 4180): NULL is empty; a value with a comma, quote, line
-- break or edge space is quoted, its quotes doubled.
CREATE FUNCTION shopsync.csv_field(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN value IS NULL THEN ''
                WHEN value ~ '[",\r\n]' OR value ~ '^\s' OR value ~ '\s$'
                THEN '"' || replace(value, '"', '""') || '"'
                ELSE value END
$$;

-- format 'json': {"format": "json", "shop": {id, name}, "exported_at",
--   "entities": {"customers": [{…row…}, …], …}, "counts": {"customers": n, …}}
-- format 'csv':  {"format": "csv", "shop", "exported_at",
--   "files": {"customers.csv": "id,shop_id,…\r\n…", …}, "counts"}
-- Rows in id order; tombstones only with include_deleted. device_id names the
-- device that asked, for the audit entry.
CREATE FUNCTION api.export_shop(format text DEFAULT 'json', device_id text DEFAULT NULL,
                                include_deleted boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_shop_owner('export its data');
    t record;
    rows jsonb;
    csv text;
    n bigint;
    entities jsonb := '{}';
    files jsonb := '{}';
    counts jsonb := '{}';
BEGIN
    IF format IS NULL OR format NOT IN ('json', 'csv') THEN
        RAISE EXCEPTION 'format must be json or csv' USING ERRCODE = '22023';
    END IF;
    IF device_id IS NOT NULL AND (length(device_id) NOT BETWEEN 1 AND 200 OR device_id ~ '\s') THEN
        RAISE EXCEPTION 'device_id must be a string of 1 to 200 printable characters without spaces'
            USING ERRCODE = '22023';
    END IF;
    FOR t IN SELECT s.relid, s.entity FROM shopsync.synced_tables s ORDER BY s.entity LOOP
        IF format = 'json' THEN
            EXECUTE pg_catalog.format(
                'SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), ''[]''), count(*)
                   FROM %s r WHERE r.shop_id = $1 AND ($2 OR r.deleted_at IS NULL)', t.relid)
                INTO rows, n USING shop, include_deleted;
            entities := entities || jsonb_build_object(t.entity, rows);
        ELSE
            EXECUTE (SELECT pg_catalog.format(
                'SELECT %L || coalesce(string_agg(concat_ws('','', %s), E''\r\n'' ORDER BY r.id) || E''\r\n'', ''''),
                        count(*)
                   FROM %s r WHERE r.shop_id = $1 AND ($2 OR r.deleted_at IS NULL)',
                string_agg(shopsync.csv_field(a.attname::text), ',' ORDER BY a.attnum) || E'\r\n',
                string_agg(pg_catalog.format('shopsync.csv_field(r.%I::text)', a.attname), ', ' ORDER BY a.attnum),
                t.relid)
                FROM pg_attribute a WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped)
                INTO csv, n USING shop, include_deleted;
            files := files || jsonb_build_object(t.entity || '.csv', csv);
        END IF;
        counts := counts || jsonb_build_object(t.entity, n);
    END LOOP;
    INSERT INTO shopsync.audit_log (shop_id, user_id, device_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), export_shop.device_id, 'export',
            jsonb_build_object('format', format, 'include_deleted', include_deleted, 'counts', counts));
    RETURN jsonb_build_object('format', format,
                              'shop', (SELECT jsonb_build_object('id', s.id, 'name', s.name)
                                         FROM shopsync.shops s WHERE s.id = shop),
                              'exported_at', now(), 'counts', counts)
        || CASE format WHEN 'json' THEN jsonb_build_object('entities', entities)
                       ELSE jsonb_build_object('files', files) END;
END
$$;
COMMENT ON FUNCTION api.export_shop(text, text, boolean) IS
    'Owners: every synced entity''s rows of the shop, as JSON or one CSV per entity; audited with the user and device.';

REVOKE ALL ON FUNCTION shopsync.csv_field(text), api.export_shop(text, text, boolean) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.export_shop(text, text, boolean) TO authenticated;
    END IF;
END
$do$;
-- sql/src/80_citus.sql — ShopSync on a Citus cluster (docs/scaling.md).
-- shopsync.distribute(), run once on the coordinator, makes shops and
-- shop_members reference tables and distributes every per-shop table by
-- shop_id in one co-location group, so a shop's rows, log, cursor, keys,
-- devices and audit entries live on one worker. The api functions become
-- routers there: each call is delegated whole to the shop's worker, where it
-- runs the same C code as on one node, in one backend (its triggers, change
-- buffer and seq draw stay local). Without Citus nothing here is used, and
-- distribute() says Citus is missing.

-- The C implementations under names of their own: on one node api.* are these
-- same C functions; on Citus the workers run them through shard_*().
CREATE FUNCTION shopsync.local_sync_push(body jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_push' LANGUAGE C VOLATILE;
CREATE FUNCTION shopsync.local_sync_pull(cursor bigint, lim integer, protocol integer) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_pull' LANGUAGE C STABLE;
CREATE FUNCTION shopsync.local_sync_snapshot(entity text, after uuid, lim integer) RETURNS json
    AS 'MODULE_PATHNAME', 'sync_snapshot' LANGUAGE C STABLE;
CREATE FUNCTION shopsync.local_sync_health() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_health' LANGUAGE C STABLE;

-- Retention for one shop: on Citus, purge() runs it on each shop's worker,
-- where the stamp trigger sees the purge (it runs in the call's backend).
CREATE FUNCTION shopsync.purge_shop(shop uuid, tombstone_age interval DEFAULT NULL,
                                    log_age interval DEFAULT NULL, key_age interval DEFAULT NULL)
    RETURNS jsonb AS 'MODULE_PATHNAME', 'purge_shop' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION shopsync.purge_shop(uuid, interval, interval, interval) IS
    'Retention for one shop: shopsync.purge() restricted to that shop''s rows, log and keys.';

-- The caller's claims, carried to the worker as an argument (a delegated call
-- does not bring the coordinator's settings): they must name the shop the call
-- was routed by. Only the routers (SECURITY DEFINER) may call these.
CREATE FUNCTION shopsync.citus_take_claims(shop uuid, claims text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM set_config('request.jwt.claims', coalesce(claims, ''), true);
    IF shopsync.current_shop_id() IS DISTINCT FROM shop THEN
        RAISE EXCEPTION 'the claims do not name the shop this call was routed by'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$fn$;

CREATE FUNCTION shopsync.shard_sync_push(shop_id uuid, claims text, body jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM shopsync.citus_take_claims(shop_id, claims);
    RETURN shopsync.local_sync_push(body);
END
$fn$;

CREATE FUNCTION shopsync.shard_sync_pull(shop_id uuid, claims text, cursor bigint, lim integer,
                                         protocol integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM shopsync.citus_take_claims(shop_id, claims);
    RETURN shopsync.local_sync_pull(cursor, lim, protocol);
END
$fn$;

CREATE FUNCTION shopsync.shard_sync_snapshot(shop_id uuid, claims text, entity text, after uuid,
                                             lim integer) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM shopsync.citus_take_claims(shop_id, claims);
    RETURN shopsync.local_sync_snapshot(entity, after, lim);
END
$fn$;

CREATE FUNCTION shopsync.shard_sync_health(shop_id uuid, claims text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM shopsync.citus_take_claims(shop_id, claims);
    RETURN shopsync.local_sync_health();
END
$fn$;

-- On a worker api.* are the functions themselves (the routers exist only on
-- the coordinator): sync_stats, in PL/pgSQL, runs there as it is.
CREATE FUNCTION shopsync.shard_sync_stats(shop_id uuid, claims text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM shopsync.citus_take_claims(shop_id, claims);
    RETURN api.sync_stats();
END
$fn$;

REVOKE ALL ON FUNCTION shopsync.shard_sync_stats(uuid, text), shopsync.purge_shop(uuid, interval, interval, interval),
    shopsync.local_sync_push(jsonb), shopsync.local_sync_pull(bigint, integer, integer),
    shopsync.local_sync_snapshot(text, uuid, integer), shopsync.local_sync_health(),
    shopsync.citus_take_claims(uuid, text), shopsync.shard_sync_push(uuid, text, jsonb),
    shopsync.shard_sync_pull(uuid, text, bigint, integer, integer),
    shopsync.shard_sync_snapshot(uuid, text, text, uuid, integer),
    shopsync.shard_sync_health(uuid, text) FROM PUBLIC;

-- True once shopsync.distribute() has run in this database.
CREATE FUNCTION shopsync.is_distributed() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
                    WHERE logicalrelid = 'shopsync.change_log'::regclass);
END
$fn$;

-- One node's share of the preparation, run on the coordinator and on every
-- worker (the extension's tables exist on each node and serve Citus as the
-- distributed tables' shells): Citus refuses sub-selects in policies on
-- distributed tables, so the shop policy calls current_member_shop_id()
-- directly (it is STABLE: an index condition evaluates it once per scan);
-- and a foreign key to shops would make Citus convert the tables it links
-- before they are distributed, so those keys are dropped here and made again
-- by distribute() once every table is distributed.
CREATE FUNCTION shopsync.citus_prepare_node(tables regclass[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t regclass;
    col text;
    fk record;
    g integer;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = t AND polname = 'shopsync_shop_isolation') THEN
            col := CASE WHEN t = 'shopsync.shops'::regclass THEN 'id' ELSE 'shop_id' END;
            EXECUTE format('DROP POLICY shopsync_shop_isolation ON %s', t);
            EXECUTE format('CREATE POLICY shopsync_shop_isolation ON %s
                            USING (%I = shopsync.current_member_shop_id())
                            WITH CHECK (%I = shopsync.current_member_shop_id())', t, col, col);
        END IF;
    END LOOP;
    -- audit_log's ids come from each node's own identity sequence (the
    -- extension made it on every node): each node draws from a range of its own.
    IF to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        SELECT groupid INTO g FROM pg_catalog.pg_dist_local_group;
        IF g > 0 THEN
            PERFORM setval(pg_get_serial_sequence('shopsync.audit_log', 'id'), g::bigint << 48, false);
        END IF;
    END IF;
    FOR fk IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
               WHERE contype = 'f' AND conrelid = ANY (tables) AND confrelid = ANY (tables) LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
    END LOOP;
END
$fn$;

-- The registry becomes a reference table, so enable_sync's writes reach every
-- node in its transaction. Its rows are written again as values: relid is a
-- regclass, and Citus sends a value's text (the table's name), which each node
-- reads as its own table's oid; a copy of the stored oids would be wrong there.
CREATE FUNCTION shopsync.citus_distribute_registry() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rows text[] := ARRAY(SELECT s::text FROM shopsync.synced_tables s ORDER BY entity);
    r text;
BEGIN
    DELETE FROM shopsync.synced_tables;
    PERFORM create_reference_table('shopsync.synced_tables');
    FOREACH r IN ARRAY rows LOOP
        EXECUTE format('INSERT INTO shopsync.synced_tables VALUES (%s)',
                       (SELECT string_agg(format('(%L::shopsync.synced_tables).%I', r, attname), ', ' ORDER BY attnum)
                          FROM pg_attribute WHERE attrelid = 'shopsync.synced_tables'::regclass
                                              AND attnum > 0 AND NOT attisdropped));
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_distribute_registry() FROM PUBLIC;

REVOKE ALL ON FUNCTION shopsync.is_distributed(), shopsync.citus_prepare_node(regclass[]) FROM PUBLIC;

-- The routers api.* become on the coordinator: the call goes whole to the
-- worker of the caller's shop (create_distributed_function with
-- force_delegation, so also inside the gateway's transaction), and a push
-- pokes on the coordinator too, where the gateway listens: the coordinator
-- commits after the worker, so the poke never comes before the change.
CREATE FUNCTION shopsync.citus_install_routers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    CREATE OR REPLACE FUNCTION api.sync_push(body jsonb) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        shop constant uuid := shopsync.current_shop_id();
        result jsonb;
    BEGIN
        IF shop IS NULL THEN
            RETURN shopsync.local_sync_push(body); -- refuses a caller without a shop
        END IF;
        EXECUTE format('SELECT r FROM shopsync.shard_sync_push(%L::uuid, %L, %L::jsonb) r',
                       shop, current_setting('request.jwt.claims', true), body) INTO result;
        PERFORM pg_notify('shopsync_changes', shop::text);
        RETURN result;
    END
    $r$;
    CREATE OR REPLACE FUNCTION api.sync_pull(cursor bigint, lim integer DEFAULT 100, protocol integer DEFAULT 1)
    RETURNS jsonb LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        shop constant uuid := shopsync.current_shop_id();
        result jsonb;
    BEGIN
        IF shop IS NULL THEN
            RETURN shopsync.local_sync_pull(cursor, lim, protocol);
        END IF;
        EXECUTE format('SELECT r FROM shopsync.shard_sync_pull(%L::uuid, %L, %L::bigint, %L::integer, %L::integer) r',
                       shop, current_setting('request.jwt.claims', true), cursor, lim, protocol) INTO result;
        RETURN result;
    END
    $r$;
    CREATE OR REPLACE FUNCTION api.sync_snapshot(entity text, after uuid DEFAULT NULL, lim integer DEFAULT 500)
    RETURNS json LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        shop constant uuid := shopsync.current_shop_id();
        result json;
    BEGIN
        IF shop IS NULL THEN
            RETURN shopsync.local_sync_snapshot(entity, after, lim);
        END IF;
        EXECUTE format('SELECT r FROM shopsync.shard_sync_snapshot(%L::uuid, %L, %L, %L::uuid, %L::integer) r',
                       shop, current_setting('request.jwt.claims', true), entity, after, lim) INTO result;
        RETURN result;
    END
    $r$;
    -- Retention: shop by shop, each on its worker, summed into one answer.
    CREATE OR REPLACE FUNCTION shopsync.purge(tombstone_age interval DEFAULT NULL, log_age interval DEFAULT NULL,
                                              key_age interval DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        shop uuid;
        one jsonb;
        k text;
        tombstones jsonb := (SELECT coalesce(jsonb_object_agg(entity, 0), '{}') FROM shopsync.synced_tables);
        n_tombstones bigint := 0;
        n_log bigint := 0;
        n_keys bigint := 0;
    BEGIN
        FOR shop IN SELECT id FROM shopsync.shops ORDER BY id LOOP
            EXECUTE format('SELECT r FROM shopsync.purge_shop(%L::uuid, %L::interval, %L::interval, %L::interval) r',
                           shop, tombstone_age, log_age, key_age) INTO one;
            FOR k IN SELECT jsonb_object_keys(one->'tombstones') LOOP
                tombstones := tombstones || jsonb_build_object(k, coalesce((tombstones->>k)::bigint, 0)
                                                                  + (one->'tombstones'->>k)::bigint);
            END LOOP;
            n_tombstones := n_tombstones + (one->>'tombstones_total')::bigint;
            n_log := n_log + (one->>'change_log')::bigint;
            n_keys := n_keys + (one->>'idempotency_keys')::bigint;
        END LOOP;
        RETURN jsonb_build_object('tombstones', tombstones, 'tombstones_total', n_tombstones,
                                  'change_log', n_log, 'idempotency_keys', n_keys);
    END
    $r$;
    -- (reads a shop's devices and log with nested queries, which Citus runs only on the shard's node)
    CREATE OR REPLACE FUNCTION api.sync_stats() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        shop constant uuid := shopsync.current_shop_id();
        result jsonb;
    BEGIN
        IF shop IS NULL THEN
            RAISE EXCEPTION 'no shop in the caller''s claims' USING ERRCODE = 'insufficient_privilege';
        END IF;
        EXECUTE format('SELECT r FROM shopsync.shard_sync_stats(%L::uuid, %L) r',
                       shop, current_setting('request.jwt.claims', true)) INTO result;
        RETURN result;
    END
    $r$;
    CREATE OR REPLACE FUNCTION api.sync_health() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        shop constant uuid := shopsync.current_shop_id();
        result jsonb;
    BEGIN
        IF shop IS NULL THEN
            RETURN shopsync.local_sync_health();
        END IF;
        EXECUTE format('SELECT r FROM shopsync.shard_sync_health(%L::uuid, %L) r',
                       shop, current_setting('request.jwt.claims', true)) INTO result;
        RETURN result;
    END
    $r$;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_install_routers() FROM PUBLIC;

-- Distributes one registered (or built-in per-shop) table by shop_id into the
-- shops' co-location group; a no-op when it already is.
CREATE FUNCTION shopsync.citus_distribute_table(tbl regclass) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    -- A table with a foreign key to shops is in Citus' metadata already, as a
    -- local table of the coordinator: distributed only when hash-partitioned.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = tbl AND partmethod = 'h') THEN
        RETURN false;
    END IF;
    IF tbl = 'shopsync.change_log'::regclass THEN
        PERFORM create_distributed_table(tbl, 'shop_id');
    ELSE
        PERFORM create_distributed_table(tbl, 'shop_id', colocate_with => 'shopsync.change_log');
    END IF;
    RETURN true;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_distribute_table(regclass) FROM PUBLIC;

-- The column an ON DELETE SET NULL key (shop_id, col) -> parent (shop_id, id)
-- clears; other shapes cannot be carried over to Citus.
CREATE FUNCTION shopsync.citus_set_null_column(fk oid) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    c record;
    cols text[];
    refs text[];
BEGIN
    SELECT * INTO c FROM pg_constraint WHERE oid = fk;
    cols := ARRAY(SELECT attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY o);
    refs := ARRAY(SELECT attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY o);
    IF array_length(cols, 1) <> 2 OR cols[1] <> 'shop_id' OR refs <> ARRAY['shop_id', 'id'] THEN
        RAISE EXCEPTION 'foreign key % of %: Citus refuses ON DELETE SET NULL on it', c.conname, c.conrelid::regclass
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Only a key (shop_id, column) referencing (shop_id, id) is carried over, as a trigger.';
    END IF;
    RETURN cols[2];
END
$fn$;

-- BEFORE DELETE on the parent: clears the referencing column of the shop's children.
CREATE FUNCTION shopsync.citus_set_null() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    EXECUTE format('UPDATE %s SET %I = NULL WHERE shop_id = $1 AND %I = $2', TG_ARGV[0], TG_ARGV[1], TG_ARGV[1])
        USING OLD.shop_id, OLD.id;
    RETURN OLD;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_set_null_column(oid), shopsync.citus_set_null() FROM PUBLIC;

-- shopsync.distribute(): run once, as a superuser, on the coordinator of a
-- Citus cluster whose workers were added (citus_add_node) and where CREATE
-- EXTENSION shopsync ran (Citus creates it on every node). Idempotent: a
-- second call distributes what a later enable_sync registered. Returns what it did.
CREATE FUNCTION shopsync.distribute() RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET client_min_messages = warning AS $fn$
DECLARE
    -- Shops, members, the gateway's users and refresh tokens and the users'
    -- active shops: small, read on every node, written rarely (a write goes to every node).
    reference constant regclass[] := ARRAY['shopsync.shops', 'shopsync.shop_members', 'shopsync.users',
                                           'shopsync.refresh_tokens', 'shopsync.active_shops'];
    per_shop regclass[] := ARRAY['shopsync.change_log', 'shopsync.shop_cursors', 'shopsync.devices',
                                 'shopsync.idempotency_keys', 'shopsync.audit_log'];
    tables regclass[];
    t regclass;
    fk record;
    fks jsonb := '[]';
    done text[] := '{}';
    res record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'shopsync.distribute() needs Citus, and it is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Install Citus 13 on every node (shared_preload_libraries = ''citus''), CREATE EXTENSION citus, add the workers with citus_add_node, then call shopsync.distribute() on the coordinator.';
    END IF;
    IF NOT (SELECT citus_is_coordinator()) THEN
        RAISE EXCEPTION 'shopsync.distribute() runs on the coordinator' USING ERRCODE = 'feature_not_supported';
    END IF;
    -- Citus distributes tables with triggers only when told to; ours run on the
    -- shard's node, the whole api call with them (see the routers).
    PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
    -- Foreign keys to reference tables are made in this transaction: one
    -- connection per node throughout (Citus refuses them after parallel work).
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    per_shop := per_shop || ARRAY(SELECT relid FROM shopsync.synced_tables ORDER BY entity);
    tables := reference || per_shop;

    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'shopsync.shops'::regclass) THEN
        -- Every foreign key among these tables, to make again afterwards.
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'tbl', c.conrelid::regclass::text, 'name', c.conname, 'def', pg_get_constraintdef(c.oid),
                   'parent', c.confrelid::regclass::text,
                   'set_null', CASE WHEN c.confdeltype = 'n' THEN shopsync.citus_set_null_column(c.oid) END)
                   ORDER BY c.conrelid::regclass::text, c.conname), '[]')
          INTO fks FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid = ANY (tables) AND c.confrelid = ANY (tables);
        PERFORM shopsync.citus_prepare_node(tables);
        FOR res IN EXECUTE format('SELECT * FROM run_command_on_workers(%L)',
                                  format('SELECT shopsync.citus_prepare_node(%L::regclass[])',
                                         reference || per_shop[1:5] ||
                                         ARRAY(SELECT relid FROM shopsync.synced_tables
                                                WHERE relid::regclass::text LIKE 'shopsync.%'))) LOOP
            IF NOT res.success THEN
                RAISE EXCEPTION 'preparing worker %:% failed: %', res.nodename, res.nodeport, res.result;
            END IF;
        END LOOP;
        FOREACH t IN ARRAY reference LOOP
            PERFORM create_reference_table(t);
            done := done || t::text;
        END LOOP;
        PERFORM shopsync.citus_distribute_registry();
        done := done || 'shopsync.synced_tables'::text;
    END IF;
    FOREACH t IN ARRAY per_shop LOOP
        IF shopsync.citus_distribute_table(t) THEN
            done := done || t::text;
        END IF;
    END LOOP;
    FOR fk IN SELECT * FROM jsonb_to_recordset(fks) AS x(tbl text, name text, def text, parent text,
                                                        set_null text) LOOP
        IF fk.set_null IS NULL THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.name, fk.def);
        ELSE
            -- Citus refuses ON DELETE SET NULL on a key holding shop_id: the key
            -- checks without an action, and a trigger on the parent clears the
            -- children's column first (after the tombstone trigger, which keeps
            -- every delete but a purge's from happening).
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.name,
                           regexp_replace(fk.def, ' ON DELETE SET NULL( \([^)]*\))?', ''));
            EXECUTE format('CREATE TRIGGER %I BEFORE DELETE ON %s FOR EACH ROW
                            EXECUTE FUNCTION shopsync.citus_set_null(%L, %L)',
                           left('zzz_shopsync_set_null_' || fk.name, 63), fk.parent, fk.tbl, fk.set_null);
        END IF;
    END LOOP;

    -- Each call is delegated to the worker holding the shop's shard group.
    PERFORM create_distributed_function('shopsync.shard_sync_push(uuid, text, jsonb)', 'shop_id',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM create_distributed_function('shopsync.shard_sync_pull(uuid, text, bigint, integer, integer)', 'shop_id',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM create_distributed_function('shopsync.shard_sync_snapshot(uuid, text, text, uuid, integer)', 'shop_id',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM create_distributed_function('shopsync.shard_sync_health(uuid, text)', 'shop_id',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM create_distributed_function('shopsync.shard_sync_stats(uuid, text)', 'shop_id',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM create_distributed_function('shopsync.purge_shop(uuid, interval, interval, interval)', 'shop',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM create_distributed_function('shopsync.delete_shop(uuid)', 'shop',
                                        colocate_with => 'shopsync.change_log', force_delegation => true);
    PERFORM shopsync.citus_install_routers();
    RETURN jsonb_build_object('distributed', to_jsonb(done),
                              'workers', (SELECT count(*) FROM pg_catalog.pg_dist_node
                                           WHERE noderole = 'primary' AND groupid <> 0));
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.distribute() FROM PUBLIC;
COMMENT ON FUNCTION shopsync.distribute() IS
    'On a Citus coordinator: shops and shop_members become reference tables, every per-shop table is distributed by shop_id (co-located), api calls are delegated to the shop''s worker. Errors when Citus is absent.';

-- enable_sync on a distributed database distributes the table the same way
-- and registers it on the workers (enable_sync calls this last).
CREATE FUNCTION shopsync.citus_after_enable_sync(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    name constant text := tbl::text;
    entity_name text;
BEGIN
    IF NOT shopsync.is_distributed() THEN
        RETURN;
    END IF;
    SELECT entity INTO entity_name FROM shopsync.synced_tables WHERE relid = tbl;
    PERFORM shopsync.distribute();
    -- A table with a foreign key to shops was a Citus local table until now;
    -- distributing it made it anew (a new oid on every node): the registry
    -- names it again, each node reading the name as its own table.
    EXECUTE format('UPDATE shopsync.synced_tables SET relid = %L::regclass WHERE entity = %L', name, entity_name);
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_after_enable_sync(regclass) FROM PUBLIC;
