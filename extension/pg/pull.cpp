// extension/pg/pull.cpp — api.sync_pull(cursor, lim): the caller's shop's
// changes after cursor, in seq order (DESIGN §5). A cursor the log cannot
// serve — ahead of it, or behind the retention horizon — raises PT410
// cursor_expired, and the client rebuilds from api.sync_snapshot.
#include "api_common.hpp"
#include "guard.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"

namespace shopsync {

static void CheckCursor_Unsafe(const pg_uuid_t &shop, int64 cursor) {
    Oid argtypes[1] = {UUIDOID};
    Datum values[1] = {UuidGetDatumCopy(shop)};
    int64 last_seq = 0, purged_seq = 0;
    if (ExecCachedPlan_Unsafe("SELECT last_seq, purged_seq FROM shopsync.shop_cursors WHERE shop_id = $1", 1,
                              argtypes, values, nullptr, true, 1) > 0) {
        bool isnull;
        last_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        purged_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    }
    if (cursor > last_seq)
        ereport(ERROR, (errcode(SHOPSYNC_ERRCODE_CURSOR_EXPIRED), errmsg("cursor_expired"),
                        errdetail("Cursor " INT64_FORMAT " is ahead of this shop's log.", cursor),
                        errhint("Rebuild from api.sync_snapshot.")));
    if (cursor < purged_seq)
        ereport(ERROR, (errcode(SHOPSYNC_ERRCODE_CURSOR_EXPIRED), errmsg("cursor_expired"),
                        errdetail("Changes after cursor " INT64_FORMAT " were removed by retention.", cursor),
                        errhint("Rebuild from api.sync_snapshot.")));
}

} // namespace shopsync

using namespace shopsync;

// api.sync_pull(cursor bigint, lim int default 100, protocol int default 1) returns jsonb
SHOPSYNC_FUNCTION(sync_pull) {
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("cursor is required"),
                        errhint("Start with cursor 0.")));
    int64 cursor = PG_GETARG_INT64(0);
    int32 lim = PG_ARGISNULL(1) ? 100 : PG_GETARG_INT32(1);
    if (cursor < 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("cursor must not be negative")));
    if (lim < 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("lim must be at least 1")));
    lim = Min(lim, guc_max_pull);
    // protocol (absent before 0.2.0's signature, or NULL) = 1
    int32 protocol = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_INT32(2) : 1;

    pg_uuid_t shop, user;
    ShopRole role;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    RequireMember_Unsafe(&shop, &user, &role);
    CheckClientProtocol_Unsafe(protocol);
    CheckCursor_Unsafe(shop, cursor);

    Oid argtypes[3] = {UUIDOID, INT8OID, INT4OID};
    Datum values[3] = {UuidGetDatumCopy(shop), Int64GetDatum(cursor), Int32GetDatum(lim)};
    Datum result = QueryJsonb_Unsafe(
        "WITH page AS ("
        "  SELECT seq, entity, entity_id, op, version, changed_at, payload"
        "  FROM shopsync.change_log WHERE shop_id = $1 AND seq > $2 ORDER BY seq LIMIT $3 + 1),"
        " served AS (SELECT * FROM page ORDER BY seq LIMIT $3)"
        " SELECT jsonb_build_object("
        "  'changes', coalesce((SELECT jsonb_agg(jsonb_build_object('seq', seq, 'entity', entity,"
        "     'entity_id', entity_id, 'op', op, 'version', version, 'changed_at', changed_at,"
        "     'payload', payload) ORDER BY seq) FROM served), '[]'::jsonb),"
        "  'cursor', coalesce((SELECT max(seq) FROM served), $2),"
        "  'has_more', (SELECT count(*) FROM page) > $3)",
        3, argtypes, values);
    SPI_finish();
    PG_RETURN_DATUM(result);
}
