// extension/pg/retention.cpp — shopsync.purge(): the retention job.
//
// Removes tombstones, change_log entries and idempotency keys older than
// their windows (GUCs shopsync.*_retention_days, or the arguments), and
// moves each shop's purged_seq horizon so pulls from before it get
// cursor_expired. The log is cut as a prefix per shop (everything up to the
// newest entry older than the window), never with holes. Safe to run
// concurrently with traffic and to schedule with pg_cron.
#include "guard.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"

using namespace shopsync;

static Datum IntervalDays_Unsafe(int days) {
    return DirectFunctionCall3(interval_in, CStringGetDatum(psprintf("%d days", days)),
                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

static int64 ExecCount_Unsafe(const char *sql, Datum age) {
    Oid argtypes[1] = {INTERVALOID};
    Datum values[1] = {age};
    return (int64)ExecCachedPlan_Unsafe(sql, 1, argtypes, values, nullptr, false, 0);
}

static Datum Purge_Unsafe(Datum tombstone_age, Datum log_age, Datum key_age) {
    StringInfoData out;
    initStringInfo(&out);
    appendStringInfoString(&out, "{\"tombstones\":{");

    ExecCachedPlan_Unsafe("SELECT entity, relid::regclass::text FROM shopsync.synced_tables ORDER BY entity",
                          0, nullptr, nullptr, nullptr, true, 0);
    uint64 ntables = SPI_processed;
    char **entities = (char **)palloc(sizeof(char *) * Max(ntables, 1));
    char **tables = (char **)palloc(sizeof(char *) * Max(ntables, 1));
    for (uint64 i = 0; i < ntables; i++) {
        entities[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
        tables[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
    }
    int64 total = 0;
    for (uint64 i = 0; i < ntables; i++) {
        int64 removed = ExecCount_Unsafe(
            psprintf("DELETE FROM %s WHERE deleted_at IS NOT NULL AND deleted_at <= now() - $1", tables[i]),
            tombstone_age);
        total += removed;
        appendStringInfo(&out, "%s\"%s\":" INT64_FORMAT, i ? "," : "", entities[i], removed);
    }

    int64 log_removed =
        ExecCount_Unsafe("WITH horizon AS ("
                         "  SELECT shop_id, max(seq) AS seq FROM shopsync.change_log"
                         "  WHERE changed_at <= now() - $1 GROUP BY shop_id),"
                         " moved AS ("
                         "  UPDATE shopsync.shop_cursors c SET purged_seq = greatest(c.purged_seq, h.seq)"
                         "  FROM horizon h WHERE c.shop_id = h.shop_id)"
                         " DELETE FROM shopsync.change_log l USING horizon h"
                         " WHERE l.shop_id = h.shop_id AND l.seq <= h.seq",
                         log_age);
    int64 keys_removed =
        ExecCount_Unsafe("DELETE FROM shopsync.idempotency_keys WHERE created_at <= now() - $1", key_age);

    appendStringInfo(&out,
                     "},\"tombstones_total\":" INT64_FORMAT ",\"change_log\":" INT64_FORMAT
                     ",\"idempotency_keys\":" INT64_FORMAT "}",
                     total, log_removed, keys_removed);
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data));
}

// shopsync.purge(tombstone_age interval, log_age interval, key_age interval) returns jsonb
// NULL arguments take the GUC windows.
SHOPSYNC_FUNCTION(purge) {
    Datum tombstone_age =
        PG_ARGISNULL(0) ? IntervalDays_Unsafe(guc_tombstone_retention_days) : PG_GETARG_DATUM(0);
    Datum log_age = PG_ARGISNULL(1) ? IntervalDays_Unsafe(guc_log_retention_days) : PG_GETARG_DATUM(1);
    Datum key_age =
        PG_ARGISNULL(2) ? IntervalDays_Unsafe(guc_idempotency_retention_days) : PG_GETARG_DATUM(2);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    Datum result;
    purge_running = true; // lets the stamp trigger really delete; see trigger_stamp.cpp
    PG_TRY();
    { result = Purge_Unsafe(tombstone_age, log_age, key_age); }
    PG_FINALLY();
    { purge_running = false; }
    PG_END_TRY();
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}

// shopsync.delete_shop(shop uuid) returns jsonb — removes a shop and all its
// data (rows, log, keys, devices, audit) for good, e.g. when a customer leaves.
// A plain DELETE FROM shops cannot do it: the synced tables would turn the
// cascaded deletes into tombstones.
SHOPSYNC_FUNCTION(delete_shop) {
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("shop is required")));
    Datum shop = PG_GETARG_DATUM(0);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    Oid argtypes[1] = {UUIDOID};
    Datum values[1] = {shop};
    int64 log_removed = 0, keys_removed = 0;
    purge_running = true;
    deleting_shop = true;
    PG_TRY();
    {
        if (ExecCachedPlan_Unsafe("DELETE FROM shopsync.shops WHERE id = $1", 1, argtypes, values, nullptr,
                                  false, 0) == 0)
            ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                            errmsg("no shop %s", UuidToCString(*DatumGetUUIDP(shop)))));
        log_removed = (int64)ExecCachedPlan_Unsafe("DELETE FROM shopsync.change_log WHERE shop_id = $1", 1,
                                                   argtypes, values, nullptr, false, 0);
        keys_removed =
            (int64)ExecCachedPlan_Unsafe("DELETE FROM shopsync.idempotency_keys WHERE shop_id = $1", 1,
                                         argtypes, values, nullptr, false, 0);
    }
    PG_FINALLY();
    {
        purge_running = false;
        deleting_shop = false;
    }
    PG_END_TRY();
    Datum result =
        DirectFunctionCall1(jsonb_in, CStringGetDatum(psprintf("{\"change_log\": " INT64_FORMAT
                                                               ", \"idempotency_keys\": " INT64_FORMAT "}",
                                                               log_removed, keys_removed)));
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
