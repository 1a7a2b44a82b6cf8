-- 03_enable_sync.sql — registering an application's own table for sync.
BEGIN;
SELECT plan(19);
\ir fixtures.sql

CREATE TABLE public.products (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shop_id uuid NOT NULL REFERENCES shopsync.shops (id),
    sku text NOT NULL,
    price numeric(10, 2) NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
SELECT is(shopsync.enable_sync('public.products'), 'products', 'enable_sync registers the table under its name');
SELECT is(shopsync.enable_sync('public.products'), 'products', 'enable_sync is idempotent');
SELECT triggers_are('public', 'products', ARRAY['zz_shopsync_stamp', 'zz_shopsync_log', 'zz_shopsync_flush', 'zz_shopsync_no_truncate'],
    'the C++ triggers are installed');
SELECT ok((SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'public.products'::regclass),
    'RLS is enabled and forced');
SELECT policies_are('public', 'products', ARRAY['shopsync_shop_isolation'], 'with the shop policy');
SELECT ok(EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                   WHERE i.indrelid = 'public.products'::regclass AND a.attname = 'shop_id'),
    'an index led by shop_id is created');

-- The registered table behaves like the built-in ones.
INSERT INTO public.products (id, shop_id, sku) VALUES (pg_temp.uid('9', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'TEA');
SELECT is((SELECT entity FROM shopsync.change_log WHERE entity_id = pg_temp.uid('9', 1)), 'products',
    'its writes reach change_log');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'products', pg_temp.uid('9', 1), 'update', 1,
    '{"price": 4.5, "active": false}')))->>'version', '2', 'sync_push works on a registered table');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'products', pg_temp.uid('9', 1), 'update', 2,
    '{"price": "4.5"}')))->>'reason', 'invalid_type', 'its column types are enforced');
SELECT pg_temp.act_as_admin();

-- An application trigger that fires after ours and refuses the write: the
-- change buffered for change_log must vanish with the rejected event.
CREATE FUNCTION public.refuse_expensive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.price > 1000 THEN RAISE EXCEPTION 'price % is too high', NEW.price; END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER zzzz_refuse_expensive AFTER UPDATE ON public.products FOR EACH ROW EXECUTE FUNCTION public.refuse_expensive();
SELECT pg_temp.act_as('owner_a');
SELECT is((SELECT jsonb_agg(coalesce(e->>'version', e->>'reason')) FROM pg_temp.push(
        pg_temp.ev(3, 'products', pg_temp.uid('9', 1), 'update', 2, '{"price": 2000}'),
        pg_temp.ev(4, 'products', pg_temp.uid('9', 1), 'update', 2, '{"price": 5}')) r,
        jsonb_array_elements((r->'accepted') || (r->'rejected')) e),
    '["3", "constraint_violation"]', 'an application trigger''s refusal rejects that event only');
SELECT pg_temp.act_as_admin();
SELECT results_eq($$SELECT version, (payload->>'price')::numeric FROM shopsync.change_log
                    WHERE entity_id = pg_temp.uid('9', 1) ORDER BY seq$$,
    $$VALUES (1::bigint, 0::numeric), (2, 4.5), (3, 5)$$, 'the refused write left nothing in change_log');
SELECT is((SELECT array_agg(seq ORDER BY seq) FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'),
    ARRAY[1, 2, 3]::bigint[], 'and seqs stay gapless');

-- Tables that cannot be synced.
CREATE TABLE public.no_version (id uuid PRIMARY KEY, shop_id uuid NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz);
SELECT throws_ok($$SELECT shopsync.enable_sync('public.no_version')$$, '42703', NULL, 'a missing sync column is refused');
CREATE TABLE public.text_version (id uuid PRIMARY KEY, shop_id uuid NOT NULL, version text NOT NULL,
    updated_at timestamptz NOT NULL, deleted_at timestamptz);
SELECT throws_ok($$SELECT shopsync.enable_sync('public.text_version')$$, '42804', NULL, 'a wrongly typed sync column is refused');
CREATE TABLE public.nullable_shop (id uuid PRIMARY KEY, shop_id uuid, version bigint NOT NULL,
    updated_at timestamptz NOT NULL, deleted_at timestamptz);
SELECT throws_ok($$SELECT shopsync.enable_sync('public.nullable_shop')$$, '42P16', NULL, 'a nullable shop_id is refused');
CREATE TABLE public.no_pk (id uuid NOT NULL, shop_id uuid NOT NULL, version bigint NOT NULL,
    updated_at timestamptz NOT NULL, deleted_at timestamptz);
SELECT throws_ok($$SELECT shopsync.enable_sync('public.no_pk')$$, '42P16', NULL, 'a table without id as primary key is refused');
CREATE VIEW public.product_view AS SELECT * FROM public.products;
SELECT throws_ok($$SELECT shopsync.enable_sync('public.product_view')$$, '42809', NULL, 'a view is refused');
SELECT throws_ok($$SELECT shopsync.enable_sync('shopsync.change_log')$$, '22023', NULL, 'shopsync''s own tables are refused');
CREATE SCHEMA other;
CREATE TABLE other.products (LIKE public.products INCLUDING ALL);
SELECT throws_ok($$SELECT shopsync.enable_sync('other.products')$$, '42710', NULL,
    'an entity name already taken by another table is refused');

SELECT * FROM finish();
ROLLBACK;
