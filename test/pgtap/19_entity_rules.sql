-- 19_entity_rules.sql — rules as data: every (from, to) status pair of the
-- orders lifecycle × role × override against the registered transitions; a
-- user table's own lifecycle, delete roles and write roles through the same
-- engine; enable_sync refusing malformed rules.
BEGIN;
SELECT plan(120);
\ir fixtures.sql

-- ---- exhaustive: 5 × 5 status pairs × {owner, staff} × {override, not} ----
CREATE TEMP TABLE cases AS
SELECT row_number() OVER (ORDER BY f, t, who, ovr)::int AS n, f, t, who, ovr, NULL::jsonb AS outcome
  FROM unnest(ARRAY['pending', 'confirmed', 'shipping', 'delivered', 'cancelled']) f,
       unnest(ARRAY['pending', 'confirmed', 'shipping', 'delivered', 'cancelled']) t,
       unnest(ARRAY['owner_a', 'staff_a']) who, unnest(ARRAY[false, true]) ovr;
GRANT ALL ON cases TO PUBLIC;
INSERT INTO shopsync.orders (id, shop_id, order_code, status)
SELECT pg_temp.uid('d', n), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-' || n, f FROM cases;

DO $do$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM cases ORDER BY n LOOP
        PERFORM pg_temp.act_as(c.who);
        UPDATE cases SET outcome = pg_temp.outcome(pg_temp.push(
            pg_temp.ev(c.n, 'orders', pg_temp.uid('d', c.n), 'update', 1, jsonb_build_object('status', c.t))
            || CASE WHEN c.ovr THEN '{"override": true}'::jsonb ELSE '{}' END))
         WHERE n = c.n;
    END LOOP;
    PERFORM pg_temp.act_as_admin();
END
$do$;

-- The oracle: the registered transitions, read back from the registry.
SELECT is(coalesce(c.outcome->>'reason', c.outcome->>'status'),
          CASE WHEN c.f = c.t OR (SELECT status_transitions->c.f ? c.t FROM shopsync.synced_tables WHERE entity = 'orders')
               THEN 'accepted'
               WHEN NOT c.ovr THEN 'invalid_transition'
               WHEN c.who = 'owner_a' THEN 'accepted'
               ELSE 'forbidden' END,
          format('%s → %s by %s%s', c.f, c.t, replace(c.who, '_a', ''), CASE WHEN c.ovr THEN ' with override' ELSE '' END))
  FROM cases c ORDER BY n;

SELECT is((SELECT count(*) FROM shopsync.audit_log WHERE action = 'status_override'),
          (SELECT count(*) FROM cases c WHERE c.ovr AND c.who = 'owner_a' AND c.f <> c.t
             AND NOT (SELECT status_transitions->c.f ? c.t FROM shopsync.synced_tables WHERE entity = 'orders')),
          'every override used, and only those, is audited');
SELECT is((SELECT count(*) FROM cases c JOIN shopsync.orders o ON o.id = pg_temp.uid('d', c.n)
            WHERE o.status <> CASE WHEN c.outcome->>'status' = 'accepted' THEN c.t ELSE c.f END), 0::bigint,
          'every order holds the status its outcome says');

-- ---- a user table with its own lifecycle (README's products) ----
CREATE TABLE public.products (
  id uuid NOT NULL DEFAULT gen_random_uuid(), shop_id uuid NOT NULL REFERENCES shopsync.shops,
  sku text NOT NULL, price numeric(10,2) NOT NULL DEFAULT 0, status text NOT NULL DEFAULT 'draft',
  version bigint NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz,
  PRIMARY KEY (shop_id, id));
SELECT is(shopsync.enable_sync('public.products', rules => '{
  "write_roles": ["owner", "staff"], "delete_roles": ["owner"],
  "status": {"column": "status", "override_roles": ["owner"],
             "transitions": {"draft": ["active"], "active": ["discontinued"], "discontinued": []}}}'),
  'products', 'products registers with a lifecycle');
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(200, 'products', pg_temp.uid('b', 1), 'create', 0, '{"sku": "TEA"}')))->>'status',
    'accepted', 'staff create a product');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(201, 'products', pg_temp.uid('b', 1), 'update', 1, '{"status": "active"}')))->>'status',
    'accepted', 'draft → active');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(202, 'products', pg_temp.uid('b', 1), 'update', 2, '{"status": "draft"}')))->>'reason',
    'invalid_transition', 'active → draft is refused');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(203, 'products', pg_temp.uid('b', 1), 'update', 2, '{"status": "draft"}') || '{"override": true}'))->>'reason',
    'forbidden', 'staff may not override');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(204, 'products', pg_temp.uid('b', 2), 'create', 0, '{"sku": "X", "status": "sold"}')))->>'reason',
    'invalid_transition', 'a create with a status the lifecycle does not know is refused');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(205, 'products', pg_temp.uid('b', 1), 'delete', 2)))->>'reason',
    'forbidden', 'staff may not delete a product (delete_roles)');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(206, 'products', pg_temp.uid('b', 1), 'update', 2, '{"status": "draft"}') || '{"override": true}'))->>'status',
    'accepted', 'an owner overrides');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(207, 'products', pg_temp.uid('b', 1), 'delete', 3)))->>'status',
    'accepted', 'an owner deletes');
SELECT pg_temp.act_as_admin();
SELECT is((SELECT array_agg(action ORDER BY id) FROM shopsync.audit_log WHERE entity = 'products'),
    ARRAY['status_override', 'delete'], 'the override and the delete are audited');
-- write roles: a table only owners write
SELECT lives_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"write_roles": ["owner"]}')$$,
    'rules can be changed by registering again');
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(208, 'products', pg_temp.uid('b', 3), 'create', 0, '{"sku": "Y"}')))->>'reason',
    'forbidden', 'staff may not write a table whose write_roles are owners only');
SELECT pg_temp.act_as_admin();

-- ---- malformed rules are refused ----
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"colour": 1}')$$, '22023',
    'unknown rule "colour"', 'an unknown rule');
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"delete_roles": ["viewer"]}')$$, '22023',
    NULL, 'a role other than owner or staff');
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"status": {"column": "status", "transitions": {"a": ["b"]}}}')$$,
    '22023', NULL, 'a transition to a status that is not a key');
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"status": {"column": "sku_x", "transitions": {}}}')$$,
    '22023', NULL, 'a status column that does not exist');
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"parents": [{"entity": "nothing", "column": "sku"}]}')$$,
    '22023', NULL, 'a parent entity that is not synced');
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products', rules => '{"parents": [{"entity": "orders", "column": "sku"}]}')$$,
    '22023', NULL, 'a parent column that is not a uuid');

SELECT * FROM finish();
ROLLBACK;
