-- 50_tenant_keys.sql — the built-in entities are keyed by (shop_id, id): ids
-- live per shop (sql/src/30_entities.sql). The (shop_id, id) unique keys become
-- the primary keys; existing rows keep their ids. Every foreign key that
-- references a built-in entity (ours, and an application's own) is set aside
-- and made again against the new key; one that references a built-in by id
-- alone cannot be kept, and stops the update with a hint.
DO $do$
DECLARE
    fk record;
    saved jsonb := '[]';
    item jsonb;
BEGIN
    FOR fk IN
        SELECT c.conname, c.conrelid::regclass::text AS tbl, pg_get_constraintdef(c.oid) AS def,
               c.confrelid::regclass::text AS target,
               (SELECT array_agg(a.attname::text ORDER BY k.o)
                  FROM unnest(c.confkey) WITH ORDINALITY AS k(n, o)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS cols
          FROM pg_constraint c
         WHERE c.contype = 'f'
           AND c.confrelid IN ('shopsync.customers'::regclass, 'shopsync.orders'::regclass,
                               'shopsync.order_items'::regclass, 'shopsync.shop_settings'::regclass)
         ORDER BY c.conrelid::regclass::text, c.conname
    LOOP
        IF fk.cols IS DISTINCT FROM ARRAY['shop_id', 'id'] THEN
            RAISE EXCEPTION 'foreign key % of % references % by (%), but 0.2.0 keys it by (shop_id, id)',
                fk.conname, fk.tbl, fk.target, array_to_string(fk.cols, ', ')
                USING ERRCODE = 'invalid_table_definition',
                      HINT = 'Make that key reference (shop_id, id) (ids live per shop), then update again.';
        END IF;
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
        saved := saved || jsonb_build_array(jsonb_build_object('tbl', fk.tbl, 'name', fk.conname, 'def', fk.def));
    END LOOP;

    ALTER TABLE shopsync.customers DROP CONSTRAINT customers_shop_id_id_key, DROP CONSTRAINT customers_pkey,
        ADD PRIMARY KEY (shop_id, id);
    ALTER TABLE shopsync.orders DROP CONSTRAINT orders_shop_id_id_key, DROP CONSTRAINT orders_pkey,
        ADD PRIMARY KEY (shop_id, id);
    ALTER TABLE shopsync.order_items DROP CONSTRAINT order_items_pkey, ADD PRIMARY KEY (shop_id, id);
    ALTER TABLE shopsync.shop_settings DROP CONSTRAINT shop_settings_pkey, ADD PRIMARY KEY (shop_id, id);

    FOR item IN SELECT jsonb_array_elements(saved) LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', item->>'tbl', item->>'name', item->>'def');
    END LOOP;
END
$do$;
-- the audit log too: every tenant table's key leads with shop_id (docs/citus-plan.md)
ALTER TABLE shopsync.audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (shop_id, id);
