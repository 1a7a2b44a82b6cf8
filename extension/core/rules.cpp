// extension/core/rules.cpp — the rules of pushed events, read from data (see rules.hpp).
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

bool IsKnownStatus(const StatusRules &rules, const char *status) {
    for (int i = 0; i < rules.nstatuses; i++)
        if (Equal(rules.statuses[i], status))
            return true;
    return false;
}

bool StatusMoveAllowed(const StatusRules &rules, const char *from, const char *to) {
    if (!IsKnownStatus(rules, from) || !IsKnownStatus(rules, to))
        return false;
    if (Equal(from, to))
        return true;
    for (int i = 0; i < rules.nmoves; i++)
        if (Equal(rules.moves[i].from, from) && Equal(rules.moves[i].to, to))
            return true;
    return false;
}

static bool Has(RoleSet roles, ShopRole role) {
    return (roles & RoleBit(role)) != 0;
}

const char *ForbiddenReason(ShopRole role, const EntityRules &rules, EventOp op, bool restore,
                            bool override_status) {
    if (role == ShopRole::None)
        return "the caller is not a member of this shop";
    if (role == ShopRole::Viewer)
        return "viewers cannot change data";
    if (op == EventOp::Delete) {
        if (!Has(rules.delete_roles, role))
            return "the caller's role may not delete rows of this entity";
        return nullptr;
    }
    if (!Has(rules.write_roles, role))
        return "the caller's role may not change rows of this entity";
    if (restore && !Has(rules.delete_roles, role))
        return "the caller's role may not restore deleted rows of this entity";
    if (override_status && !Has(rules.override_roles, role))
        return "the caller's role may not override this entity's status transitions";
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

const char *ClientMessageForReason(const char *reason, const char *sqlstate) {
    if (sqlstate != nullptr && std::strncmp(sqlstate, "23", 2) != 0)
        return nullptr; // data errors and RAISE name no internal object
    if (Equal(reason, "duplicate_code"))
        return "another live row of this shop already has this code";
    if (Equal(reason, "duplicate_id"))
        return "a row with this id already exists in this shop";
    if (Equal(reason, "foreign_key_violation"))
        return "a row this event refers to does not exist in this shop";
    if (Equal(reason, "invalid_value"))
        return "a required value is missing";
    return "a value breaks one of this entity's constraints";
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
