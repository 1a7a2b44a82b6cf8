// extension/pg/snapshot.cpp — api.sync_snapshot(entity, after, lim): one page
// of an entity's rows (tombstones included) in id order, for a device that
// starts empty or whose cursor expired. The cursor it returns is read in the
// rows' snapshot, so pulling from the first page's cursor afterwards misses nothing.
#include "api_common.hpp"
#include "entity_registry.hpp"
#include "guard.hpp"
#include "json_util.hpp"
#include "plan_cache.hpp"
#include "restore_epoch.hpp"
#include "shopsync.hpp"

using namespace shopsync;

// api.sync_snapshot(entity text, after uuid default null, lim int default 500) returns json
SHOPSYNC_FUNCTION(sync_snapshot) {
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("entity is required")));
    char *entity_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
    int32 lim = PG_ARGISNULL(2) ? 500 : PG_GETARG_INT32(2);
    if (lim < 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("lim must be at least 1")));
    lim = Min(lim, guc_max_pull * 5);

    pg_uuid_t shop, user;
    ShopRole role;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    RequireMember_Unsafe(&shop, &user, &role);
    EntityCache cache = {nullptr};
    EntityInfo *entity = LookupEntity_Unsafe(&cache, entity_name);
    if (entity == nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("no synced entity is called \"%s\"", ClipText(entity_name, -1, 64)),
                        errhint("api.sync_health() lists the entities.")));
    // The cursor in the same snapshot as the rows (read-only SPI keeps the
    // statement's snapshot): a fresh one could count a change that committed
    // after the rows were fixed, and the pull from it would never bring that row.
    int64 cursor = ShopLastSeq_Unsafe(shop, true);

    // One index range scan from `after` brings the page's rows in id order (and
    // one more, to tell whether there is more); only the rows served are turned
    // into JSON. json_agg sorts by id itself: a CTE's order is no promise, and
    // its rows arrive sorted, so that sort is cheap. Finding the ids first and
    // fetching each row again by id cost 30-40% more per page (issue 17's
    // initial sync). Two texts, so that
    // each plan, generic or not, can use the id range. The page is json, not
    // jsonb: it is only ever sent on, and text JSON costs half as much to build.
    bool first_page = PG_ARGISNULL(1);
    char *sql =
        psprintf("WITH page AS (SELECT t.* FROM %s t WHERE t.shop_id = $1 AND %s ORDER BY t.id LIMIT $3 + 1),"
                 " served AS (SELECT * FROM page ORDER BY id LIMIT $3)"
                 " SELECT json_build_object('entity', $4::text,"
                 "  'rows', coalesce((SELECT json_agg(s ORDER BY s.id) FROM served s), '[]'::json),"
                 "  'has_more', (SELECT count(*) FROM page) > $3,"
                 "  'next_after', CASE WHEN (SELECT count(*) FROM page) > $3"
                 "                     THEN (SELECT id FROM served ORDER BY id DESC LIMIT 1) END,"
                 "  'cursor', $5::bigint,"
                 "  'restore_epoch', $6::text)",
                 entity->qualified, first_page ? "$2::uuid IS NULL" : "t.id > $2");
    // Minting the epoch (a write, once per restore) runs in a snapshot of its
    // own; the read-only queries of the rows and the cursor keep the statement's.
    char *epoch = RestoreEpoch_Unsafe();
    Oid argtypes[6] = {UUIDOID, UUIDOID, INT4OID, TEXTOID, INT8OID, TEXTOID};
    Datum values[6] = {UuidGetDatumCopy(shop), PG_ARGISNULL(1) ? (Datum)0 : PG_GETARG_DATUM(1),
                       Int32GetDatum(lim),     CStringGetTextDatum(entity->name),
                       Int64GetDatum(cursor),  CStringGetTextDatum(epoch)};
    char nulls[7] = "      ";
    if (PG_ARGISNULL(1))
        nulls[1] = 'n';
    ExecCachedPlan_Unsafe(sql, 6, argtypes, values, nulls, true, 1);
    bool isnull;
    Datum result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
