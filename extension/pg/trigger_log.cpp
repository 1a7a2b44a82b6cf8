// extension/pg/trigger_log.cpp — AFTER ROW trigger that appends to change_log.
//
// Every committed write of a synced table lands in shopsync.change_log with
// the row's full post-image. seq is drawn per shop from shop_cursors with an
// upsert that row-locks the shop's cursor until commit, so transactions that
// write one shop draw seqs in commit order and a reader following seq never
// skips a change (DESIGN §3, invariant 5). A NOTIFY on channel
// shopsync_changes carries only the shop id, for the gateway's pokes.
#include "guard.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"
#include "sync_columns.hpp"

using namespace shopsync;

static const char *const kNotifyChannel = "shopsync_changes";

static const char *ChangeOp(Relation rel, TriggerData *td, const SyncColumns &cols) {
    if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
        return "create";
    TupleDesc desc = RelationGetDescr(rel);
    bool was_deleted = !heap_attisnull(td->tg_trigtuple, cols.deleted_at, desc);
    bool is_deleted = !heap_attisnull(td->tg_newtuple, cols.deleted_at, desc);
    return (!was_deleted && is_deleted) ? "delete" : "update";
}

static void AppendChange_Unsafe(Relation rel, HeapTuple row, const char *entity, const char *op,
                                const SyncColumns &cols) {
    TupleDesc desc = RelationGetDescr(rel);
    bool isnull;
    Datum shop_id = heap_getattr(row, cols.shop_id, desc, &isnull);
    Datum id = heap_getattr(row, cols.id, desc, &isnull);
    Datum version = heap_getattr(row, cols.version, desc, &isnull);
    Datum changed_at = heap_getattr(row, cols.updated_at, desc, &isnull);

    // The row goes in as a value of the table's own row type; to_jsonb turns
    // it into the post-image with every column, as PostgreSQL renders it.
    Oid rowtype = RelationGetForm(rel)->reltype;
    char *sql = psprintf(
        "WITH drawn AS ("
        "  INSERT INTO shopsync.shop_cursors AS c (shop_id, last_seq) VALUES ($1, 1)"
        "  ON CONFLICT (shop_id) DO UPDATE SET last_seq = c.last_seq + 1"
        "  RETURNING c.last_seq)"
        " INSERT INTO shopsync.change_log"
        "  (shop_id, seq, entity, entity_id, op, version, changed_at, payload, device_id)"
        " SELECT $1, drawn.last_seq, $2, $3, $4, $5, $6, to_jsonb($7::%s), $8 FROM drawn",
        format_type_be_qualified(rowtype));
    Oid argtypes[8] = {UUIDOID, TEXTOID, UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID, rowtype, TEXTOID};
    Datum values[8] = {shop_id,
                       CStringGetTextDatum(entity),
                       id,
                       CStringGetTextDatum(op),
                       version,
                       changed_at,
                       heap_copy_tuple_as_datum(row, desc),
                       current_device_id ? CStringGetTextDatum(current_device_id) : (Datum)0};
    char nulls[9] = "        ";
    if (current_device_id == nullptr)
        nulls[7] = 'n';

    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    ExecCachedPlan_Unsafe(sql, 8, argtypes, values, nulls, false, 0);
    SPI_finish();

    // Duplicate notifications within a transaction are folded by PostgreSQL.
    Async_Notify(kNotifyChannel, UuidToCString(*DatumGetUUIDP(shop_id)));
}

// shopsync.log_row(entity text) — AFTER INSERT OR UPDATE FOR EACH ROW.
SHOPSYNC_FUNCTION(log_row) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.log_row() must be called as a trigger")));
    TriggerData *td = (TriggerData *)fcinfo->context;
    if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
        TRIGGER_FIRED_BY_DELETE(td->tg_event) || td->tg_trigger->tgnargs != 1)
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.log_row(entity) must fire AFTER INSERT OR UPDATE ... FOR "
                               "EACH ROW")));
    Relation rel = td->tg_relation;
    SyncColumns cols = LookupSyncColumns_Unsafe(rel);
    HeapTuple row = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_trigtuple : td->tg_newtuple;
    AppendChange_Unsafe(rel, row, td->tg_trigger->tgargs[0], ChangeOp(rel, td, cols), cols);
    return PointerGetDatum(nullptr);
}
