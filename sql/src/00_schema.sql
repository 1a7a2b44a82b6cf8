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
