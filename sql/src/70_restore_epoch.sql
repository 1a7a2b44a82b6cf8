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
