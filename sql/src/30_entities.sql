-- sql/src/30_entities.sql — the shop app's synced entities. Every one is keyed
-- by (shop_id, id): ids live per shop. Display codes are unique per shop among
-- live rows and are never keys; references stay inside one shop through
-- (shop_id, id) foreign keys.

CREATE TABLE shopsync.customers (
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id        uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    customer_code  text CHECK (length(customer_code) BETWEEN 1 AND 40),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone          text CHECK (length(phone) <= 40),
    email          text CHECK (length(email) <= 320),
    address        text CHECK (length(address) <= 1000),
    notes          text CHECK (length(notes) <= 4000),
    version        bigint NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    PRIMARY KEY (shop_id, id)
);
CREATE UNIQUE INDEX customers_code_live_idx ON shopsync.customers (shop_id, customer_code)
    WHERE deleted_at IS NULL;

CREATE TABLE shopsync.orders (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id      uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    order_code   text CHECK (length(order_code) BETWEEN 1 AND 40),
    customer_id  uuid,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'confirmed', 'shipping', 'delivered', 'cancelled')),
    subtotal     numeric(12, 2) NOT NULL DEFAULT 0 CHECK (subtotal >= 0),
    discount     numeric(12, 2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
    tax          numeric(12, 2) NOT NULL DEFAULT 0 CHECK (tax >= 0),
    total        numeric(12, 2) NOT NULL DEFAULT 0 CHECK (total >= 0),
    notes        text CHECK (length(notes) <= 4000),
    ordered_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (shop_id, id),
    -- A purged customer leaves its orders without one (PostgreSQL 15 column list).
    FOREIGN KEY (shop_id, customer_id) REFERENCES shopsync.customers (shop_id, id)
        ON DELETE SET NULL (customer_id)
);
CREATE UNIQUE INDEX orders_code_live_idx ON shopsync.orders (shop_id, order_code)
    WHERE deleted_at IS NULL;
CREATE INDEX orders_customer_idx ON shopsync.orders (shop_id, customer_id);

CREATE TABLE shopsync.order_items (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id       uuid NOT NULL REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    order_id      uuid NOT NULL,
    product_name  text NOT NULL CHECK (length(product_name) BETWEEN 1 AND 200),
    sku           text CHECK (length(sku) <= 64),
    quantity      numeric(12, 3) NOT NULL CHECK (quantity > 0),
    unit_price    numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
    line_total    numeric(14, 2) GENERATED ALWAYS AS (round(quantity * unit_price, 2)) STORED,
    version       bigint NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, order_id) REFERENCES shopsync.orders (shop_id, id) ON DELETE CASCADE
);
CREATE INDEX order_items_order_idx ON shopsync.order_items (shop_id, order_id);

-- One row per shop.
CREATE TABLE shopsync.shop_settings (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    shop_id       uuid NOT NULL UNIQUE REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    display_name  text CHECK (length(display_name) <= 200),
    currency      text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    tax_rate      numeric(6, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
    timezone      text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) <= 64),
    version       bigint NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (shop_id, id)
);

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
