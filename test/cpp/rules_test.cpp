// test/cpp/rules_test.cpp — Catch2 tests of extension/core/rules.cpp, the
// business rules the backend applies to pushed events.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "rules.hpp"

#include <string>

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

// The built-in orders lifecycle, as sql/src/30_entities.sql registers it.
static const char *const kOrderStatuses[] = {"pending", "confirmed", "shipping", "delivered", "cancelled"};
static const StatusMove kOrderMoves[] = {{"pending", "confirmed"},   {"pending", "shipping"},
                                         {"pending", "delivered"},   {"pending", "cancelled"},
                                         {"confirmed", "shipping"},  {"confirmed", "delivered"},
                                         {"confirmed", "cancelled"}, {"shipping", "delivered"}};
static const StatusRules kOrders = {5, kOrderStatuses, 8, kOrderMoves};

TEST_CASE("a status moves only along its registered transitions", "[rules][status]") {
    SECTION("the registered moves, including skips") {
        CHECK(StatusMoveAllowed(kOrders, "pending", "confirmed"));
        CHECK(StatusMoveAllowed(kOrders, "confirmed", "shipping"));
        CHECK(StatusMoveAllowed(kOrders, "shipping", "delivered"));
        CHECK(StatusMoveAllowed(kOrders, "pending", "delivered"));
    }
    SECTION("staying put is no move") {
        CHECK(StatusMoveAllowed(kOrders, "shipping", "shipping"));
        CHECK(StatusMoveAllowed(kOrders, "cancelled", "cancelled"));
    }
    SECTION("moves not registered are refused") {
        CHECK_FALSE(StatusMoveAllowed(kOrders, "confirmed", "pending"));
        CHECK_FALSE(StatusMoveAllowed(kOrders, "delivered", "shipping"));
        CHECK_FALSE(StatusMoveAllowed(kOrders, "shipping", "cancelled"));
        CHECK_FALSE(StatusMoveAllowed(kOrders, "cancelled", "pending"));
    }
    SECTION("unknown statuses never move") {
        CHECK_FALSE(StatusMoveAllowed(kOrders, "pending", "teleported"));
        CHECK_FALSE(StatusMoveAllowed(kOrders, "lost", "pending"));
        CHECK_FALSE(StatusMoveAllowed(kOrders, nullptr, "pending"));
        CHECK_FALSE(IsKnownStatus(kOrders, "PENDING"));
        CHECK(IsKnownStatus(kOrders, "cancelled"));
    }
    SECTION("every pair agrees with the list of moves") {
        for (const char *from : kOrderStatuses)
            for (const char *to : kOrderStatuses) {
                bool listed = std::string(from) == to;
                for (const StatusMove &m : kOrderMoves)
                    listed = listed || (std::string(m.from) == from && std::string(m.to) == to);
                CHECK(StatusMoveAllowed(kOrders, from, to) == listed);
            }
    }
}

TEST_CASE("ForbiddenReason reads who may do what from the entity's rules", "[rules][roles]") {
    const RoleSet owner = RoleBit(ShopRole::Owner), staff = RoleBit(ShopRole::Staff);
    const EntityRules owner_deletes = {owner | staff, owner, owner};
    const EntityRules staff_deletes = {owner | staff, owner | staff, owner};
    const EntityRules owner_only = {owner, owner, owner};
    SECTION("the roles listed may act") {
        CHECK(ForbiddenReason(ShopRole::Owner, owner_deletes, EventOp::Delete, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Owner, owner_deletes, EventOp::Update, true, true) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Owner, owner_only, EventOp::Update, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, owner_deletes, EventOp::Create, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, staff_deletes, EventOp::Delete, false, false) == nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, staff_deletes, EventOp::Update, true, false) == nullptr);
    }
    SECTION("the roles not listed may not") {
        CHECK(ForbiddenReason(ShopRole::Staff, owner_deletes, EventOp::Delete, false, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, owner_deletes, EventOp::Update, true, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, owner_deletes, EventOp::Update, false, true) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, owner_only, EventOp::Update, false, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::Staff, owner_only, EventOp::Create, false, false) != nullptr);
    }
    SECTION("viewers and strangers change nothing, whatever the rules") {
        const EntityRules all = {~0u, ~0u, ~0u};
        CHECK(ForbiddenReason(ShopRole::Viewer, all, EventOp::Create, false, false) != nullptr);
        CHECK(ForbiddenReason(ShopRole::None, all, EventOp::Create, false, false) != nullptr);
    }
}

TEST_CASE("client messages for write errors name no internal object", "[rules][errors]") {
    CHECK(std::string(ClientMessageForReason("duplicate_code", "23505")).find("_idx") == std::string::npos);
    CHECK(ClientMessageForReason("foreign_key_violation", "23503") != nullptr);
    CHECK(ClientMessageForReason("constraint_violation", "23514") != nullptr);
    CHECK(ClientMessageForReason("invalid_value", "22P02") == nullptr);
    CHECK(ClientMessageForReason("constraint_violation", "P0001") == nullptr);
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
