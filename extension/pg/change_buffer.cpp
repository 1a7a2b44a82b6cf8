// extension/pg/change_buffer.cpp — buffered change_log writes (see the header).
//
// seq is drawn per shop by an upsert on shop_cursors that adds the run's
// length: the row lock it takes is held until commit, so transactions that
// write one shop draw seqs in commit order (DESIGN §3), and a waiting writer
// re-reads the latest last_seq (EvalPlanQual) instead of a stale one.
#include "change_buffer.hpp"

#include "call_state.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"

extern "C" {
#include "utils/array.h"
}

namespace shopsync {

struct BufferedChange {
    Oid rowtype;
    char *entity;
    pg_uuid_t shop_id;
    Datum row; // the post-image as a value of the table's row type
    const char *op;
    const char *device_id;
    SubTransactionId subid;
};

static BufferedChange *changes = nullptr; // TopTransactionContext
static int nchanges = 0;
static int capacity = 0;

static const char *const kNotifyChannel = "shopsync_changes";

void AppendChange_Unsafe(Relation rel, HeapTuple row, AttrNumber shop_attnum, const char *entity,
                         const char *op) {
    MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
    if (nchanges == capacity) {
        capacity = capacity ? capacity * 2 : 64;
        changes = changes ? (BufferedChange *)repalloc(changes, sizeof(BufferedChange) * capacity)
                          : (BufferedChange *)palloc(sizeof(BufferedChange) * capacity);
    }
    TupleDesc desc = RelationGetDescr(rel);
    BufferedChange *change = &changes[nchanges];
    change->rowtype = RelationGetForm(rel)->reltype;
    change->entity = pstrdup(entity);
    bool isnull;
    Datum shop = heap_getattr(row, shop_attnum, desc, &isnull);
    memcpy(&change->shop_id, DatumGetUUIDP(shop), sizeof(pg_uuid_t));
    change->row = heap_copy_tuple_as_datum(row, desc);
    change->op = op; // a string literal
    change->device_id = CurrentCall().device_id ? pstrdup(CurrentCall().device_id) : nullptr;
    change->subid = GetCurrentSubTransactionId();
    nchanges++;
    MemoryContextSwitchTo(old);
}

static bool SameRun(const BufferedChange &a, const BufferedChange &b) {
    bool same_device = (a.device_id == nullptr && b.device_id == nullptr) ||
                       (a.device_id && b.device_id && strcmp(a.device_id, b.device_id) == 0);
    return a.rowtype == b.rowtype && strcmp(a.entity, b.entity) == 0 && UuidEquals(a.shop_id, b.shop_id) &&
           same_device;
}

// Draws n seqs for the shop; returns the seq before the first.
static int64 DrawSeqs_Unsafe(const pg_uuid_t &shop, int n) {
    Oid argtypes[2] = {UUIDOID, INT8OID};
    Datum values[2] = {UuidGetDatumCopy(shop), Int64GetDatum(n)};
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.shop_cursors AS c (shop_id, last_seq) VALUES ($1, $2)"
                          " ON CONFLICT (shop_id) DO UPDATE SET last_seq = c.last_seq + excluded.last_seq"
                          " RETURNING c.last_seq",
                          2, argtypes, values, nullptr, false, 1);
    bool isnull;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) - n;
}

// Returns the last seq drawn.
static int64 WriteRun_Unsafe(const BufferedChange *run, int n) {
    int16 typlen;
    bool typbyval;
    char typalign;
    get_typlenbyvalalign(run[0].rowtype, &typlen, &typbyval, &typalign);
    Datum *rows = (Datum *)palloc(sizeof(Datum) * n);
    Datum *ops = (Datum *)palloc(sizeof(Datum) * n); // 'c' / 'u' / 'd': fixed width, O(1) to index
    for (int i = 0; i < n; i++) {
        rows[i] = run[i].row;
        ops[i] = CharGetDatum(run[i].op[0]);
    }
    Oid array_type = get_array_type(run[0].rowtype);
    if (!OidIsValid(array_type))
        elog(ERROR, "row type %u has no array type", run[0].rowtype);

    int64 base = DrawSeqs_Unsafe(run[0].shop_id, n);
    // The rows stay whole (unnest in the select list, with the ops in step):
    // to_jsonb of the row as it is, no row built again from its columns and
    // no key to take out of the jsonb after.
    char *sql = psprintf("INSERT INTO shopsync.change_log"
                         " (shop_id, seq, entity, entity_id, op, version, changed_at, payload, device_id)"
                         " SELECT $1, $2 + row_number() OVER (), $3, (s.r).id,"
                         "        CASE s.o WHEN 'c' THEN 'create' WHEN 'u' THEN 'update' ELSE 'delete' END,"
                         "        (s.r).version, (s.r).updated_at, to_jsonb(s.r), $6"
                         " FROM (SELECT unnest($4::%s) AS r, unnest($5) AS o) s",
                         format_type_be_qualified(array_type));
    Oid argtypes[6] = {UUIDOID, INT8OID, TEXTOID, array_type, CHARARRAYOID, TEXTOID};
    Datum values[6] = {UuidGetDatumCopy(run[0].shop_id),
                       Int64GetDatum(base),
                       CStringGetTextDatum(run[0].entity),
                       PointerGetDatum(construct_array(rows, n, run[0].rowtype, typlen, typbyval, typalign)),
                       PointerGetDatum(construct_array(ops, n, CHAROID, 1, true, TYPALIGN_CHAR)),
                       run[0].device_id ? CStringGetTextDatum(run[0].device_id) : (Datum)0};
    char nulls[7] = "      ";
    if (run[0].device_id == nullptr)
        nulls[5] = 'n';
    ExecCachedPlan_Unsafe(sql, 6, argtypes, values, nulls, false, 0);
    // Duplicate notifications within a transaction are folded by PostgreSQL.
    Async_Notify(kNotifyChannel, UuidToCString(run[0].shop_id));
    return base + n;
}

static int64 Flush_Unsafe(const pg_uuid_t *shop) {
    // Take the buffer first: writing the log must not see its own entries.
    BufferedChange *pending = changes;
    int npending = nchanges;
    changes = nullptr;
    nchanges = capacity = 0;
    int64 last = -1;
    for (int start = 0; start < npending;) {
        int end = start + 1;
        while (end < npending && SameRun(pending[start], pending[end]))
            end++;
        int64 drawn = WriteRun_Unsafe(&pending[start], end - start);
        if (shop != nullptr && UuidEquals(pending[start].shop_id, *shop))
            last = drawn;
        start = end;
    }
    return last;
}

void FlushChanges_Unsafe() {
    Flush_Unsafe(nullptr);
}

int64 FlushShopChanges_Unsafe(const pg_uuid_t &shop) {
    return Flush_Unsafe(&shop);
}

static void ForgetAll() {
    changes = nullptr; // its memory goes with TopTransactionContext
    nchanges = capacity = 0;
}

static void OnXactEvent(XactEvent event, void *) {
    switch (event) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PARALLEL_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE:
        if (nchanges > 0)
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg("%d changes of synced tables were not written to change_log", nchanges),
                            errhint("Is the zz_shopsync_flush trigger disabled on a synced table?")));
        break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:
        ForgetAll();
        break;
    }
}

// Changes appended since the aborted subtransaction began form a suffix of
// the buffer (subtransaction ids grow), so dropping them is a truncation.
static void OnSubXactEvent(SubXactEvent event, SubTransactionId my_subid, SubTransactionId, void *) {
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
    while (nchanges > 0 && changes[nchanges - 1].subid >= my_subid)
        nchanges--;
}

void RegisterChangeBufferCallbacks() {
    RegisterXactCallback(OnXactEvent, nullptr);
    RegisterSubXactCallback(OnSubXactEvent, nullptr);
}

} // namespace shopsync
