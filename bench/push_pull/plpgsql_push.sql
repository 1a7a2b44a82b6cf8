-- bench/push_pull/plpgsql_push.sql — the baseline: the push path written in
-- plain PL/pgSQL, the way it would be without the C++ extension. Same
-- contract and checks as api.sync_push (claims, membership and role, envelope,
-- batch cap, shop lock, idempotency replay/reuse, entity and column checks,
-- JSON types, base_version, conflicts with the server record, per-event
-- EXCEPTION block, order status rule, tombstones), writing the same tables,
-- so the same triggers fire. Only for `make bench`; not part of the extension.
CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.sync_push_plpgsql(body jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
    shop uuid := coalesce(claims->>'shop_id', claims->'app_metadata'->>'shop_id')::uuid;
    usr uuid := (claims->>'sub')::uuid;
    member_role text;
    device text;
    ev jsonb;
    k uuid;
    ent text;
    eid uuid;
    op text;
    base bigint;
    payload jsonb;
    tbl regclass;
    col record;
    colnames text[];
    stored record;
    cur record;
    new_version bigint;
    new_status text;
    entry jsonb;
    status text;
    req_hash text;
    accepted jsonb := '[]';
    conflicts jsonb := '[]';
    rejected jsonb := '[]';
    uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
BEGIN
    IF shop IS NULL THEN
        RAISE EXCEPTION 'no shop in the caller''s claims' USING ERRCODE = '42501';
    END IF;
    SELECT m.role INTO member_role FROM shopsync.shop_members m WHERE m.shop_id = shop AND m.user_id = usr;
    IF member_role IS NULL OR member_role = 'viewer' THEN
        RAISE EXCEPTION 'the caller cannot push to this shop' USING ERRCODE = '42501';
    END IF;
    IF jsonb_typeof(body) <> 'object' OR jsonb_typeof(body->'device_id') <> 'string'
       OR jsonb_typeof(body->'events') <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_object_keys(body) key WHERE key NOT IN ('device_id', 'events')) THEN
        RAISE EXCEPTION 'malformed push body' USING ERRCODE = '22023';
    END IF;
    IF jsonb_array_length(body->'events') > 100 THEN
        RAISE EXCEPTION 'too many events' USING ERRCODE = 'PT413';
    END IF;
    device := body->>'device_id';
    PERFORM 1 FROM shopsync.shop_cursors c WHERE c.shop_id = shop FOR UPDATE;

    FOR ev IN SELECT e FROM jsonb_array_elements(body->'events') e LOOP
        status := NULL;
        IF jsonb_typeof(ev) <> 'object' OR coalesce(ev->>'idempotency_key', '') !~ uuid_re THEN
            rejected := rejected || jsonb_build_object('reason', 'invalid_event');
            CONTINUE;
        END IF;
        k := (ev->>'idempotency_key')::uuid;
        req_hash := encode(sha256(convert_to(ev::text, 'UTF8')), 'hex');
        SELECT i.request_hash, i.outcome INTO stored FROM shopsync.idempotency_keys i
         WHERE i.shop_id = shop AND i.key = k;
        IF FOUND THEN
            IF stored.request_hash <> req_hash THEN
                rejected := rejected || jsonb_build_object('idempotency_key', k, 'reason', 'idempotency_key_reused');
            ELSIF stored.outcome->>'status' = 'accepted' THEN
                accepted := accepted || (stored.outcome - 'status' || '{"replayed": true}');
            ELSIF stored.outcome->>'status' = 'conflict' THEN
                conflicts := conflicts || (stored.outcome - 'status' || '{"replayed": true}');
            ELSE
                rejected := rejected || (stored.outcome - 'status' || '{"replayed": true}');
            END IF;
            CONTINUE;
        END IF;

        ent := ev->>'entity';
        op := ev->>'op';
        payload := coalesce(ev->'payload', '{}');
        entry := jsonb_build_object('idempotency_key', k, 'entity', ent, 'entity_id', ev->'entity_id');
        SELECT s.relid INTO tbl FROM shopsync.synced_tables s WHERE s.entity = ent;
        IF tbl IS NULL THEN
            status := 'rejected'; entry := entry || '{"reason": "unknown_entity"}';
        ELSIF coalesce(ev->>'entity_id', '') !~ uuid_re THEN
            status := 'rejected'; entry := entry || '{"reason": "invalid_id"}';
        ELSIF op NOT IN ('create', 'update', 'delete') OR jsonb_typeof(ev->'base_version') <> 'number' THEN
            status := 'rejected'; entry := entry || '{"reason": "invalid_event"}';
        END IF;
        IF status IS NULL THEN
            eid := (ev->>'entity_id')::uuid;
            base := (ev->>'base_version')::bigint;
            colnames := '{}';
            FOR col IN SELECT p.key, p.value, a.attname, a.attgenerated, t.typcategory
                         FROM jsonb_each(payload) p
                         LEFT JOIN pg_attribute a ON a.attrelid = tbl AND a.attname = p.key AND NOT a.attisdropped
                         LEFT JOIN pg_type t ON t.oid = a.atttypid LOOP
                IF col.attname IS NULL THEN
                    status := 'rejected'; entry := entry || '{"reason": "unknown_column"}'; EXIT;
                ELSIF col.key IN ('id', 'shop_id', 'version', 'updated_at', 'deleted_at') OR col.attgenerated <> '' THEN
                    status := 'rejected'; entry := entry || '{"reason": "server_owned_column"}'; EXIT;
                ELSIF jsonb_typeof(col.value) <> 'null' AND jsonb_typeof(col.value) <>
                      (CASE col.typcategory WHEN 'N' THEN 'number' WHEN 'B' THEN 'boolean' ELSE 'string' END) THEN
                    status := 'rejected'; entry := entry || '{"reason": "invalid_type"}'; EXIT;
                END IF;
                colnames := colnames || col.key;
            END LOOP;
        END IF;
        IF status IS NULL THEN
            EXECUTE format('SELECT version, deleted_at IS NOT NULL AS deleted, %s AS status FROM %s
                             WHERE id = $1 AND shop_id = $2 FOR UPDATE',
                           CASE WHEN ent = 'orders' THEN 'status::text' ELSE 'NULL::text' END, tbl)
               INTO cur USING eid, shop;
            IF op = 'create' AND cur.version IS NOT NULL OR op <> 'create' AND cur.version IS DISTINCT FROM base THEN
                IF cur.version IS NULL THEN
                    status := 'rejected'; entry := entry || '{"reason": "not_found"}';
                ELSE
                    status := 'conflict';
                    EXECUTE format('SELECT jsonb_build_object(''server_version'', version, ''server_record'', to_jsonb(t))
                                      FROM %s t WHERE id = $1', tbl) INTO new_status USING eid;
                    entry := entry || new_status::jsonb;
                END IF;
            ELSIF op = 'delete' AND member_role <> 'owner' AND ent <> 'order_items' THEN
                status := 'rejected'; entry := entry || '{"reason": "forbidden"}';
            ELSIF op = 'update' AND cur.deleted THEN
                status := 'rejected'; entry := entry || '{"reason": "deleted"}';
            ELSE
                new_status := payload->>'status';
                IF ent = 'orders' AND new_status IS NOT NULL AND new_status <> cur.status
                   AND NOT (new_status = 'cancelled' AND cur.status IN ('pending', 'confirmed')
                            OR array_position(ARRAY['pending', 'confirmed', 'shipping', 'delivered'], new_status)
                               > array_position(ARRAY['pending', 'confirmed', 'shipping', 'delivered'], cur.status)) THEN
                    status := 'rejected'; entry := entry || '{"reason": "invalid_transition"}';
                END IF;
            END IF;
        END IF;
        IF status IS NULL THEN
            BEGIN
                IF op = 'create' THEN
                    EXECUTE format('INSERT INTO %s (id, shop_id%s) SELECT $1, $2%s FROM jsonb_populate_record(NULL::%s, $3) r RETURNING version',
                                   tbl, (SELECT string_agg(', ' || quote_ident(c), '') FROM unnest(colnames) c),
                                   (SELECT string_agg(', r.' || quote_ident(c), '') FROM unnest(colnames) c), tbl)
                       INTO new_version USING eid, shop, payload;
                ELSIF op = 'update' THEN
                    EXECUTE format('UPDATE %s t SET %s FROM jsonb_populate_record(NULL::%s, $3) r WHERE t.id = $1 AND t.shop_id = $2 RETURNING t.version',
                                   tbl, (SELECT string_agg(quote_ident(c) || ' = r.' || quote_ident(c), ', ') FROM unnest(colnames) c), tbl)
                       INTO new_version USING eid, shop, payload;
                ELSE
                    EXECUTE format('UPDATE %s SET deleted_at = now() WHERE id = $1 AND shop_id = $2 RETURNING version', tbl)
                       INTO new_version USING eid, shop;
                END IF;
                status := 'accepted';
                entry := entry || jsonb_build_object('op', op, 'version', new_version);
            EXCEPTION WHEN OTHERS THEN
                status := 'rejected';
                entry := entry || jsonb_build_object('reason', 'constraint_violation', 'message', SQLERRM);
            END;
        END IF;
        INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome)
        VALUES (shop, k, req_hash, entry || jsonb_build_object('status', status));
        IF status = 'accepted' THEN
            accepted := accepted || (entry || '{"replayed": false}');
        ELSIF status = 'conflict' THEN
            conflicts := conflicts || (entry || '{"replayed": false}');
        ELSE
            rejected := rejected || (entry || '{"replayed": false}');
        END IF;
    END LOOP;
    INSERT INTO shopsync.devices AS d (shop_id, device_id, user_id, last_push_at, push_count, event_count)
    VALUES (shop, device, usr, now(), 1, jsonb_array_length(body->'events'))
    ON CONFLICT (shop_id, device_id) DO UPDATE SET last_seen_at = now(), last_push_at = now(),
        push_count = d.push_count + 1, event_count = d.event_count + excluded.event_count;
    RETURN jsonb_build_object('accepted', accepted, 'conflicts', conflicts, 'rejected', rejected,
        'server_seq', (SELECT c.last_seq FROM shopsync.shop_cursors c WHERE c.shop_id = shop));
END
$fn$;
GRANT USAGE ON SCHEMA bench TO authenticated;
GRANT EXECUTE ON FUNCTION bench.sync_push_plpgsql(jsonb) TO authenticated;
