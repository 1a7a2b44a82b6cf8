-- 30_shop_delete_guard.sql — a shop goes only through delete_shop
-- (sql/src/10_claims_and_triggers.sql).
-- A shop goes only through shopsync.delete_shop(), which removes the rows of
-- every synced table first (a cascade would turn them into tombstones).
CREATE FUNCTION shopsync.refuse_shop_delete() RETURNS trigger
    AS 'MODULE_PATHNAME', 'refuse_shop_delete' LANGUAGE C;
CREATE TRIGGER shopsync_refuse_delete BEFORE DELETE ON shopsync.shops
    FOR EACH ROW EXECUTE FUNCTION shopsync.refuse_shop_delete();
REVOKE ALL ON FUNCTION shopsync.refuse_shop_delete() FROM PUBLIC;
