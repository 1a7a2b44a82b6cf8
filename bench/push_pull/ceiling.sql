-- bench/push_pull/ceiling.sql — the ceilings: what plain SQL does with the
-- same rows on the same cluster, with none of the extension's checks. Every
-- extension figure of `make bench` is reported as a ratio to these.
--
-- Push: per event the entity row (insert or versioned update), its change_log
-- row (post-image as jsonb, seq drawn from the shop's cursor row, which the
-- draw locks until commit) and its idempotency row (request hash and outcome),
-- in one set-based statement per batch, on trigger-less, policy-less copies of
-- the tables (same columns, checks, indexes and foreign keys to shops).
-- Pull: one shop's change_log page read in seq order and built into the same
-- JSON as api.sync_pull. Snapshot: one entity's page in id order, as
-- api.sync_snapshot builds it. Only for `make bench`; not part of the extension.
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE bench.customers (LIKE shopsync.customers INCLUDING ALL);
CREATE TABLE bench.change_log (LIKE shopsync.change_log INCLUDING ALL);
CREATE TABLE bench.idempotency_keys (LIKE shopsync.idempotency_keys INCLUDING ALL);
CREATE TABLE bench.shop_cursors (LIKE shopsync.shop_cursors INCLUDING ALL);
-- The schema's foreign keys to shops too: their checks are part of writing these rows.
ALTER TABLE bench.customers ADD FOREIGN KEY (shop_id) REFERENCES shopsync.shops (id);
ALTER TABLE bench.shop_cursors ADD FOREIGN KEY (shop_id) REFERENCES shopsync.shops (id);

CREATE FUNCTION bench.claimed_shop() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT (current_setting('request.jwt.claims')::jsonb->>'shop_id')::uuid $$;

CREATE FUNCTION bench.push_ceiling(body jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    shop uuid := bench.claimed_shop();
    result jsonb;
BEGIN
    INSERT INTO bench.shop_cursors (shop_id) VALUES (shop) ON CONFLICT DO NOTHING;
    WITH ev AS (
        SELECT e.*, x.value AS raw
        FROM jsonb_array_elements(body->'events') x,
             jsonb_to_record(x.value) AS e(idempotency_key uuid, entity_id uuid, op text, base_version bigint,
                                           payload jsonb)),
    ins AS (
        INSERT INTO bench.customers AS c (id, shop_id, name, phone, email, version, updated_at)
        SELECT ev.entity_id, shop, ev.payload->>'name', ev.payload->>'phone', ev.payload->>'email', 1, now()
        FROM ev WHERE ev.op = 'create'
        ON CONFLICT DO NOTHING RETURNING c.*),
    upd AS (
        UPDATE bench.customers AS c SET notes = ev.payload->>'notes', version = c.version + 1, updated_at = now()
        FROM ev WHERE ev.op = 'update' AND c.shop_id = shop AND c.id = ev.entity_id AND c.version = ev.base_version
          AND c.id = ANY (ARRAY(SELECT e.entity_id FROM ev e WHERE e.op = 'update')) -- an index probe per event
        RETURNING c.*),
    changes AS (
        SELECT ch.*, row_number() OVER () AS n, count(*) OVER () AS total
        FROM (SELECT i.id, i.version, i.updated_at, 'create' AS op, to_jsonb(i) AS payload FROM ins i
              UNION ALL
              SELECT u.id, u.version, u.updated_at, 'update', to_jsonb(u) FROM upd u) ch),
    cur AS ( -- the seqs are drawn last; the row lock holds until commit
        UPDATE bench.shop_cursors AS s SET last_seq = s.last_seq + (SELECT count(*) FROM changes)
        WHERE s.shop_id = shop RETURNING s.last_seq),
    log AS (
        INSERT INTO bench.change_log (shop_id, seq, entity, entity_id, op, version, changed_at, payload, device_id)
        SELECT shop, cur.last_seq - ch.total + ch.n, 'customers', ch.id, ch.op, ch.version, ch.updated_at,
               ch.payload, body->>'device_id'
        FROM changes ch, cur),
    outcome AS (
        SELECT ev.*, ch.version AS new_version, cc.row AS server_row
        FROM ev LEFT JOIN changes ch ON ch.id = ev.entity_id
        LEFT JOIN (SELECT c.id, c AS row FROM bench.customers c
                   WHERE c.shop_id = shop AND c.id = ANY (ARRAY(
                       SELECT e.entity_id FROM ev e WHERE NOT EXISTS (SELECT FROM changes x WHERE x.id = e.entity_id))))
             cc ON ch.id IS NULL AND cc.id = ev.entity_id),
    keys AS (
        INSERT INTO bench.idempotency_keys (shop_id, key, request_hash, outcome)
        SELECT shop, o.idempotency_key, encode(sha256(convert_to(o.raw::text, 'UTF8')), 'hex'),
               CASE WHEN o.new_version IS NOT NULL
                    THEN jsonb_build_object('status', 'accepted', 'entity_id', o.entity_id, 'version', o.new_version)
                    ELSE jsonb_build_object('status', 'conflict', 'entity_id', o.entity_id,
                                            'server_version', (o.server_row).version, 'server_record', to_jsonb(o.server_row))
               END
        FROM outcome o)
    SELECT jsonb_build_object(
        'accepted', coalesce(jsonb_agg(jsonb_build_object('entity_id', o.entity_id, 'version', o.new_version))
                             FILTER (WHERE o.new_version IS NOT NULL), '[]'),
        'conflicts', coalesce(jsonb_agg(jsonb_build_object('entity_id', o.entity_id,
                                                           'server_version', (o.server_row).version,
                                                           'server_record', to_jsonb(o.server_row)))
                              FILTER (WHERE o.new_version IS NULL), '[]'),
        'rejected', '[]'::jsonb,
        'server_seq', (SELECT last_seq FROM cur))
    INTO result FROM outcome o;
    RETURN result;
END
$fn$;

CREATE FUNCTION bench.pull_ceiling(cursor bigint, lim int) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    WITH page AS (
        SELECT seq, entity, entity_id, op, version, changed_at, payload FROM shopsync.change_log
        WHERE shop_id = bench.claimed_shop() AND seq > cursor ORDER BY seq LIMIT lim + 1),
    served AS (SELECT * FROM page ORDER BY seq LIMIT lim)
    SELECT json_build_object(
        'changes', coalesce((SELECT json_agg(json_build_object('seq', seq, 'entity', entity, 'entity_id', entity_id,
                                'op', op, 'version', version, 'changed_at', changed_at, 'payload', payload)
                             ORDER BY seq) FROM served), '[]'),
        'cursor', coalesce((SELECT max(seq) FROM served), cursor),
        'has_more', (SELECT count(*) FROM page) > lim)
$fn$;

CREATE FUNCTION bench.snapshot_ceiling(after uuid, lim int) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    WITH page AS (
        SELECT * FROM shopsync.customers t
        WHERE t.shop_id = bench.claimed_shop() AND (after IS NULL OR t.id > after) ORDER BY t.id LIMIT lim + 1),
    served AS (SELECT * FROM page ORDER BY id LIMIT lim)
    SELECT json_build_object('entity', 'customers',
        'rows', coalesce((SELECT json_agg(s ORDER BY s.id) FROM served s), '[]'),
        'has_more', (SELECT count(*) FROM page) > lim,
        'next_after', CASE WHEN (SELECT count(*) FROM page) > lim THEN (SELECT id FROM served ORDER BY id DESC LIMIT 1) END,
        'cursor', (SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = bench.claimed_shop()))
$fn$;

GRANT USAGE ON SCHEMA bench TO authenticated;
GRANT EXECUTE ON FUNCTION bench.push_ceiling(jsonb), bench.pull_ceiling(bigint, int),
    bench.snapshot_ceiling(uuid, int) TO authenticated;
