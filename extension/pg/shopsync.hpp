// extension/pg/shopsync.hpp — what the backend modules share: settings, the
// caller's claims, and the per-backend flags set while a sync call runs.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// Settings (GUCs shopsync.*), registered in module.cpp.
extern int guc_max_batch;       // events per push, at most kMaxBatchCeiling
extern int guc_max_pull;        // changes per pull page
extern int guc_max_field_bytes; // largest accepted text value
extern int guc_tombstone_retention_days;
extern int guc_log_retention_days;
extern int guc_idempotency_retention_days;
extern int guc_min_client_protocol; // oldest client protocol served
constexpr int kMaxBatchCeiling = 1000;

// The caller as the JWT claims (request.jwt.claims) describe it.
struct Claims {
    bool has_shop;
    pg_uuid_t shop_id;
    bool has_user;
    pg_uuid_t user_id;
};

// Reads request.jwt.claims (top-level shop_id, or app_metadata.shop_id as
// Supabase's access-token hook writes it). Cached per distinct claims text.
const Claims &CurrentClaims_Unsafe();

// Shop of the caller, or an ERROR (42501) when the claims name none.
pg_uuid_t RequireShop_Unsafe();

// Helpers shared by the SQL-callable functions.
Datum UuidGetDatumCopy(const pg_uuid_t &id);
char *UuidToCString(const pg_uuid_t &id);
bool UuidEquals(const pg_uuid_t &a, const pg_uuid_t &b);
bool ParseUuid(const char *text, pg_uuid_t *out); // false on malformed text

} // namespace shopsync
