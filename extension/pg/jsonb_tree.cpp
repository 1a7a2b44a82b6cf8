// extension/pg/jsonb_tree.cpp — see the header. The layout follows
// PostgreSQL's convertJsonb* (jsonb_util.c): a container is a header word,
// one JEntry per child (objects: all keys, then all values; every
// JB_OFFSET_STRIDE'th entry holds an end offset instead of a length) and the
// children's data; numerics and containers start at a 4-byte boundary.
#include "jsonb_tree.hpp"

namespace shopsync {

static int PadToInt(StringInfo buf) {
    int padlen = INTALIGN(buf->len) - buf->len;
    if (padlen > 0) {
        enlargeStringInfo(buf, padlen);
        memset(buf->data + buf->len, 0, padlen);
        buf->len += padlen;
    }
    return padlen;
}

static int Reserve(StringInfo buf, int len) {
    enlargeStringInfo(buf, len);
    int offset = buf->len;
    buf->len += len;
    return offset;
}

static void CheckLength(int totallen) {
    if (totallen > (int)JENTRY_OFFLENMASK)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("total size of jsonb object elements exceeds the maximum of %u bytes",
                               JENTRY_OFFLENMASK)));
}

static void ConvertValue(StringInfo buf, JEntry *header, JsonbValue *v);

static void ConvertScalar(StringInfo buf, JEntry *header, const JsonbValue *v) {
    switch (v->type) {
    case jbvNull:
        *header = JENTRY_ISNULL;
        break;
    case jbvString:
        CheckLength(v->val.string.len);
        appendBinaryStringInfo(buf, v->val.string.val, v->val.string.len);
        *header = v->val.string.len;
        break;
    case jbvNumeric: {
        int numlen = VARSIZE_ANY(v->val.numeric);
        int padlen = PadToInt(buf);
        appendBinaryStringInfo(buf, (const char *)v->val.numeric, numlen);
        *header = JENTRY_ISNUMERIC | (padlen + numlen);
        break;
    }
    case jbvBool:
        *header = v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
        break;
    default:
        elog(ERROR, "jsonb tree: unsupported scalar type %d", (int)v->type);
    }
}

// Writes one child's JEntry: a length, or every stride-th time an end offset.
static void PutEntry(StringInfo buf, int *entry_offset, JEntry meta, int index, int *totallen) {
    *totallen += JBE_OFFLENFLD(meta);
    CheckLength(*totallen);
    if (index % JB_OFFSET_STRIDE == 0)
        meta = (meta & JENTRY_TYPEMASK) | *totallen | JENTRY_HAS_OFF;
    memcpy(buf->data + *entry_offset, &meta, sizeof(JEntry));
    *entry_offset += sizeof(JEntry);
}

static void ConvertArray(StringInfo buf, JEntry *pheader, JsonbValue *v) {
    int base = buf->len;
    PadToInt(buf);
    int n = v->val.array.nElems;
    uint32 header = (uint32)n | JB_FARRAY;
    appendBinaryStringInfo(buf, (const char *)&header, sizeof(uint32));
    int entry_offset = Reserve(buf, sizeof(JEntry) * n);
    int totallen = 0;
    for (int i = 0; i < n; i++) {
        JEntry meta;
        ConvertValue(buf, &meta, &v->val.array.elems[i]);
        PutEntry(buf, &entry_offset, meta, i, &totallen);
    }
    totallen = buf->len - base;
    CheckLength(totallen);
    *pheader = JENTRY_ISCONTAINER | totallen;
}

// jsonb's key order: shorter keys first, then bytewise.
static int CompareKeys(const void *a, const void *b) {
    const JsonbValue &ka = ((const JsonbPair *)a)->key;
    const JsonbValue &kb = ((const JsonbPair *)b)->key;
    if (ka.val.string.len != kb.val.string.len)
        return ka.val.string.len > kb.val.string.len ? 1 : -1;
    return memcmp(ka.val.string.val, kb.val.string.val, ka.val.string.len);
}

static void ConvertObject(StringInfo buf, JEntry *pheader, JsonbValue *v) {
    int n = v->val.object.nPairs;
    JsonbPair *pairs = v->val.object.pairs;
    if (n > 1)
        qsort(pairs, n, sizeof(JsonbPair), CompareKeys);
    int base = buf->len;
    PadToInt(buf);
    uint32 header = (uint32)n | JB_FOBJECT;
    appendBinaryStringInfo(buf, (const char *)&header, sizeof(uint32));
    int entry_offset = Reserve(buf, sizeof(JEntry) * n * 2);
    int totallen = 0;
    for (int i = 0; i < n; i++) {
        if (pairs[i].key.type != jbvString || (i > 0 && CompareKeys(&pairs[i - 1], &pairs[i]) == 0))
            elog(ERROR, "jsonb tree: object keys must be distinct strings");
        JEntry meta;
        ConvertScalar(buf, &meta, &pairs[i].key);
        PutEntry(buf, &entry_offset, meta, i, &totallen);
    }
    for (int i = 0; i < n; i++) {
        JEntry meta;
        ConvertValue(buf, &meta, &pairs[i].value);
        PutEntry(buf, &entry_offset, meta, i + n, &totallen);
    }
    totallen = buf->len - base;
    CheckLength(totallen);
    *pheader = JENTRY_ISCONTAINER | totallen;
}

// A stored container, copied as it is: its inner padding was laid out from a
// 4-byte boundary, and it lands on one here too.
static void CopyContainer(StringInfo buf, JEntry *pheader, const JsonbValue *v) {
    if (JsonContainerIsScalar(v->val.binary.data))
        elog(ERROR, "jsonb tree: a raw scalar cannot be embedded");
    int base = buf->len;
    PadToInt(buf);
    appendBinaryStringInfo(buf, (const char *)v->val.binary.data, v->val.binary.len);
    int totallen = buf->len - base;
    CheckLength(totallen);
    *pheader = JENTRY_ISCONTAINER | totallen;
}

static void ConvertValue(StringInfo buf, JEntry *header, JsonbValue *v) {
    check_stack_depth();
    switch (v->type) {
    case jbvArray:
        ConvertArray(buf, header, v);
        break;
    case jbvObject:
        ConvertObject(buf, header, v);
        break;
    case jbvBinary:
        CopyContainer(buf, header, v);
        break;
    default:
        ConvertScalar(buf, header, v);
    }
}

Jsonb *JsonbFromTree_Unsafe(JsonbValue *root, int size_hint) {
    if (root->type != jbvObject && root->type != jbvArray)
        elog(ERROR, "jsonb tree: the root must be an object or an array");
    StringInfoData buf;
    initStringInfo(&buf);
    if (size_hint > buf.maxlen)
        enlargeStringInfo(&buf, Min(size_hint, (int)(MaxAllocSize / 2)));
    Reserve(&buf, VARHDRSZ);
    JEntry root_entry;
    ConvertValue(&buf, &root_entry, root);
    Jsonb *result = (Jsonb *)buf.data;
    SET_VARSIZE(result, buf.len);
    return result;
}

void JsonbObjectNode_Unsafe(Jsonb *stored, JsonbValue *out) {
    if (!JB_ROOT_IS_OBJECT(stored))
        elog(ERROR, "jsonb tree: a stored payload is not an object");
    out->type = jbvBinary;
    out->val.binary.data = &stored->root;
    out->val.binary.len = VARSIZE(stored) - VARHDRSZ;
}

} // namespace shopsync
