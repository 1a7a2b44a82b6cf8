-- test/pgtap/fixtures.sql — shared set-up, included by every suite after plan().
-- Two shops with their members, and helpers to act as a user or as the admin.
--   shop A aaaaaaaa-…  owner a1a1a1a1-…-01, staff a2a2a2a2-…-02, viewer a3a3a3a3-…-03
--   shop B bbbbbbbb-…  owner b1b1b1b1-…-01;  outsider c0c0c0c0-…-00 (no shop)

-- pgTAP keeps its state in temp tables; let the switched roles write them.
DO $do$
DECLARE s text := pg_my_temp_schema()::regnamespace::text;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %s TO PUBLIC', s);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %s TO PUBLIC', s);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %s TO PUBLIC', s);
END
$do$;

INSERT INTO shopsync.shops (id, name) VALUES
    ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Shop A'),
    ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'Shop B');
INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES
    ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'a1a1a1a1-0000-0000-0000-000000000001', 'owner'),
    ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'a2a2a2a2-0000-0000-0000-000000000002', 'staff'),
    ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'a3a3a3a3-0000-0000-0000-000000000003', 'viewer'),
    ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'b1b1b1b1-0000-0000-0000-000000000001', 'owner');

-- Act as a user of a shop, through the same claims PostgREST sets.
CREATE FUNCTION pg_temp.act_as(who text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    users constant jsonb := '{
        "owner_a":  ["a1a1a1a1-0000-0000-0000-000000000001", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"],
        "staff_a":  ["a2a2a2a2-0000-0000-0000-000000000002", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"],
        "viewer_a": ["a3a3a3a3-0000-0000-0000-000000000003", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"],
        "owner_b":  ["b1b1b1b1-0000-0000-0000-000000000001", "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"],
        "outsider": ["c0c0c0c0-0000-0000-0000-000000000000", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"]}';
BEGIN
    EXECUTE 'RESET ROLE';
    PERFORM set_config('request.jwt.claims', jsonb_build_object(
        'sub', users->who->>0, 'shop_id', users->who->>1, 'role', 'authenticated',
        'aud', 'authenticated')::text, true);
    EXECUTE 'SET LOCAL ROLE authenticated';
END
$fn$;

CREATE FUNCTION pg_temp.act_as_admin() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'RESET ROLE';
    PERFORM set_config('request.jwt.claims', '', true);
END
$fn$;

-- Test ids: pg_temp.uid('c', 1) = 'c0000000-0000-0000-0000-000000000001'.
CREATE FUNCTION pg_temp.uid(prefix text, n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT (rpad(prefix, 8, '0') || '-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

-- One event; key n → idempotency key 'e0000000-…-n'.
CREATE FUNCTION pg_temp.ev(key int, entity text, id uuid, op text, base int, payload jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('idempotency_key', pg_temp.uid('e', key), 'entity', entity,
        'entity_id', id, 'op', op, 'base_version', base)
        || CASE WHEN payload IS NULL THEN '{}' ELSE jsonb_build_object('payload', payload) END
$$;

-- Push a list of events from device "test-device".
CREATE FUNCTION pg_temp.push(VARIADIC events jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT api.sync_push(jsonb_build_object('device_id', 'test-device', 'events', to_jsonb(events)))
$$;

-- The single outcome of a one-event push: {status, …entry}.
CREATE FUNCTION pg_temp.outcome(response jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT coalesce(
        (SELECT e || '{"status":"accepted"}' FROM jsonb_array_elements(response->'accepted') e LIMIT 1),
        (SELECT e || '{"status":"conflict"}' FROM jsonb_array_elements(response->'conflicts') e LIMIT 1),
        (SELECT e || '{"status":"rejected"}' FROM jsonb_array_elements(response->'rejected') e LIMIT 1))
$$;

-- The plan of a query, one line a row (for assertions on plan shape).
CREATE FUNCTION pg_temp.explain(query text) RETURNS TABLE ("QUERY PLAN" text) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END
$$;
