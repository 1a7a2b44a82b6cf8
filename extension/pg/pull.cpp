// extension/pg/pull.cpp — api.sync_pull(cursor, lim): the caller's shop's
// changes after cursor, in seq order (DESIGN §5). A cursor the log cannot
// serve — ahead of it, or behind the retention horizon — raises PT410
// cursor_expired, and the client rebuilds from api.sync_snapshot.
#include "api_common.hpp"
#include "guard.hpp"
#include "jsonb_tree.hpp"
#include "plan_cache.hpp"
#include "restore_epoch.hpp"
#include "shopsync.hpp"

extern "C" {
#include "utils/datetime.h"
#include "utils/numeric.h"
}

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

static void StringNode(JsonbValue *node, char *text, int len) {
    node->type = jbvString;
    node->val.string.val = text;
    node->val.string.len = len;
}

static void TextNode(JsonbValue *node, Datum text) {
    struct varlena *value = PG_DETOAST_DATUM_PACKED(text);
    StringNode(node, VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

static void Int64Node(JsonbValue *node, int64 value) {
    node->type = jbvNumeric;
    node->val.numeric = int64_to_numeric(value);
}

static void Key(JsonbPair *pair, const char *key) {
    StringNode(&pair->key, const_cast<char *>(key), (int)strlen(key));
}

// The page {changes: [{seq, entity, entity_id, op, version, changed_at,
// payload} …], cursor, has_more, restore_epoch} from the first n rows of tuples (seq order).
// Each stored payload is embedded as it is (jsonb_tree.hpp): building the page
// costs no parse and no re-serialisation of the payloads.
static Jsonb *BuildPage_Unsafe(SPITupleTable *tuples, uint64 n, bool has_more, int64 cursor,
                               char *restore_epoch) {
    static const char kHex[] = "0123456789abcdef";
    JsonbValue *changes = (JsonbValue *)palloc(sizeof(JsonbValue) * Max(n, (uint64)1));
    JsonbPair *pairs = (JsonbPair *)palloc(sizeof(JsonbPair) * 7 * Max(n, (uint64)1));
    char *uuid_texts = (char *)palloc(37 * Max(n, (uint64)1));
    char *time_texts = (char *)palloc((MAXDATELEN + 1) * Max(n, (uint64)1));
    int64 size_hint = 64;
    for (uint64 r = 0; r < n; r++) {
        HeapTuple tuple = tuples->vals[r];
        TupleDesc desc = tuples->tupdesc;
        bool isnull;
        JsonbPair *p = &pairs[7 * r];
        int64 seq = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
        Key(&p[0], "seq");
        Int64Node(&p[0].value, seq);
        Key(&p[1], "entity");
        TextNode(&p[1].value, SPI_getbinval(tuple, desc, 2, &isnull));
        const pg_uuid_t *id = DatumGetUUIDP(SPI_getbinval(tuple, desc, 3, &isnull));
        char *id_text = uuid_texts + 37 * r;
        for (int i = 0, o = 0; i < UUID_LEN; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                id_text[o++] = '-';
            id_text[o++] = kHex[id->data[i] >> 4];
            id_text[o++] = kHex[id->data[i] & 15];
        }
        Key(&p[2], "entity_id");
        StringNode(&p[2].value, id_text, 36);
        Key(&p[3], "op");
        TextNode(&p[3].value, SPI_getbinval(tuple, desc, 4, &isnull));
        Key(&p[4], "version");
        Int64Node(&p[4].value, DatumGetInt64(SPI_getbinval(tuple, desc, 5, &isnull)));
        char *time_text = time_texts + (MAXDATELEN + 1) * r;
        JsonEncodeDateTime(time_text, SPI_getbinval(tuple, desc, 6, &isnull), TIMESTAMPTZOID, nullptr);
        Key(&p[5], "changed_at");
        StringNode(&p[5].value, time_text, (int)strlen(time_text));
        Jsonb *payload = DatumGetJsonbP(SPI_getbinval(tuple, desc, 7, &isnull));
        Key(&p[6], "payload");
        JsonbObjectNode_Unsafe(payload, &p[6].value);
        size_hint += VARSIZE(payload) + 200;
        changes[r].type = jbvObject;
        changes[r].val.object.nPairs = 7;
        changes[r].val.object.pairs = p;
        cursor = seq;
    }
    JsonbPair top[4];
    Key(&top[0], "changes");
    top[0].value.type = jbvArray;
    top[0].value.val.array.nElems = (int)n;
    top[0].value.val.array.elems = changes;
    top[0].value.val.array.rawScalar = false;
    Key(&top[1], "cursor");
    Int64Node(&top[1].value, cursor);
    Key(&top[2], "has_more");
    top[2].value.type = jbvBool;
    top[2].value.val.boolean = has_more;
    Key(&top[3], "restore_epoch");
    StringNode(&top[3].value, restore_epoch, (int)strlen(restore_epoch));
    JsonbValue root;
    root.type = jbvObject;
    root.val.object.nPairs = 4;
    root.val.object.pairs = top;
    return JsonbFromTree_Unsafe(&root, (int)Min(size_hint, (int64)(MaxAllocSize / 2)));
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
    MemoryContext caller_context = CurrentMemoryContext;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    RequireMember_Unsafe(&shop, &user, &role);
    CheckClientProtocol_Unsafe(protocol);
    CheckCursor_Unsafe(shop, cursor);

    char *epoch = RestoreEpoch_Unsafe(); // before the page's query: SPI_tuptable is the page's afterwards
    Oid argtypes[3] = {UUIDOID, INT8OID, INT4OID};
    Datum values[3] = {UuidGetDatumCopy(shop), Int64GetDatum(cursor), Int32GetDatum(lim + 1)};
    uint64 found = ExecCachedPlan_Unsafe("SELECT seq, entity, entity_id, op, version, changed_at, payload"
                                         " FROM shopsync.change_log WHERE shop_id = $1 AND seq > $2"
                                         " ORDER BY seq LIMIT $3",
                                         3, argtypes, values, nullptr, true, 0);
    // The page is built in the caller's context, so it outlives SPI_finish uncopied.
    MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
    Jsonb *page = BuildPage_Unsafe(SPI_tuptable, Min(found, (uint64)lim), found > (uint64)lim, cursor, epoch);
    MemoryContextSwitchTo(spi_context);
    SPI_finish();
    PG_RETURN_JSONB_P(page);
}
