// extension/pg/trigger_stamp.cpp — BEFORE ROW trigger of every synced table.
//
// Keeps the server-owned columns in the server's hands, for every writer
// (sync_push, PostgREST, an admin in psql):
//   INSERT  version := 1, updated_at := now, deleted_at must be NULL, shop_id
//           defaults to / must equal the caller's shop claim;
//   UPDATE  id and shop_id may not change (SQLSTATE 428C9), version := old+1,
//           updated_at := now; setting deleted_at makes a tombstone stamped
//           with the server clock; clearing it restores the row;
//   DELETE  becomes a tombstone (UPDATE ... SET deleted_at) unless the
//           retention purge is running; deleting a tombstone does nothing.
// Version and updated_at are corrected silently (a client's value is never
// trusted, but an admin's UPDATE should just work); identity changes are
// refused, because silently keeping the old id would hide a bug.
#include "call_state.hpp"
#include "guard.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"
#include "sync_columns.hpp"

using namespace shopsync;

static bool ColumnIsNull(HeapTuple tuple, TupleDesc desc, AttrNumber attnum) {
    return heap_attisnull(tuple, attnum, desc);
}

static Datum ColumnValue_Unsafe(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, bool *isnull) {
    return heap_getattr(tuple, attnum, desc, isnull);
}

[[noreturn]] static void RefuseServerOwned_Unsafe(Relation rel, const char *column) {
    ereport(ERROR, (errcode(ERRCODE_GENERATED_ALWAYS),
                    errmsg("column \"%s\" of \"%s\" is owned by the server and cannot be changed", column,
                           RelationGetRelationName(rel)),
                    errdetail("ShopSync stamps id, shop_id, version, updated_at and deleted_at.")));
}

static void CheckShopClaim_Unsafe(Relation rel, HeapTuple tuple, TupleDesc desc, const SyncColumns &cols) {
    const Claims &claims = CurrentClaims_Unsafe();
    if (!claims.has_shop)
        return; // service role or admin: any shop, as RLS allows
    bool isnull;
    Datum shop = ColumnValue_Unsafe(tuple, desc, cols.shop_id, &isnull);
    if (!isnull && !UuidEquals(*DatumGetUUIDP(shop), claims.shop_id))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("cannot write a row of another shop to \"%s\"", RelationGetRelationName(rel))));
}

static HeapTuple StampInsert_Unsafe(Relation rel, HeapTuple tuple, const SyncColumns &cols) {
    TupleDesc desc = RelationGetDescr(rel);
    if (!ColumnIsNull(tuple, desc, cols.deleted_at))
        ereport(ERROR, (errcode(ERRCODE_GENERATED_ALWAYS),
                        errmsg("cannot insert a deleted row into \"%s\"", RelationGetRelationName(rel)),
                        errdetail("deleted_at is set by the server when a row is deleted.")));
    CheckShopClaim_Unsafe(rel, tuple, desc, cols);

    int repl_cols[3] = {cols.version, cols.updated_at, cols.shop_id};
    Datum repl_values[3] = {Int64GetDatum(1), TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), 0};
    bool repl_nulls[3] = {false, false, false};
    int nrepl = 2;
    if (ColumnIsNull(tuple, desc, cols.shop_id)) {
        const Claims &claims = CurrentClaims_Unsafe();
        if (!claims.has_shop)
            ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
                            errmsg("shop_id is required to insert into \"%s\"", RelationGetRelationName(rel)),
                            errhint("Give shop_id, or write with a JWT claim naming the shop.")));
        repl_values[2] = UuidGetDatumCopy(claims.shop_id);
        nrepl = 3;
    }
    return heap_modify_tuple_by_cols(tuple, desc, nrepl, repl_cols, repl_values, repl_nulls);
}

static HeapTuple StampUpdate_Unsafe(Relation rel, HeapTuple old_tuple, HeapTuple new_tuple,
                                    const SyncColumns &cols) {
    TupleDesc desc = RelationGetDescr(rel);
    bool old_null, new_null;
    Datum old_id = ColumnValue_Unsafe(old_tuple, desc, cols.id, &old_null);
    Datum new_id = ColumnValue_Unsafe(new_tuple, desc, cols.id, &new_null);
    if (new_null || !UuidEquals(*DatumGetUUIDP(old_id), *DatumGetUUIDP(new_id)))
        RefuseServerOwned_Unsafe(rel, "id");
    Datum old_shop = ColumnValue_Unsafe(old_tuple, desc, cols.shop_id, &old_null);
    Datum new_shop = ColumnValue_Unsafe(new_tuple, desc, cols.shop_id, &new_null);
    if (new_null || !UuidEquals(*DatumGetUUIDP(old_shop), *DatumGetUUIDP(new_shop)))
        RefuseServerOwned_Unsafe(rel, "shop_id");

    bool version_null;
    int64 old_version = DatumGetInt64(ColumnValue_Unsafe(old_tuple, desc, cols.version, &version_null));
    TimestampTz now = GetCurrentTransactionStartTimestamp();

    int repl_cols[3] = {cols.version, cols.updated_at, cols.deleted_at};
    Datum repl_values[3] = {Int64GetDatum(version_null ? 1 : old_version + 1), TimestampTzGetDatum(now), 0};
    bool repl_nulls[3] = {false, false, false};
    int nrepl = 2;

    bool was_deleted = !ColumnIsNull(old_tuple, desc, cols.deleted_at);
    bool is_deleted = !ColumnIsNull(new_tuple, desc, cols.deleted_at);
    if (!was_deleted && is_deleted) { // tombstone: the server's clock, not the writer's
        repl_values[2] = TimestampTzGetDatum(now);
        nrepl = 3;
    } else if (was_deleted && is_deleted) { // keep the original deletion time
        repl_values[2] = ColumnValue_Unsafe(old_tuple, desc, cols.deleted_at, &old_null);
        nrepl = 3;
    }
    return heap_modify_tuple_by_cols(new_tuple, desc, nrepl, repl_cols, repl_values, repl_nulls);
}

// Turns a DELETE into an UPDATE that sets deleted_at; that UPDATE passes
// through this trigger again and is logged as op 'delete'.
static void TombstoneInsteadOfDelete_Unsafe(Relation rel, HeapTuple tuple, const SyncColumns &cols) {
    TupleDesc desc = RelationGetDescr(rel);
    bool isnull;
    Datum id = ColumnValue_Unsafe(tuple, desc, cols.id, &isnull);
    Datum shop = ColumnValue_Unsafe(tuple, desc, cols.shop_id, &isnull);
    // ids live per shop: the tenant key is (shop_id, id)
    char *sql = psprintf("UPDATE ONLY %s SET deleted_at = now() WHERE shop_id = $2 AND id = $1",
                         quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                                    RelationGetRelationName(rel)));
    Oid argtypes[2] = {UUIDOID, UUIDOID};
    Datum values[2] = {id, shop};
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    ExecCachedPlan_Unsafe(sql, 2, argtypes, values, nullptr, false, 0);
    SPI_finish();
}

// shopsync.stamp_row() — BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW.
SHOPSYNC_FUNCTION(stamp_row) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.stamp_row() must be called as a trigger")));
    TriggerData *td = (TriggerData *)fcinfo->context;
    if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.stamp_row() must fire BEFORE ... FOR EACH ROW")));
    Relation rel = td->tg_relation;
    SyncColumns cols = LookupSyncColumns_Unsafe(rel);

    if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
        return PointerGetDatum(StampInsert_Unsafe(rel, td->tg_trigtuple, cols));
    if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
        return PointerGetDatum(StampUpdate_Unsafe(rel, td->tg_trigtuple, td->tg_newtuple, cols));

    // DELETE
    if (CallRemovesRows())
        return PointerGetDatum(td->tg_trigtuple);
    if (ColumnIsNull(td->tg_trigtuple, RelationGetDescr(rel), cols.deleted_at))
        TombstoneInsteadOfDelete_Unsafe(rel, td->tg_trigtuple, cols);
    return PointerGetDatum(nullptr); // the row stays, as a tombstone
}

// shopsync.refuse_truncate() — BEFORE TRUNCATE: a truncate would drop rows
// without tombstones or log entries, so devices would never learn of it.
SHOPSYNC_FUNCTION(refuse_truncate) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.refuse_truncate() must be called as a trigger")));
    TriggerData *td = (TriggerData *)fcinfo->context;
    if (!CallRemovesRows())
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("cannot truncate synced table \"%s\"", RelationGetRelationName(td->tg_relation)),
                 errhint("Delete rows instead; they become tombstones that reach every "
                         "device.")));
    PG_RETURN_NULL();
}

// shopsync.refuse_shop_delete() — BEFORE DELETE ON shopsync.shops FOR EACH ROW:
// a cascade from shops would turn the synced rows into tombstones (or be
// blocked by a user table's key); shopsync.delete_shop() removes them first.
SHOPSYNC_FUNCTION(refuse_shop_delete) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.refuse_shop_delete() must be called as a trigger")));
    TriggerData *td = (TriggerData *)fcinfo->context;
    // On Citus shops is a reference table: delete_shop() runs on the shop's
    // worker, and Citus' own connections apply its delete to the other nodes'
    // copies, where this backend's call is unknown. The node the statement
    // comes from holds a copy too and checks it there.
    if (application_name != nullptr && strncmp(application_name, "citus_internal", 14) == 0)
        return PointerGetDatum(td->tg_trigtuple);
    if (CurrentCall().kind != CallKind::DeleteShop)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("delete a shop with shopsync.delete_shop(), not with DELETE"),
                        errhint("shopsync.delete_shop(shop) removes the rows of every synced table, its log "
                                "and keys, then the shop.")));
    return PointerGetDatum(td->tg_trigtuple);
}
