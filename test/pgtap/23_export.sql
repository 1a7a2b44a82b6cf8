-- 23_export.sql — api.export_shop: the owner's shop only, every synced
-- entity, JSON rows or RFC 4180 CSV per entity, tombstones on request, and
-- an audit entry naming the user and the device; nobody else may export.
BEGIN;
SELECT plan(19);
\ir fixtures.sql

SELECT has_function('api', 'export_shop', ARRAY['text', 'text', 'boolean'], 'api.export_shop exists');
SELECT is_definer('api', 'export_shop', ARRAY['text', 'text', 'boolean'], 'and is SECURITY DEFINER');

INSERT INTO shopsync.customers (id, shop_id, customer_code, name, notes) VALUES
    (pg_temp.uid('c', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'C-1', 'Ann, "the" baker', E'line 1\nline 2'),
    (pg_temp.uid('c', 2), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'C-2', 'Bob', NULL),
    (pg_temp.uid('c', 3), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'C-3', 'Gone', NULL),
    (pg_temp.uid('c', 9), 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb', 'C-1', 'Shop B customer', NULL);
UPDATE shopsync.customers SET deleted_at = now() WHERE id = pg_temp.uid('c', 3);
INSERT INTO shopsync.orders (id, shop_id, order_code, customer_id, status, total) VALUES
    (pg_temp.uid('0', 1), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-1', pg_temp.uid('c', 1), 'pending', 12.5);

SELECT pg_temp.act_as('owner_a');
CREATE TEMP TABLE export_json AS SELECT api.export_shop('json', 'desk-1') AS e;
SELECT is((SELECT e->'counts' FROM export_json),
          '{"customers": 2, "orders": 1, "order_items": 0, "shop_settings": 0}'::jsonb,
          'JSON: every synced entity, live rows of the caller''s shop');
SELECT is((SELECT array_agg(c->>'customer_code' ORDER BY c->>'customer_code')
             FROM export_json, jsonb_array_elements(e->'entities'->'customers') c),
          ARRAY['C-1', 'C-2'], 'no tombstone, nothing of shop B');
SELECT is((SELECT e->'entities'->'customers'->0->>'name' FROM export_json), 'Ann, "the" baker',
          'rows are the full rows');
SELECT is((SELECT e->'shop'->>'name' FROM export_json), 'Shop A', 'the export names the shop');
SELECT is((api.export_shop('json', NULL, true)->'counts'->>'customers')::int, 3, 'include_deleted brings tombstones');

CREATE TEMP TABLE export_csv AS SELECT api.export_shop('csv', 'desk-1') AS e;
SELECT is((SELECT split_part(e->'files'->>'customers.csv', E'\r\n', 1) FROM export_csv),
          'id,shop_id,customer_code,name,phone,email,address,notes,version,updated_at,deleted_at',
          'CSV: a header of the table''s columns');
SELECT ok((SELECT e->'files'->>'customers.csv' FROM export_csv)
              LIKE E'%,C-1,"Ann, ""the"" baker",,,,"line 1\nline 2",1,%',
          'a field with a comma, quotes or a line break is quoted; NULL is empty');
SELECT is((SELECT array_length(string_to_array(rtrim(e->'files'->>'customers.csv', E'\r\n'), E'\r\n'), 1)
             FROM export_csv), 3, 'one line per live row after the header');
SELECT is((SELECT e->'files'->>'order_items.csv' FROM export_csv),
          E'id,shop_id,order_id,product_name,sku,quantity,unit_price,line_total,version,updated_at,deleted_at\r\n',
          'an empty entity is its header alone');

SELECT pg_temp.act_as_admin();
SELECT is(shopsync.csv_field(' x'), '" x"', 'an edge space is quoted');
SELECT results_eq($$SELECT user_id, device_id, detail->>'format', detail->'counts'->>'customers'
                      FROM shopsync.audit_log WHERE action = 'export' ORDER BY id$$,
    $$VALUES ('a1a1a1a1-0000-0000-0000-000000000001'::uuid, 'desk-1'::text, 'json'::text, '2'::text),
             ('a1a1a1a1-0000-0000-0000-000000000001'::uuid, NULL, 'json', '3'),
             ('a1a1a1a1-0000-0000-0000-000000000001'::uuid, 'desk-1', 'csv', '2')$$,
    'every export is audited with its user, device, format and counts');
SELECT is((SELECT count(*) FROM shopsync.audit_log WHERE action = 'export'
             AND shop_id <> 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'), 0::bigint, 'in the exporting shop');

SELECT pg_temp.act_as('owner_a');
SELECT throws_ok($$SELECT api.export_shop('xml')$$, '22023', 'format must be json or csv', 'an unknown format is refused');
SELECT throws_ok($$SELECT api.export_shop('json', 'has space')$$, '22023', NULL, 'a malformed device id is refused');
SELECT pg_temp.act_as('staff_a');
SELECT throws_ok($$SELECT api.export_shop('json')$$, '42501', 'only an owner of this shop can export its data',
    'staff cannot export');
SELECT pg_temp.act_as('viewer_a');
SELECT throws_ok($$SELECT api.export_shop('csv')$$, '42501', 'only an owner of this shop can export its data',
    'viewers cannot export');
SELECT pg_temp.act_as('owner_b');
SELECT is((api.export_shop('json')->'entities'->'customers'->0->>'name'), 'Shop B customer',
    'another owner exports only their own shop');

SELECT * FROM finish();
ROLLBACK;
