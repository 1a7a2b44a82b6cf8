// test/cpp/rules_test.cpp — Catch2 tests of extension/core/rules.cpp, the
// business rules the backend applies to pushed events.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "rules.hpp"

using namespace shopsync;

TEST_CASE("ParseShopRole knows exactly the three roles", "[rules]") {
    CHECK(ParseShopRole("owner") == ShopRole::Owner);
    CHECK(ParseShopRole("staff") == ShopRole::Staff);
    CHECK(ParseShopRole("viewer") == ShopRole::Viewer);
    CHECK(ParseShopRole("Owner") == ShopRole::None);
    CHECK(ParseShopRole("") == ShopRole::None);
    CHECK(ParseShopRole(nullptr) == ShopRole::None);
    CHECK(std::string(ShopRoleName(ShopRole::Staff)) == "staff");
    CHECK(ShopRoleName(ShopRole::None) == nullptr);
}

TEST_CASE("ParseEventOp accepts create, update and delete only", "[rules]") {
    CHECK(ParseEventOp("create") == EventOp::Create);
    CHECK(ParseEventOp("update") == EventOp::Update);
    CHECK(ParseEventOp("delete") == EventOp::Delete);
    CHECK(ParseEventOp("upsert") == EventOp::Invalid);
    CHECK(ParseEventOp(nullptr) == EventOp::Invalid);
}

TEST_CASE("order status moves only forward", "[rules][status]") {
    SECTION("the forward path, including skips") {
        CHECK(OrderStatusMoveAllowed("pending", "confirmed"));
        CHECK(OrderStatusMoveAllowed("confirmed", "shipping"));
        CHECK(OrderStatusMoveAllowed("shipping", "delivered"));
        CHECK(OrderStatusMoveAllowed("pending", "delivered"));
    }
    SECTION("staying put is no move") {
        CHECK(OrderStatusMoveAllowed("shipping", "shipping"));
        CHECK(OrderStatusMoveAllowed("cancelled", "cancelled"));
    }
    SECTION("backwards is refused") {
        CHECK_FALSE(OrderStatusMoveAllowed("confirmed", "pending"));
        CHECK_FALSE(OrderStatusMoveAllowed("delivered", "shipping"));
        CHECK_FALSE(OrderStatusMoveAllowed("delivered", "pending"));
    }
    SECTION("cancelled only from pending or confirmed, and final") {
        CHECK(OrderStatusMoveAllowed("pending", "cancelled"));
        CHECK(OrderStatusMoveAllowed("confirmed", "cancelled"));
        CHECK_FALSE(OrderStatusMoveAllowed("shipping", "cancelled"));
        CHECK_FALSE(OrderStatusMoveAllowed("delivered", "cancelled"));
        CHECK_FALSE(OrderStatusMoveAllowed("cancelled", "pending"));
        CHECK_FALSE(OrderStatusMoveAllowed("cancelled", "delivered"));
    }
    SECTION("unknown statuses never move") {
        CHECK_FALSE(OrderStatusMoveAllowed("pending", "teleported"));
        CHECK_FALSE(OrderStatusMoveAllowed("lost", "pending"));
        CHECK_FALSE(OrderStatusMoveAllowed(nullptr, "pending"));
        CHECK_FALSE(IsKnownOrderStatus("PENDING"));
    }
}

TEST_CASE("ForbiddenReason encodes who may do what", "[rules][roles]") {
    SECTION("owners may do everything") {
        CHECK(ForbiddenReason(ShopRole::Owner, "customers", EventOp::Delete, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Owner, "orders", EventOp::Update, true, true) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Owner, "shop_settings", EventOp::Update, false, false) == nullptr);
    }
    SECTION("staff create and update, but do not delete, restore or override") {
        CHECK(ForbiddenReason(ShopRole::Staff, "customers", EventOp::Create, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "orders", EventOp::Update, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "customers", EventOp::Delete, false, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "orders", EventOp::Delete, false, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "orders", EventOp::Update, true, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "orders", EventOp::Update, false, true) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "shop_settings", EventOp::Update, false, false) != nullptr);
    }
    SECTION("line items are part of editing an order") {
        CHECK(ForbiddenReason(ShopRole::Staff, "order_items", EventOp::Delete, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, "order_items", EventOp::Update, true, false) == nullptr);
    }
    SECTION("viewers and strangers change nothing") {
        CHECK(ForbiddenReason(ShopRole::Viewer, "customers", EventOp::Create, false, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::None, "customers", EventOp::Create, false, false) != nullptr);
    }
}

TEST_CASE("ReasonForSqlState maps write errors to rejection reasons", "[rules][errors]") {
    CHECK(std::string(ReasonForSqlState("23505", "customers_code_live_idx")) == "duplicate_code");
    CHECK(std::string(ReasonForSqlState("23505", "customers_pkey")) == "duplicate_id");
    CHECK(std::string(ReasonForSqlState("23505", "other_unique")) == "constraint_violation");
    CHECK(std::string(ReasonForSqlState("23503", nullptr)) == "foreign_key_violation");
    CHECK(std::string(ReasonForSqlState("23502", nullptr)) == "invalid_value");
    CHECK(std::string(ReasonForSqlState("23514", nullptr)) == "constraint_violation");
    CHECK(std::string(ReasonForSqlState("22P02", nullptr)) == "invalid_value");
    CHECK(std::string(ReasonForSqlState("22001", nullptr)) == "value_too_long");
    CHECK(std::string(ReasonForSqlState("42501", nullptr)) == "forbidden");
    CHECK(std::string(ReasonForSqlState("428C9", nullptr)) == "server_owned_column");
    SECTION("errors that must fail the whole batch, so the client retries") {
        CHECK(ReasonForSqlState("40001", nullptr) == nullptr); // serialization failure
        CHECK(ReasonForSqlState("40P01", nullptr) == nullptr); // deadlock
        CHECK(ReasonForSqlState("53200", nullptr) == nullptr); // out of memory
        CHECK(ReasonForSqlState("57014", nullptr) == nullptr); // statement timeout
        CHECK(ReasonForSqlState("XX000", nullptr) == nullptr); // internal
        CHECK(ReasonForSqlState("2350", nullptr) == nullptr);  // malformed
        CHECK(ReasonForSqlState(nullptr, nullptr) == nullptr);
    }
}

TEST_CASE("IsValidDeviceId accepts printable ids of 1 to 200 characters", "[rules]") {
    CHECK(IsValidDeviceId("desk-1", 6));
    CHECK(IsValidDeviceId(std::string(200, 'x').c_str(), 200));
    CHECK_FALSE(IsValidDeviceId(std::string(201, 'x').c_str(), 201));
    CHECK_FALSE(IsValidDeviceId("", 0));
    CHECK_FALSE(IsValidDeviceId("has space", 9));
    CHECK_FALSE(IsValidDeviceId("tab\there", 8));
    CHECK_FALSE(IsValidDeviceId("caf\xc3\xa9", 5));
    CHECK_FALSE(IsValidDeviceId(nullptr, 3));
}
