// extension/pg/claims.cpp — who is calling: the shop and user named by the JWT
// claims that PostgREST (or our gateway) puts in request.jwt.claims.
//
// Read the way Supabase's auth.jwt() reads it; shop_id may sit at the top
// level or in app_metadata (Supabase's custom access-token hook). RLS policies
// call current_shop_id() wrapped in a sub-select so it runs once per query;
// the parse is cached per distinct claims text all the same.
#include "shopsync.hpp"

#include "guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace shopsync {

static char *cached_claims_text = nullptr; // TopMemoryContext
static Claims cached_claims = {false, {{0}}, false, {{0}}};

static int hex_digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool ParseUuid(const char *text, pg_uuid_t *out) {
    // Accepts the canonical 8-4-4-4-12 hex form only; what clients send.
    static const int kDashAt[] = {8, 13, 18, 23};
    if (text == nullptr || strlen(text) != 36)
        return false;
    int byte = 0;
    for (int i = 0; i < 36;) {
        if (i == kDashAt[0] || i == kDashAt[1] || i == kDashAt[2] || i == kDashAt[3]) {
            if (text[i] != '-')
                return false;
            i++;
            continue;
        }
        int hi = hex_digit_value(text[i]);
        int lo = hex_digit_value(text[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out->data[byte++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return byte == UUID_LEN;
}

Datum UuidGetDatumCopy(const pg_uuid_t &id) {
    pg_uuid_t *copy = (pg_uuid_t *)palloc(sizeof(pg_uuid_t));
    memcpy(copy, &id, sizeof(pg_uuid_t));
    return UUIDPGetDatum(copy);
}

char *UuidToCString(const pg_uuid_t &id) {
    return DatumGetCString(DirectFunctionCall1(uuid_out, UuidGetDatumCopy(id)));
}

bool UuidEquals(const pg_uuid_t &a, const pg_uuid_t &b) {
    return memcmp(a.data, b.data, UUID_LEN) == 0;
}

// Reads a string-valued key of a jsonb object into a palloc'd C string.
static char *JsonbStringKey_Unsafe(JsonbContainer *container, const char *key) {
    JsonbValue value;
    if (!getKeyJsonValueFromContainer(container, key, strlen(key), &value))
        return nullptr;
    if (value.type != jbvString)
        return nullptr;
    return pnstrdup(value.val.string.val, value.val.string.len);
}

static void ParseClaims_Unsafe(const char *text, Claims *out) {
    memset(out, 0, sizeof(Claims));
    Jsonb *claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
    if (!JB_ROOT_IS_OBJECT(claims))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("request.jwt.claims is not a JSON object")));

    char *shop = JsonbStringKey_Unsafe(&claims->root, "shop_id");
    if (shop == nullptr) {
        JsonbValue meta;
        if (getKeyJsonValueFromContainer(&claims->root, "app_metadata", 12, &meta) && meta.type == jbvBinary)
            shop = JsonbStringKey_Unsafe(meta.val.binary.data, "shop_id");
    }
    if (shop != nullptr) {
        if (!ParseUuid(shop, &out->shop_id))
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), errmsg("shop_id claim is not a uuid")));
        out->has_shop = true;
    }
    char *sub = JsonbStringKey_Unsafe(&claims->root, "sub");
    if (sub != nullptr && ParseUuid(sub, &out->user_id))
        out->has_user = true;
}

const Claims &CurrentClaims_Unsafe() {
    const char *text = GetConfigOption("request.jwt.claims", true, false);
    if (text == nullptr || text[0] == '\0') {
        static const Claims kNone = {false, {{0}}, false, {{0}}};
        return kNone;
    }
    if (cached_claims_text != nullptr && strcmp(cached_claims_text, text) == 0)
        return cached_claims;

    Claims parsed;
    ParseClaims_Unsafe(text, &parsed);
    // Only a successful parse is cached, so a bad claim errors every time.
    if (cached_claims_text != nullptr)
        pfree(cached_claims_text);
    cached_claims_text = MemoryContextStrdup(TopMemoryContext, text);
    cached_claims = parsed;
    return cached_claims;
}

pg_uuid_t RequireShop_Unsafe() {
    const Claims &claims = CurrentClaims_Unsafe();
    if (!claims.has_shop)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("no shop in the caller's claims"),
                        errhint("Call with a JWT whose claims carry shop_id.")));
    return claims.shop_id;
}

} // namespace shopsync

using namespace shopsync;

// shopsync.current_shop_id() — the caller's shop, or NULL without a claim.
SHOPSYNC_FUNCTION(current_shop_id) {
    const Claims &claims = CurrentClaims_Unsafe();
    if (!claims.has_shop)
        PG_RETURN_NULL();
    return UuidGetDatumCopy(claims.shop_id);
}

// shopsync.current_user_id() — the caller's user (claim sub), or NULL.
SHOPSYNC_FUNCTION(current_user_id) {
    const Claims &claims = CurrentClaims_Unsafe();
    if (!claims.has_user)
        PG_RETURN_NULL();
    return UuidGetDatumCopy(claims.user_id);
}

// ---- membership, for RLS -------------------------------------------------------

// True when (shop, user) is a row of shopsync.shop_members, read through its
// primary key with the statement's snapshot. A direct index scan, not a query:
// no planner, no RLS (shop_members' own policy calls this function), no
// SECURITY DEFINER switch.
// On a Citus cluster shop_members is a reference table (shopsync.distribute()):
// its rows live in the shard shop_members_<shardid> that every node holds, and
// the table itself stays empty. The shard id is read once per backend from
// Citus' catalog (pg_dist_shard); 0 while the table is not distributed.
static int64 member_shard = 0;

static int64 MemberShard_Unsafe() {
    if (!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
        return 0; // no Citus in this database
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int64 shard = 0;
    if (SPI_execute("SELECT shardid FROM pg_catalog.pg_dist_shard"
                    " WHERE logicalrelid = 'shopsync.shop_members'::regclass",
                    true, 1) == SPI_OK_SELECT &&
        SPI_processed == 1) {
        bool isnull;
        shard = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    SPI_finish();
    return shard;
}

static bool IsMember_Unsafe(const pg_uuid_t &shop, const pg_uuid_t &user) {
    Oid nsp = get_namespace_oid("shopsync", false);
    Oid relid = InvalidOid, indexid = InvalidOid;
    for (int attempt = 0; attempt < 2 && !OidIsValid(relid); attempt++) {
        if (member_shard == 0 || attempt > 0)
            member_shard = MemberShard_Unsafe();
        if (member_shard == 0)
            break;
        relid = get_relname_relid(psprintf("shop_members_" INT64_FORMAT, member_shard), nsp);
        indexid = get_relname_relid(psprintf("shop_members_pkey_" INT64_FORMAT, member_shard), nsp);
    }
    if (!OidIsValid(relid)) { // one node, or a Citus node holding no placement of it
        relid = get_relname_relid("shop_members", nsp);
        indexid = get_relname_relid("shop_members_pkey", nsp);
    }
    if (!OidIsValid(relid) || !OidIsValid(indexid))
        elog(ERROR, "shopsync.shop_members or its primary key is missing");
    Relation rel = table_open(relid, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_UUID_EQ, UuidGetDatumCopy(shop));
    ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_UUID_EQ, UuidGetDatumCopy(user));
    Snapshot snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    SysScanDesc scan = systable_beginscan(rel, indexid, true, snapshot, 2, keys);
    bool found = HeapTupleIsValid(systable_getnext(scan));
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return found;
}

// shopsync.current_member_shop_id() — the caller's shop claim if the caller
// (claim sub) is a member of that shop, else NULL. Every RLS policy compares
// with it in a sub-select, so it runs once per statement.
SHOPSYNC_FUNCTION(current_member_shop_id) {
    const Claims &claims = CurrentClaims_Unsafe();
    if (!claims.has_shop || !claims.has_user)
        PG_RETURN_NULL();
    pg_uuid_t shop = claims.shop_id, user = claims.user_id;
    if (!IsMember_Unsafe(shop, user))
        PG_RETURN_NULL();
    return UuidGetDatumCopy(shop);
}
