-- 50_tenant_keys.sql — the built-in entities are keyed by (shop_id, id): ids
-- live per shop (sql/src/30_entities.sql). The (shop_id, id) unique keys the
-- foreign keys used become the primary keys; existing rows keep their ids.
ALTER TABLE shopsync.orders DROP CONSTRAINT orders_shop_id_customer_id_fkey;
ALTER TABLE shopsync.order_items DROP CONSTRAINT order_items_shop_id_order_id_fkey;
ALTER TABLE shopsync.customers DROP CONSTRAINT customers_shop_id_id_key, DROP CONSTRAINT customers_pkey,
    ADD PRIMARY KEY (shop_id, id);
ALTER TABLE shopsync.orders DROP CONSTRAINT orders_shop_id_id_key, DROP CONSTRAINT orders_pkey,
    ADD PRIMARY KEY (shop_id, id);
ALTER TABLE shopsync.order_items DROP CONSTRAINT order_items_pkey, ADD PRIMARY KEY (shop_id, id);
ALTER TABLE shopsync.shop_settings DROP CONSTRAINT shop_settings_pkey, ADD PRIMARY KEY (shop_id, id);
ALTER TABLE shopsync.orders ADD CONSTRAINT orders_shop_id_customer_id_fkey
    FOREIGN KEY (shop_id, customer_id) REFERENCES shopsync.customers (shop_id, id) ON DELETE SET NULL (customer_id);
ALTER TABLE shopsync.order_items ADD CONSTRAINT order_items_shop_id_order_id_fkey
    FOREIGN KEY (shop_id, order_id) REFERENCES shopsync.orders (shop_id, id) ON DELETE CASCADE;
-- the audit log too: every tenant table's key leads with shop_id (docs/citus-plan.md)
ALTER TABLE shopsync.audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (shop_id, id);
