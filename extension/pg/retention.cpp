// extension/pg/retention.cpp — shopsync.purge(): the retention job.
//
// Removes tombstones, change_log entries and idempotency keys older than
// their windows (GUCs shopsync.*_retention_days, or the arguments), and
// moves each shop's purged_seq horizon so pulls from before it get
// cursor_expired. The log is cut as a prefix per shop (everything up to the
// newest entry older than the window), never with holes. Safe to run
// concurrently with traffic and to schedule with pg_cron.
#include "call_state.hpp"
#include "guard.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"

using namespace shopsync;

static Datum IntervalDays_Unsafe(int days) {
    return DirectFunctionCall3(interval_in, CStringGetDatum(psprintf("%d days", days)),
                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

// $1 is the age; $2, when a shop is given, the shop (purge_shop).
static int64 ExecCount_Unsafe(const char *sql, Datum age, const Datum *shop) {
    Oid argtypes[2] = {INTERVALOID, UUIDOID};
    Datum values[2] = {age, shop ? *shop : (Datum)0};
    return (int64)ExecCachedPlan_Unsafe(sql, shop ? 2 : 1, argtypes, values, nullptr, false, 0);
}

// shop: NULL for every shop, else only that shop's rows (on Citus each shop's
// purge runs on its worker, where the stamp trigger sees this call).
static Datum Purge_Unsafe(Datum tombstone_age, Datum log_age, Datum key_age, const Datum *shop) {
    const char *only = shop ? " AND shop_id = $2" : "";
    const char *only_c = shop ? " AND c.shop_id = $2" : "";
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
    // A live child of a tombstone about to go (written past the push rules,
    // e.g. by an admin) would vanish with it by cascade and no device would
    // learn of it: it becomes a tombstone first, logged like any delete.
    ExecCachedPlan_Unsafe(
        "SELECT c.relid::regclass::text, quote_ident(p->>'column'), t.relid::regclass::text"
        " FROM shopsync.synced_tables c, jsonb_array_elements(c.parents) p, shopsync.synced_tables t"
        " WHERE t.entity = p->>'entity'",
        0, nullptr, nullptr, nullptr, true, 0);
    uint64 nlinks = SPI_processed;
    char **links = (char **)palloc(sizeof(char *) * Max(nlinks, 1));
    for (uint64 i = 0; i < nlinks; i++)
        links[i] = psprintf("UPDATE %s c SET deleted_at = now() FROM %s p WHERE c.deleted_at IS NULL"
                            " AND p.shop_id = c.shop_id AND p.id = c.%s"
                            " AND p.deleted_at IS NOT NULL AND p.deleted_at <= now() - $1%s",
                            SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
                            SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3),
                            SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2), only_c);
    for (uint64 i = 0; i < nlinks; i++)
        ExecCount_Unsafe(links[i], tombstone_age, shop);

    int64 total = 0;
    for (uint64 i = 0; i < ntables; i++) {
        int64 removed = ExecCount_Unsafe(
            psprintf("DELETE FROM %s WHERE deleted_at IS NOT NULL AND deleted_at <= now() - $1%s", tables[i],
                     only),
            tombstone_age, shop);
        total += removed;
        appendStringInfo(&out, "%s\"%s\":" INT64_FORMAT, i ? "," : "", entities[i], removed);
    }

    const char *only_l = shop ? " AND l.shop_id = $2" : "";
    const char *only_cursor = shop ? " AND c.shop_id = $2" : "";
    int64 log_removed = ExecCount_Unsafe(psprintf("WITH horizon AS ("
                                                  "  SELECT shop_id, max(seq) AS seq FROM shopsync.change_log"
                                                  "  WHERE changed_at <= now() - $1%s GROUP BY shop_id),"
                                                  " moved AS ("
                                                  "  UPDATE shopsync.shop_cursors c"
                                                  "  SET purged_seq = greatest(c.purged_seq, h.seq)"
                                                  "  FROM horizon h WHERE c.shop_id = h.shop_id%s)"
                                                  " DELETE FROM shopsync.change_log l USING horizon h"
                                                  " WHERE l.shop_id = h.shop_id AND l.seq <= h.seq%s",
                                                  only, only_cursor, only_l),
                                         log_age, shop);
    int64 keys_removed = ExecCount_Unsafe(
        psprintf("DELETE FROM shopsync.idempotency_keys WHERE created_at <= now() - $1%s", only), key_age,
        shop);

    appendStringInfo(&out,
                     "},\"tombstones_total\":" INT64_FORMAT ",\"change_log\":" INT64_FORMAT
                     ",\"idempotency_keys\":" INT64_FORMAT "}",
                     total, log_removed, keys_removed);
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data));
}

struct PurgeArgs {
    Datum tombstone_age, log_age, key_age;
    const Datum *shop;
};

static Datum PurgeCall_Unsafe(void *arg) {
    PurgeArgs *args = (PurgeArgs *)arg;
    return Purge_Unsafe(args->tombstone_age, args->log_age, args->key_age, args->shop);
}

// shopsync.purge(tombstone_age interval, log_age interval, key_age interval) returns jsonb
// NULL arguments take the GUC windows.
static Datum RunPurge_Unsafe(FunctionCallInfo fcinfo, int age_arg, const Datum *shop) {
    PurgeArgs args;
    args.tombstone_age =
        PG_ARGISNULL(age_arg) ? IntervalDays_Unsafe(guc_tombstone_retention_days) : PG_GETARG_DATUM(age_arg);
    args.log_age = PG_ARGISNULL(age_arg + 1) ? IntervalDays_Unsafe(guc_log_retention_days)
                                             : PG_GETARG_DATUM(age_arg + 1);
    args.key_age = PG_ARGISNULL(age_arg + 2) ? IntervalDays_Unsafe(guc_idempotency_retention_days)
                                             : PG_GETARG_DATUM(age_arg + 2);
    args.shop = shop;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    // A purge call lets the stamp trigger really delete (trigger_stamp.cpp).
    CallState call = {CallKind::Purge, nullptr, false};
    Datum result = RunAsCall_Unsafe(call, PurgeCall_Unsafe, &args);
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}

SHOPSYNC_FUNCTION(purge) {
    return RunPurge_Unsafe(fcinfo, 0, nullptr);
}

// shopsync.purge_shop(shop uuid, tombstone_age, log_age, key_age) returns jsonb:
// the same for one shop (on Citus, purge() runs it on each shop's worker).
SHOPSYNC_FUNCTION(purge_shop) {
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("shop is required")));
    Datum shop = PG_GETARG_DATUM(0);
    return RunPurge_Unsafe(fcinfo, 1, &shop);
}

// The synced tables, children before the tables they reference (foreign keys
// between synced tables), so deleting them in this order never trips a key.
static const char *const kTablesChildrenFirst =
    "WITH RECURSIVE edges AS ("
    "  SELECT DISTINCT c.conrelid AS child, c.confrelid AS parent FROM pg_catalog.pg_constraint c"
    "  WHERE c.contype = 'f' AND c.conrelid <> c.confrelid"
    "    AND c.conrelid IN (SELECT relid FROM shopsync.synced_tables)"
    "    AND c.confrelid IN (SELECT relid FROM shopsync.synced_tables)),"
    " up (relid, depth) AS ("
    "  SELECT relid::oid, 0 FROM shopsync.synced_tables"
    "  UNION ALL SELECT e.parent, u.depth + 1 FROM up u JOIN edges e ON e.child = u.relid WHERE u.depth < 32)"
    " SELECT relid::regclass::text FROM up GROUP BY relid ORDER BY max(depth), 1";

static Datum DeleteShopCall_Unsafe(void *arg) {
    Datum shop = *(Datum *)arg;
    Oid argtypes[1] = {UUIDOID};
    Datum values[1] = {shop};
    if (ExecCachedPlan_Unsafe("SELECT 1 FROM shopsync.shops WHERE id = $1 FOR UPDATE", 1, argtypes, values,
                              nullptr, false, 1) == 0)
        ereport(ERROR,
                (errcode(ERRCODE_NO_DATA_FOUND), errmsg("no shop %s", UuidToCString(*DatumGetUUIDP(shop)))));
    ExecCachedPlan_Unsafe(kTablesChildrenFirst, 0, nullptr, nullptr, nullptr, true, 0);
    uint64 ntables = SPI_processed;
    char **tables = (char **)palloc(sizeof(char *) * Max(ntables, 1));
    for (uint64 i = 0; i < ntables; i++)
        tables[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
    StringInfoData out;
    initStringInfo(&out);
    appendStringInfoString(&out, "{\"rows\":{");
    for (uint64 i = 0; i < ntables; i++) {
        uint64 removed = ExecReplannedPlan_Unsafe(psprintf("DELETE FROM %s WHERE shop_id = $1", tables[i]), 1,
                                                  argtypes, values, nullptr, false, 0);
        appendStringInfo(&out, "%s\"%s\":" UINT64_FORMAT, i ? "," : "", tables[i], removed);
    }
    uint64 log_removed = ExecCachedPlan_Unsafe("DELETE FROM shopsync.change_log WHERE shop_id = $1", 1,
                                               argtypes, values, nullptr, false, 0);
    uint64 keys_removed = ExecCachedPlan_Unsafe("DELETE FROM shopsync.idempotency_keys WHERE shop_id = $1", 1,
                                                argtypes, values, nullptr, false, 0);
    // members, cursor, devices, audit and refresh tokens go by cascade
    ExecCachedPlan_Unsafe("DELETE FROM shopsync.shops WHERE id = $1", 1, argtypes, values, nullptr, false, 0);
    appendStringInfo(&out, "},\"change_log\":" UINT64_FORMAT ",\"idempotency_keys\":" UINT64_FORMAT "}",
                     log_removed, keys_removed);
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data));
}

// shopsync.delete_shop(shop uuid) returns jsonb — removes a shop and all its
// data for good, e.g. when a customer leaves: the rows of every synced table
// (children first), its log and keys, then the shop with its members,
// cursor, devices and audit entries. Nothing of it is logged. A plain DELETE
// FROM shops is refused (shopsync.refuse_shop_delete).
SHOPSYNC_FUNCTION(delete_shop) {
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("shop is required")));
    Datum shop = PG_GETARG_DATUM(0);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    CallState call = {CallKind::DeleteShop, nullptr, false};
    Datum result = RunAsCall_Unsafe(call, DeleteShopCall_Unsafe, &shop);
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
