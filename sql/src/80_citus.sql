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

-- The restore epoch on Citus is the coordinator's (sql/src/70_restore_epoch.sql
-- derives it from the node's identity): a worker answers with its own, which
-- would change when its shop moves to another worker and make the shop's
-- devices resync for nothing. The routers put the coordinator's epoch in its
-- place, so a shop move keeps it, and a restore of the coordinator (new
-- timeline, database or cluster) or new_restore_epoch() there changes it for
-- every shop. A worker restored alone is not seen: docs/scaling.md.
CREATE FUNCTION shopsync.citus_coordinator_epoch(answer jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF answer ? 'restore_epoch' THEN
        RETURN answer || jsonb_build_object('restore_epoch', shopsync.restore_epoch());
    END IF;
    RETURN answer;
END
$fn$;

-- The same for a snapshot page, which stays json text (snapshot.cpp builds
-- it so, to save the cost of jsonb): it ends with its epoch,
-- ..., "restore_epoch" : "<uuid>"}, replaced in the text.
CREATE FUNCTION shopsync.citus_coordinator_epoch_json(answer json) RETURNS json
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    page constant text := answer::text;
BEGIN
    IF right(page, 57) ~ '^"restore_epoch" : "[0-9a-f-]{36}"}$' THEN
        RETURN (left(page, -38) || shopsync.restore_epoch()::text || '"}')::json;
    END IF;
    RETURN (shopsync.citus_coordinator_epoch(answer::jsonb))::json;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_coordinator_epoch(jsonb), shopsync.citus_coordinator_epoch_json(json)
    FROM PUBLIC;

-- The one body of the routers: runs shopsync.shard_<fn>(shop, claims, args...)
-- for the caller's shop, as a statement with every argument a literal: Citus
-- delegates a call to the shop's worker only when the distributed function
-- itself is called with a constant distribution argument (a Param, or a
-- variable of PL/pgSQL, leaves it on the coordinator), so the text is built
-- here, per call. args are the call's arguments as text (NULL stays NULL); each
-- is an untyped literal, which takes the type of the shard function's
-- parameter. shape (NULL::jsonb, NULL::json) only gives the answer's type. A
-- caller without a shop gets the one-node function's refusal (local_<fn>, the
-- same arguments); sync_stats has none (it is PL/pgSQL on the workers): the
-- refusal is raised here.
CREATE FUNCTION shopsync.citus_route(fn text, shape anyelement, VARIADIC args text[] DEFAULT '{}')
RETURNS anyelement
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    shop constant uuid := shopsync.current_shop_id();
    list constant text := (SELECT string_agg(quote_nullable(a), ', ' ORDER BY n)
                             FROM unnest(args) WITH ORDINALITY AS x(a, n));
    result ALIAS FOR $0;
BEGIN
    IF shop IS NULL THEN
        IF to_regproc('shopsync.local_' || fn) IS NULL THEN
            RAISE EXCEPTION 'no shop in the caller''s claims' USING ERRCODE = 'insufficient_privilege';
        END IF;
        EXECUTE format('SELECT shopsync.%I(%s)', 'local_' || fn, list) INTO result;
        RETURN result;
    END IF;
    EXECUTE format('SELECT r FROM shopsync.%I(%L::uuid, %L%s) r', 'shard_' || fn,
                   shop, current_setting('request.jwt.claims', true), ', ' || list) INTO result;
    RETURN result;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_route(text, anyelement, text[]) FROM PUBLIC;

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
            RETURN shopsync.citus_route('sync_push', NULL::jsonb, body::text); -- refuses: no shop
        END IF;
        -- The envelope's restore_epoch is the coordinator's (the answers carry
        -- it): checked here, never against the worker's own. Named and equal:
        -- left out; named and different: a value no epoch equals, so the worker
        -- applies nothing; not a string of 1 to 64: the worker refuses it.
        IF jsonb_typeof(body->'restore_epoch') = 'string' AND length(body->>'restore_epoch') BETWEEN 1 AND 64 THEN
            body := CASE WHEN lower(body->>'restore_epoch') = shopsync.restore_epoch()::text
                         THEN body - 'restore_epoch'
                         ELSE body || '{"restore_epoch": "another epoch"}' END;
        END IF;
        result := shopsync.citus_route('sync_push', NULL::jsonb, body::text);
        PERFORM pg_notify('shopsync_changes', shop::text);
        RETURN shopsync.citus_coordinator_epoch(result);
    END
    $r$;
    CREATE OR REPLACE FUNCTION api.sync_pull(cursor bigint, lim integer DEFAULT 100, protocol integer DEFAULT 1)
    RETURNS jsonb LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    BEGIN
        RETURN shopsync.citus_coordinator_epoch(
            shopsync.citus_route('sync_pull', NULL::jsonb, cursor::text, lim::text, protocol::text));
    END
    $r$;
    CREATE OR REPLACE FUNCTION api.sync_snapshot(entity text, after uuid DEFAULT NULL, lim integer DEFAULT 500)
    RETURNS json LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    BEGIN
        RETURN shopsync.citus_coordinator_epoch_json(
            shopsync.citus_route('sync_snapshot', NULL::json, entity, after::text, lim::text));
    END
    $r$;
    -- Retention: shop by shop, each on its worker, summed into one answer
    -- with the report one node gives (71_retention_report.sql): the run and
    -- each shop's counts are kept on the coordinator, in its purge_runs and
    -- purge_removed (the workers' copies hold each shop's part too).
    CREATE OR REPLACE FUNCTION shopsync.purge(tombstone_age interval DEFAULT NULL, log_age interval DEFAULT NULL,
                                              key_age interval DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $r$
    DECLARE
        t_age interval;
        l_age interval;
        k_age interval;
        live uuid[];
        run bigint;
        shop uuid;
        one jsonb;
        k text;
        tombstones jsonb := (SELECT coalesce(jsonb_object_agg(entity, 0), '{}') FROM shopsync.synced_tables);
        n_tombstones bigint := 0;
        n_log bigint := 0;
        n_keys bigint := 0;
    BEGIN
        -- The windows the run uses on every worker: the arguments, else this
        -- node's GUCs (a C function of the module defines them when it loads).
        PERFORM shopsync.current_shop_id();
        t_age := coalesce(tombstone_age, make_interval(days => current_setting('shopsync.tombstone_retention_days')::int));
        l_age := coalesce(log_age, make_interval(days => current_setting('shopsync.log_retention_days')::int));
        k_age := coalesce(key_age, make_interval(days => current_setting('shopsync.idempotency_retention_days')::int));
        INSERT INTO shopsync.purge_runs (tombstone_age, log_age, key_age) VALUES (t_age, l_age, k_age)
        RETURNING id INTO run;
        FOR shop IN SELECT id FROM shopsync.shops ORDER BY id LOOP
            EXECUTE format('SELECT r FROM shopsync.purge_shop(%L::uuid, %L::interval, %L::interval, %L::interval) r',
                           shop, t_age, l_age, k_age) INTO one;
            FOR k IN SELECT jsonb_object_keys(one->'tombstones') LOOP
                tombstones := tombstones || jsonb_build_object(k, coalesce((tombstones->>k)::bigint, 0)
                                                                  + (one->'tombstones'->>k)::bigint);
            END LOOP;
            n_tombstones := n_tombstones + (one->>'tombstones_total')::bigint;
            n_log := n_log + (one->>'change_log')::bigint;
            n_keys := n_keys + (one->>'idempotency_keys')::bigint;
            INSERT INTO shopsync.purge_removed (run_id, shop_id, what, removed)
            SELECT run, shop, w.key, w.value::bigint FROM jsonb_each_text(one->'shops'->(shop::text)) w;
        END LOOP;
        -- delete_shop runs on the shop's worker: a deleted shop's counts here go
        -- now (an array: Citus joins no local table with a reference table here).
        live := ARRAY(SELECT id FROM shopsync.shops);
        DELETE FROM shopsync.purge_removed WHERE shop_id <> ALL (live);
        UPDATE shopsync.purge_runs SET finished_at = clock_timestamp() WHERE id = run;
        DELETE FROM shopsync.purge_runs WHERE id <> run AND started_at < now() - greatest(l_age, interval '366 days');
        RETURN jsonb_build_object('tombstones', tombstones, 'tombstones_total', n_tombstones,
                                  'change_log', n_log, 'idempotency_keys', n_keys, 'run_id', run,
                                  'shops', (SELECT coalesce(jsonb_object_agg(shop_id, removed), '{}') FROM (
                                              SELECT shop_id, jsonb_object_agg(what, removed) AS removed
                                                FROM shopsync.purge_removed WHERE run_id = run GROUP BY shop_id) x));
    END
    $r$;
    -- (reads a shop's devices and log with nested queries, which Citus runs only on the shard's node)
    CREATE OR REPLACE FUNCTION api.sync_stats() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    BEGIN
        RETURN shopsync.citus_route('sync_stats', NULL::jsonb);
    END
    $r$;
    CREATE OR REPLACE FUNCTION api.sync_health() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $r$
    BEGIN
        RETURN shopsync.citus_coordinator_epoch(shopsync.citus_route('sync_health', NULL::jsonb));
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

-- enable_sync on a distributed database, before it registers the table (the
-- registry is a reference table: each node reads the table's name as its own
-- table, so the table must exist on every node). One node accepts a primary
-- key (id) alone (tables made before 0.2.0); Citus enforces no unique key
-- without the distribution column, and its own refusal ("cannot create
-- constraint") names neither key nor remedy. A table Citus does not know yet
-- (no foreign key to shops) is distributed here; one with such a key is a
-- Citus local table, distributed by citus_after_enable_sync.
CREATE FUNCTION shopsync.citus_before_enable_sync(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = tbl AND a.attnum = ANY (i.indkey)
                    WHERE i.indrelid = tbl AND i.indisprimary AND a.attname = 'shop_id') THEN
        RAISE EXCEPTION 'table % must have the primary key (shop_id, id) on Citus', tbl
            USING ERRCODE = 'invalid_table_definition',
                  HINT = 'ALTER TABLE ... DROP CONSTRAINT <its primary key>, ADD PRIMARY KEY (shop_id, id): a distributed table''s unique keys include shop_id.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = tbl) THEN
        -- one connection per node: distribute() later in this transaction
        -- redefines the distributed routers, which Citus refuses after parallel work
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
        PERFORM shopsync.citus_distribute_table(tbl);
    END IF;
END
$fn$;
REVOKE ALL ON FUNCTION shopsync.citus_before_enable_sync(regclass) FROM PUBLIC;

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
