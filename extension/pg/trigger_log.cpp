// extension/pg/trigger_log.cpp — the triggers that feed change_log.
//
//   shopsync.log_row(entity)  AFTER INSERT OR UPDATE FOR EACH ROW: buffers the
//                             row's post-image with its op (create / update /
//                             delete when deleted_at was just set);
//   shopsync.flush_log()      AFTER INSERT OR UPDATE OR DELETE FOR EACH
//                             STATEMENT: writes the buffer (change_buffer.cpp).
// Every committed write of a synced table thus lands in change_log in the
// same transaction, with a per-shop gapless seq in commit order.
#include "call_state.hpp"
#include "change_buffer.hpp"
#include "guard.hpp"
#include "shopsync.hpp"
#include "sync_columns.hpp"

using namespace shopsync;

static const char *ChangeOp(Relation rel, TriggerData *td, const SyncColumns &cols) {
    if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
        return "create";
    TupleDesc desc = RelationGetDescr(rel);
    bool was_deleted = !heap_attisnull(td->tg_trigtuple, cols.deleted_at, desc);
    bool is_deleted = !heap_attisnull(td->tg_newtuple, cols.deleted_at, desc);
    return (!was_deleted && is_deleted) ? "delete" : "update";
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
    if (CurrentCall().kind == CallKind::DeleteShop) // a whole shop goes: nothing of it is logged
        return PointerGetDatum(nullptr);
    Relation rel = td->tg_relation;
    SyncColumns cols = LookupSyncColumns_Unsafe(rel);
    HeapTuple row = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_trigtuple : td->tg_newtuple;
    AppendChange_Unsafe(rel, row, cols.shop_id, td->tg_trigger->tgargs[0], ChangeOp(rel, td, cols));
    return PointerGetDatum(nullptr);
}

// shopsync.flush_log() — AFTER INSERT OR UPDATE OR DELETE FOR EACH STATEMENT.
SHOPSYNC_FUNCTION(flush_log) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("shopsync.flush_log() must be called as a trigger")));
    if (CurrentCall().defer_change_flush)
        return PointerGetDatum(nullptr);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    FlushChanges_Unsafe();
    SPI_finish();
    return PointerGetDatum(nullptr);
}
