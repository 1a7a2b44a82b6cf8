-- 60_builtin_rules.sql — the built-in entities' rules, the values
-- sql/src/30_entities.sql registers with enable_sync. Written directly: the
-- tables' triggers and policies are in place already, and enable_sync's
-- checks must not stop an update over a user's own foreign keys.
UPDATE shopsync.synced_tables SET delete_roles = '{owner}'
 WHERE relid = 'shopsync.customers'::regclass;
UPDATE shopsync.synced_tables SET delete_roles = '{owner}', status_column = 'status', override_roles = '{owner}',
       status_transitions = '{"pending": ["confirmed", "shipping", "delivered", "cancelled"],
                              "confirmed": ["shipping", "delivered", "cancelled"],
                              "shipping": ["delivered"], "delivered": [], "cancelled": []}'
 WHERE relid = 'shopsync.orders'::regclass;
UPDATE shopsync.synced_tables SET delete_roles = '{owner,staff}', parents = '[{"entity": "orders", "column": "order_id"}]'
 WHERE relid = 'shopsync.order_items'::regclass;
UPDATE shopsync.synced_tables SET write_roles = '{owner}', delete_roles = '{owner}'
 WHERE relid = 'shopsync.shop_settings'::regclass;
