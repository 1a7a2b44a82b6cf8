-- 10_entity_rules.sql — shopsync.synced_tables carries each entity's rules
-- (sql/src/00_schema.sql). Tables a 0.1.0 database registered keep 0.1.0's
-- behaviour: staff write, owners delete and restore.
ALTER TABLE shopsync.synced_tables
    ADD COLUMN write_roles    text[] NOT NULL DEFAULT '{owner,staff}'
                   CHECK (write_roles <@ '{owner,staff}'),
    ADD COLUMN delete_roles   text[] NOT NULL DEFAULT '{owner}'
                   CHECK (delete_roles <@ '{owner,staff}'),
    ADD COLUMN status_column  text,
    ADD COLUMN status_transitions jsonb CHECK ((status_column IS NULL) = (status_transitions IS NULL)),
    ADD COLUMN override_roles text[] NOT NULL DEFAULT '{owner}'
                   CHECK (override_roles <@ '{owner,staff}'),
    ADD COLUMN parents        jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(parents) = 'array');
