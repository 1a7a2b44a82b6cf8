// extension/core/rules.hpp — the rules of a pushed event, as pure C++.
//
// The engine names no entity: what a role may do to an entity and how its
// status may move are data (shopsync.synced_tables, registered with
// enable_sync), handed to these functions as EntityRules and StatusRules.
// No PostgreSQL header is included here: these functions are unit-tested
// with Catch2 outside a backend, and they neither allocate nor throw, so the
// backend may call them from code that PostgreSQL errors can longjmp through.
#pragma once

namespace shopsync {

enum class ShopRole { None, Viewer, Staff, Owner };
enum class EventOp { Invalid, Create, Update, Delete };

// "owner" / "staff" / "viewer" → role; anything else → None.
ShopRole ParseShopRole(const char *text);
const char *ShopRoleName(ShopRole role);

EventOp ParseEventOp(const char *text);

// A set of roles, one bit per ShopRole.
using RoleSet = unsigned;
constexpr RoleSet RoleBit(ShopRole role) {
    return 1u << static_cast<unsigned>(role);
}

// Who may do what to one entity.
struct EntityRules {
    RoleSet write_roles;    // create and update
    RoleSet delete_roles;   // delete and restore
    RoleSet override_roles; // move the status against its transitions
};

// A status lifecycle: the known statuses and the allowed moves between them.
// Staying in place is always allowed.
struct StatusMove {
    const char *from;
    const char *to;
};
struct StatusRules {
    int nstatuses;
    const char *const *statuses;
    int nmoves;
    const StatusMove *moves;
};
bool IsKnownStatus(const StatusRules &rules, const char *status);
bool StatusMoveAllowed(const StatusRules &rules, const char *from, const char *to);

// Returns nullptr when the role may do it, else a human message for a
// `forbidden` rejection. restore: the event clears deleted_at; override: an
// explicit status override was needed.
const char *ForbiddenReason(ShopRole role, const EntityRules &rules, EventOp op, bool restore,
                            bool override_status);

// Machine-readable rejection reason for an error a write raised, by SQLSTATE
// (five characters) and, for unique violations, the constraint's name.
// Returns nullptr for errors that must fail the whole batch (serialization
// failures, resource exhaustion, internal errors): the client retries those.
const char *ReasonForSqlState(const char *sqlstate, const char *constraint_name);

// The message a client gets for a reason ReasonForSqlState gave, when the
// database's own message would name internal objects (constraints, indexes);
// nullptr when the database's message may be passed on (data errors, an
// application trigger's RAISE).
const char *ClientMessageForReason(const char *reason, const char *sqlstate);

// A device id is 1..200 printable ASCII characters (no spaces, no controls).
bool IsValidDeviceId(const char *device_id, int length);

} // namespace shopsync
