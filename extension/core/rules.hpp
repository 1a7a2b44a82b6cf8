// extension/core/rules.hpp — the business rules of a pushed event, as pure C++.
//
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

// Order status lifecycle: pending → confirmed → shipping → delivered, and
// cancelled from pending or confirmed. Staying in place is allowed.
bool IsKnownOrderStatus(const char *status);
bool OrderStatusMoveAllowed(const char *from, const char *to);

// What a role may do to an entity (DESIGN §4 Roles). Returns nullptr when
// allowed, else a human message for a `forbidden` rejection.
//   restore:  the event clears deleted_at;  override: an explicit status override.
const char *ForbiddenReason(ShopRole role, const char *entity, EventOp op, bool restore,
                            bool override_status);

// Machine-readable rejection reason for an error a write raised, by SQLSTATE
// (five characters) and, for unique violations, the constraint's name.
// Returns nullptr for errors that must fail the whole batch (serialization
// failures, resource exhaustion, internal errors): the client retries those.
const char *ReasonForSqlState(const char *sqlstate, const char *constraint_name);

// A device id is 1..200 printable ASCII characters (no spaces, no controls).
bool IsValidDeviceId(const char *device_id, int length);

} // namespace shopsync
