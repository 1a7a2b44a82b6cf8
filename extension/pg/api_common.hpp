// extension/pg/api_common.hpp — what the api.* functions share.
#pragma once

#include "pg_headers.hpp"
#include "rules.hpp"

namespace shopsync {

// The caller's shop and user and their role; ERROR (42501) unless a member.
void RequireMember_Unsafe(pg_uuid_t *shop, pg_uuid_t *user, ShopRole *role);
// The protocol this server speaks, and the check of a client's: below
// shopsync.min_client_protocol raises 0A000 "client protocol N is no longer
// served" with a hint to update the app.
constexpr int kProtocolVersion = 3;
void CheckClientProtocol_Unsafe(int64 protocol);

// The shop's last drawn seq (0 for a shop without changes): as of now (the
// default; a push sees its own writes), or in the calling statement's
// snapshot, to pair with rows read in that snapshot (sync_snapshot).
int64 ShopLastSeq_Unsafe(const pg_uuid_t &shop, bool in_statement_snapshot = false);

// SQLSTATEs in PostgREST's PTxyz form, which it answers with HTTP status xyz.
#define SHOPSYNC_ERRCODE_CURSOR_EXPIRED MAKE_SQLSTATE('P', 'T', '4', '1', '0')
#define SHOPSYNC_ERRCODE_TOO_LARGE MAKE_SQLSTATE('P', 'T', '4', '1', '3')
#define SHOPSYNC_ERRCODE_IN_PROGRESS MAKE_SQLSTATE('P', 'T', '4', '0', '9')

// Runs a one-row, one-column query returning jsonb and copies the value out
// of SPI. Call between SPI_connect and SPI_finish.
Datum QueryJsonb_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values);

} // namespace shopsync
