-- 60_builtin_rules.sql — the built-in entities registered with their rules,
-- as sql/src/30_entities.sql does.
-- The built-in entities' rules, registered as a user's table would be.
SELECT shopsync.enable_sync('shopsync.customers', rules => '{"delete_roles": ["owner"]}');
-- An order's status only moves forward (cancelled from pending or confirmed);
-- moving it any other way needs an owner's explicit override (audited).
SELECT shopsync.enable_sync('shopsync.orders', rules => '{"delete_roles": ["owner"],
    "status": {"column": "status", "override_roles": ["owner"], "transitions": {
        "pending": ["confirmed", "shipping", "delivered", "cancelled"],
        "confirmed": ["shipping", "delivered", "cancelled"],
        "shipping": ["delivered"], "delivered": [], "cancelled": []}}}');
-- Line items are part of editing an order, which staff do.
SELECT shopsync.enable_sync('shopsync.order_items',
    rules => '{"delete_roles": ["owner", "staff"], "parents": [{"entity": "orders", "column": "order_id"}]}');
SELECT shopsync.enable_sync('shopsync.shop_settings', rules => '{"write_roles": ["owner"], "delete_roles": ["owner"]}');
