// extension/pg/retention.cpp — shopsync.purge(): the retention job.
//
// Removes tombstones, change_log entries and idempotency keys older than
// their windows (GUCs shopsync.*_retention_days, or the arguments), and
// moves each shop's purged_seq horizon so pulls from before it get
// cursor_expired. The log is cut as a prefix per shop (everything up to the
// newest entry older than the window), never with holes. Safe to run
// concurrently with traffic and to schedule with pg_cron. What each run
// removed is returned and kept per shop (shopsync.purge_runs / purge_removed).
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

// Runs a removal whose text has `removed` as a CTE of the removed rows'
// shop_id, records its per-shop counts under the run as `what`, and returns
// the total. $1 is the window, $2 the run, $3 what, $4 the shop when given.
static int64 ExecRemoval_Unsafe(const char *removal, Datum age, int64 run_id, const char *what,
                                const Datum *shop) {
    char *sql = psprintf("WITH %s,"
                         " per_shop AS (SELECT shop_id, count(*) AS n FROM removed GROUP BY shop_id),"
                         " recorded AS (INSERT INTO shopsync.purge_removed (run_id, shop_id, what, removed)"
                         "              SELECT $2, shop_id, $3, n FROM per_shop)"
                         " SELECT coalesce(sum(n), 0)::bigint FROM per_shop",
                         removal);
    Oid argtypes[4] = {INTERVALOID, INT8OID, TEXTOID, UUIDOID};
    Datum values[4] = {age, Int64GetDatum(run_id), CStringGetTextDatum(what), shop ? *shop : (Datum)0};
    ExecCachedPlan_Unsafe(sql, shop ? 4 : 3, argtypes, values, nullptr, false, 0);
    bool isnull;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

// shop: NULL for every shop, else only that shop's rows (on Citus each shop's
// purge runs on its worker, where the stamp trigger sees this call).
static Datum Purge_Unsafe(Datum tombstone_age, Datum log_age, Datum key_age, const Datum *shop) {
    const char *only_c = shop ? " AND c.shop_id = $2" : "";
    // In the removals below the shop is $4 ($2 is the run).
    const char *only4 = shop ? " AND shop_id = $4" : "";
    // The run's report is kept per shop in shopsync.purge_removed (a cron
    // job's caller sees only a status line).
    Oid run_types[3] = {INTERVALOID, INTERVALOID, INTERVALOID};
    Datum run_values[3] = {tombstone_age, log_age, key_age};
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.purge_runs (tombstone_age, log_age, key_age)"
                          " VALUES ($1, $2, $3) RETURNING id",
                          3, run_types, run_values, nullptr, false, 0);
    bool isnull;
    int64 run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

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
        int64 removed = ExecRemoval_Unsafe(
            psprintf("removed AS (DELETE FROM %s WHERE deleted_at IS NOT NULL AND deleted_at <= now() - $1%s"
                     " RETURNING shop_id)",
                     tables[i], only4),
            tombstone_age, run_id, entities[i], shop);
        total += removed;
        appendStringInfo(&out, "%s\"%s\":" INT64_FORMAT, i ? "," : "", entities[i], removed);
    }

    const char *only_l = shop ? " AND l.shop_id = $4" : "";
    const char *only_cursor = shop ? " AND c.shop_id = $4" : "";
    int64 log_removed = ExecRemoval_Unsafe(
        psprintf("horizon AS ("
                 "  SELECT shop_id, max(seq) AS seq FROM shopsync.change_log"
                 "  WHERE changed_at <= now() - $1%s GROUP BY shop_id),"
                 " moved AS ("
                 "  UPDATE shopsync.shop_cursors c SET purged_seq = greatest(c.purged_seq, h.seq)"
                 "  FROM horizon h WHERE c.shop_id = h.shop_id%s),"
                 " removed AS (DELETE FROM shopsync.change_log l USING horizon h"
                 "  WHERE l.shop_id = h.shop_id AND l.seq <= h.seq%s RETURNING l.shop_id)",
                 only4, only_cursor, only_l),
        log_age, run_id, "change_log", shop);
    // A key of a shop deleted meanwhile has no shop to report under.
    int64 keys_removed = ExecRemoval_Unsafe(
        psprintf("gone AS (DELETE FROM shopsync.idempotency_keys WHERE created_at <= now() - $1%s"
                 " RETURNING shop_id),"
                 " removed AS (SELECT g.shop_id FROM gone g JOIN shopsync.shops s ON s.id = g.shop_id)",
                 only4),
        key_age, run_id, "idempotency_keys", shop);

    // Runs are kept a while (a year at least), then go too.
    Oid finish_types[2] = {INT8OID, INTERVALOID};
    Datum finish_values[2] = {Int64GetDatum(run_id), log_age};
    ExecCachedPlan_Unsafe("UPDATE shopsync.purge_runs SET finished_at = clock_timestamp() WHERE id = $1", 1,
                          finish_types, finish_values, nullptr, false, 0);
    ExecCachedPlan_Unsafe("DELETE FROM shopsync.purge_runs"
                          " WHERE id <> $1 AND started_at < now() - greatest($2, interval '366 days')",
                          2, finish_types, finish_values, nullptr, false, 0);
    ExecCachedPlan_Unsafe("SELECT coalesce(jsonb_object_agg(shop_id, removed), '{}')::text FROM ("
                          " SELECT shop_id, jsonb_object_agg(what, removed) AS removed"
                          " FROM shopsync.purge_removed WHERE run_id = $1 GROUP BY shop_id) s",
                          1, finish_types, finish_values, nullptr, false, 1); // sees this run's rows
    char *per_shop = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

    appendStringInfo(&out,
                     "},\"tombstones_total\":" INT64_FORMAT ",\"change_log\":" INT64_FORMAT
                     ",\"idempotency_keys\":" INT64_FORMAT ",\"run_id\":" INT64_FORMAT ",\"shops\":%s}",
                     total, log_removed, keys_removed, run_id, per_shop);
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
    ExecCachedPlan_Unsafe("DELETE FROM shopsync.purge_removed WHERE shop_id = $1", 1, argtypes, values,
                          nullptr, false, 0);
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
