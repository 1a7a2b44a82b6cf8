// extension/pg/restore_epoch.cpp — the restore epoch: new after every
// point-in-time recovery, promotion or logical restore, unchanged by a crash
// restart. Why it is derived this way: sql/src/70_restore_epoch.sql.
//
// Identity = (system identifier, current timeline, database oid). The epoch
// of an identity is read from shopsync.restore_epochs, or minted there (a
// random uuid) on the first call under it.
#include "guard.hpp"
#include "plan_cache.hpp"
#include "restore_epoch.hpp"
#include "shopsync.hpp"

namespace shopsync {

char *RestoreEpoch_Unsafe() {
    TimeLineID timeline;
    bool recovering = RecoveryInProgress();
    if (recovering)
        (void)GetXLogReplayRecPtr(&timeline);
    else
        timeline = GetWALInsertionTimeLine();
    Oid argtypes[3] = {TEXTOID, INT4OID, OIDOID};
    Datum values[3] = {CStringGetTextDatum(psprintf(UINT64_FORMAT, GetSystemIdentifier())),
                       Int32GetDatum((int32)timeline), ObjectIdGetDatum(MyDatabaseId)};
    if (ExecCachedPlan_Unsafe(
            "SELECT epoch::text FROM shopsync.restore_epochs"
            " WHERE system_identifier = $1::numeric AND timeline_id = $2 AND database_oid = $3",
            3, argtypes, values, nullptr, true, 1) > 0)
        return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (recovering || XactReadOnly) {
        // Cannot mint here; the first writable call will. Derived, so every
        // read-only call under this identity agrees until then.
        ExecCachedPlan_Unsafe(
            "SELECT md5('shopsync restore epoch/' || $1 || '/' || $2 || '/' || $3)::uuid::text", 3, argtypes,
            values, nullptr, true, 1);
        return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    }
    // Concurrent first calls agree: the loser of the insert race gets the
    // winner's epoch (DO UPDATE sees the committed row).
    ExecCachedPlan_Unsafe(
        "INSERT INTO shopsync.restore_epochs AS e (system_identifier, timeline_id, database_oid, reason)"
        " SELECT $1::numeric, $2, $3, CASE"
        "  WHEN NOT EXISTS (SELECT 1 FROM shopsync.restore_epochs)"
        "   THEN 'first call since CREATE EXTENSION or a logical restore'"
        "  WHEN EXISTS (SELECT 1 FROM shopsync.restore_epochs"
        "               WHERE system_identifier = $1::numeric AND database_oid = $3)"
        "   THEN 'new timeline: point-in-time recovery or promotion'"
        "  ELSE 'new cluster or database: restored, copied or upgraded' END"
        " ON CONFLICT (system_identifier, timeline_id, database_oid) DO UPDATE SET reason = e.reason"
        " RETURNING epoch::text",
        3, argtypes, values, nullptr, false, 0);
    return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

} // namespace shopsync

using namespace shopsync;

// shopsync.restore_epoch() returns uuid
SHOPSYNC_FUNCTION(restore_epoch) {
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    char *text = RestoreEpoch_Unsafe();
    Datum result = DirectFunctionCall1(uuid_in, CStringGetDatum(text));
    result = PointerGetDatum(SPI_datumTransfer(result, false, UUID_LEN));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
