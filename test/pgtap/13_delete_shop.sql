-- 13_delete_shop.sql — delete_shop removes every registered table's rows in
-- dependency order, a user table with a plain foreign key to shops included;
-- enable_sync warns about a key that would block it; a direct DELETE of a
-- shop points at delete_shop.
BEGIN;
SELECT plan(9);
\ir fixtures.sql

-- README's products example: a foreign key to shops without ON DELETE CASCADE.
CREATE TABLE public.products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), shop_id uuid NOT NULL REFERENCES shopsync.shops,
  sku text NOT NULL, price numeric(10,2) NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz);
SELECT lives_ok($$SELECT shopsync.enable_sync('public.products')$$, 'products is registered');
-- a table outside the registry that references products would block delete_shop
CREATE TABLE public.product_notes (product_id uuid REFERENCES public.products, note text);
SELECT throws_ok($$SELECT shopsync.enable_sync('public.products')$$, '42P16',
    'foreign key product_notes_product_id_fkey of public.product_notes would block shopsync.delete_shop',
    'enable_sync refuses a table that an unregistered table references without ON DELETE CASCADE');
DROP TABLE public.product_notes;

INSERT INTO public.products (shop_id, sku) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'A-1'), ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'B-1');
INSERT INTO shopsync.customers (id, shop_id, name) VALUES (pg_temp.uid('c', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'A customer');
INSERT INTO shopsync.orders (id, shop_id, customer_id) VALUES (pg_temp.uid('d', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('c', 1));
INSERT INTO shopsync.order_items (shop_id, order_id, product_name, quantity, unit_price)
VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', pg_temp.uid('d', 1), 'Tea', 1, 1);

SELECT throws_ok($$DELETE FROM shopsync.shops WHERE id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'$$, '55000',
    'delete a shop with shopsync.delete_shop(), not with DELETE',
    'a direct DELETE of a shop is refused with a message pointing at delete_shop');
SELECT lives_ok($$SELECT shopsync.delete_shop('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')$$,
    'delete_shop works for a shop with rows in a user table keyed to shops without cascade');
SELECT is((SELECT count(*) FROM public.products WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint, 'its products are gone');
SELECT is((SELECT count(*) FROM shopsync.customers WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.orders WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.order_items WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')
        + (SELECT count(*) FROM shopsync.change_log WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint,
    'its customers, orders, items and log are gone');
SELECT is((SELECT count(*) FROM shopsync.shops WHERE id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint, 'the shop is gone');
SELECT is((SELECT count(*) FROM public.products WHERE shop_id = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb'), 1::bigint, 'another shop keeps its products');
SELECT is((SELECT count(*) FROM shopsync.change_log WHERE entity = 'products' AND shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint,
    'removing a shop logs nothing');

SELECT * FROM finish();
ROLLBACK;
