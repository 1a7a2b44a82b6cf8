// extension/core/rules.cpp — business rules of pushed events (see rules.hpp).
#include "rules.hpp"

#include <cstring>

namespace shopsync {

static bool Equal(const char *a, const char *b) {
    return a && b && std::strcmp(a, b) == 0;
}

ShopRole ParseShopRole(const char *text) {
    if (Equal(text, "owner"))
        return ShopRole::Owner;
    if (Equal(text, "staff"))
        return ShopRole::Staff;
    if (Equal(text, "viewer"))
        return ShopRole::Viewer;
    return ShopRole::None;
}

const char *ShopRoleName(ShopRole role) {
    switch (role) {
    case ShopRole::Owner:
        return "owner";
    case ShopRole::Staff:
        return "staff";
    case ShopRole::Viewer:
        return "viewer";
    case ShopRole::None:
        break;
    }
    return nullptr;
}

EventOp ParseEventOp(const char *text) {
    if (Equal(text, "create"))
        return EventOp::Create;
    if (Equal(text, "update"))
        return EventOp::Update;
    if (Equal(text, "delete"))
        return EventOp::Delete;
    return EventOp::Invalid;
}

// Position on the forward path; cancelled is off the path.
static int StatusRank(const char *status) {
    static const char *const kPath[] = {"pending", "confirmed", "shipping", "delivered"};
    for (int i = 0; i < 4; i++)
        if (Equal(status, kPath[i]))
            return i;
    return -1;
}

bool IsKnownOrderStatus(const char *status) {
    return StatusRank(status) >= 0 || Equal(status, "cancelled");
}

bool OrderStatusMoveAllowed(const char *from, const char *to) {
    if (!IsKnownOrderStatus(from) || !IsKnownOrderStatus(to))
        return false;
    if (Equal(from, to))
        return true;
    if (Equal(to, "cancelled"))
        return Equal(from, "pending") || Equal(from, "confirmed");
    if (Equal(from, "cancelled"))
        return false;
    return StatusRank(to) > StatusRank(from);
}

// Deleting or restoring these is the owner's; line items are part of editing
// an order, which staff do.
static bool DeleteIsOwners(const char *entity) {
    return !Equal(entity, "order_items");
}

const char *ForbiddenReason(ShopRole role, const char *entity, EventOp op, bool restore,
                            bool override_status) {
    switch (role) {
    case ShopRole::None:
        return "the caller is not a member of this shop";
    case ShopRole::Viewer:
        return "viewers cannot change data";
    case ShopRole::Owner:
        return nullptr;
    case ShopRole::Staff:
        break;
    }
    if (Equal(entity, "shop_settings"))
        return "only an owner can change the shop's settings";
    if (op == EventOp::Delete && DeleteIsOwners(entity))
        return "only an owner can delete customers and orders";
    if (restore && DeleteIsOwners(entity))
        return "only an owner can restore a deleted row";
    if (override_status)
        return "only an owner can override an order's status";
    return nullptr;
}

const char *ReasonForSqlState(const char *sqlstate, const char *constraint_name) {
    if (sqlstate == nullptr || std::strlen(sqlstate) != 5)
        return nullptr;
    if (Equal(sqlstate, "23505")) { // unique_violation
        if (constraint_name && std::strstr(constraint_name, "code"))
            return "duplicate_code";
        if (constraint_name && std::strstr(constraint_name, "pkey"))
            return "duplicate_id";
        return "constraint_violation";
    }
    if (Equal(sqlstate, "23503"))
        return "foreign_key_violation";
    if (Equal(sqlstate, "23502"))
        return "invalid_value"; // not_null_violation
    if (std::strncmp(sqlstate, "23", 2) == 0)
        return "constraint_violation"; // check, exclusion, other integrity
    if (Equal(sqlstate, "22001"))
        return "value_too_long";
    if (std::strncmp(sqlstate, "22", 2) == 0)
        return "invalid_value"; // data exceptions: bad number, date, uuid …
    if (Equal(sqlstate, "42501"))
        return "forbidden";
    if (Equal(sqlstate, "428C9"))
        return "server_owned_column";
    if (Equal(sqlstate, "P0001"))
        return "constraint_violation"; // RAISE in an application's own trigger
    return nullptr;
}

bool IsValidDeviceId(const char *device_id, int length) {
    if (device_id == nullptr || length < 1 || length > 200)
        return false;
    for (int i = 0; i < length; i++) {
        unsigned char c = (unsigned char)device_id[i];
        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    return true;
}

} // namespace shopsync
