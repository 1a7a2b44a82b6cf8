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
