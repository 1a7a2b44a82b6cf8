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
