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
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     uuid,
    device_id   text,
    action      text NOT NULL,
    entity      text,
    entity_id   uuid,
    detail      jsonb
);
CREATE INDEX audit_log_shop_idx ON shopsync.audit_log (shop_id, at);

-- Tables registered with enable_sync(); entity is the name clients use.
CREATE TABLE shopsync.synced_tables (
    relid       regclass PRIMARY KEY,
    entity      text NOT NULL UNIQUE,
    enabled_at  timestamptz NOT NULL DEFAULT now()
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
-- sql/src/30_entities.sql — the shop app's synced entities. Display codes are
-- unique per shop among live rows and are never keys; references stay inside
-- one shop through (shop_id, id) foreign keys.

CREATE TABLE shopsync.customers (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
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
    UNIQUE (shop_id, id)
);
CREATE UNIQUE INDEX customers_code_live_idx ON shopsync.customers (shop_id, customer_code)
    WHERE deleted_at IS NULL;

CREATE TABLE shopsync.orders (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
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
    UNIQUE (shop_id, id),
    -- A purged customer leaves its orders without one (PostgreSQL 15 column list).
    FOREIGN KEY (shop_id, customer_id) REFERENCES shopsync.customers (shop_id, id)
        ON DELETE SET NULL (customer_id)
);
CREATE UNIQUE INDEX orders_code_live_idx ON shopsync.orders (shop_id, order_code)
    WHERE deleted_at IS NULL;
CREATE INDEX orders_customer_idx ON shopsync.orders (shop_id, customer_id);

CREATE TABLE shopsync.order_items (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
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
    FOREIGN KEY (shop_id, order_id) REFERENCES shopsync.orders (shop_id, id) ON DELETE CASCADE
);
CREATE INDEX order_items_order_idx ON shopsync.order_items (shop_id, order_id);

-- One row per shop.
CREATE TABLE shopsync.shop_settings (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shop_id       uuid NOT NULL UNIQUE REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    display_name  text CHECK (length(display_name) <= 200),
    currency      text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    tax_rate      numeric(6, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
    timezone      text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) <= 64),
    version       bigint NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);

SELECT shopsync.enable_sync('shopsync.customers');
SELECT shopsync.enable_sync('shopsync.orders');
SELECT shopsync.enable_sync('shopsync.order_items');
SELECT shopsync.enable_sync('shopsync.shop_settings');
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
                        USING (%I = (SELECT shopsync.current_shop_id()))
                        WITH CHECK (%I = (SELECT shopsync.current_shop_id()))',
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
        GRANT EXECUTE ON FUNCTION shopsync.current_shop_id(), shopsync.current_user_id()
            TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        GRANT USAGE ON SCHEMA api TO anon;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT USAGE ON SCHEMA shopsync, api TO service_role;
        GRANT ALL ON ALL TABLES IN SCHEMA shopsync TO service_role;
        GRANT EXECUTE ON FUNCTION shopsync.current_shop_id(), shopsync.current_user_id()
            TO service_role;
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

CREATE FUNCTION api.sync_pull(cursor bigint, lim integer DEFAULT 100) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sync_pull' LANGUAGE C STABLE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION api.sync_pull(bigint, integer) IS
    'Changes of the caller''s shop after cursor, in seq order, with cursor and has_more.';

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
    'Extension version, server time, caller''s shop, user and role, latest seq and the synced entities.';

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
REVOKE ALL ON FUNCTION api.sync_push(jsonb), api.sync_pull(bigint, integer),
    api.sync_snapshot(text, uuid, integer), api.sync_health(),
    shopsync.purge(interval, interval, interval) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.sync_push(jsonb), api.sync_pull(bigint, integer),
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

-- ---- called by the gateway's login role only -------------------------------------

CREATE FUNCTION shopsync.auth_signup(email text, password_hash text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO shopsync.users (email, password_hash) VALUES (lower(email), password_hash) RETURNING id
$$;

CREATE FUNCTION shopsync.auth_password_hash(email text) RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id, password_hash FROM shopsync.users WHERE users.email = lower(auth_password_hash.email)
$$;

-- The user's memberships, so the gateway can pick the shop for a token.
CREATE FUNCTION shopsync.auth_memberships(user_id uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('shop_id', m.shop_id, 'role', m.role) ORDER BY m.created_at), '[]')
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
-- the call fails (PT401), as is an expired or revoked token.
CREATE FUNCTION shopsync.auth_rotate_refresh(token_hash text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t shopsync.refresh_tokens;
BEGIN
    SELECT * INTO t FROM shopsync.refresh_tokens r WHERE r.token_hash = auth_rotate_refresh.token_hash FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid refresh token' USING ERRCODE = 'PT401';
    END IF;
    IF t.used_at IS NOT NULL THEN
        UPDATE shopsync.refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = t.family_id;
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

CREATE FUNCTION shopsync.auth_revoke_family(token_hash text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    UPDATE shopsync.refresh_tokens SET revoked_at = coalesce(revoked_at, now())
     WHERE family_id = (SELECT family_id FROM shopsync.refresh_tokens r WHERE r.token_hash = auth_revoke_family.token_hash)
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
    SELECT id INTO member FROM shopsync.users u WHERE u.email = lower(add_member.email);
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
    SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', m.user_id, 'email', u.email, 'role', m.role)
                              ORDER BY m.created_at), '[]')
      FROM shopsync.shop_members m JOIN shopsync.users u ON u.id = m.user_id
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
