// extension/pg/api_common.cpp — what every api.* function needs: the
// caller's membership, the shop's latest seq, a one-value jsonb query.
#include "api_common.hpp"

#include "plan_cache.hpp"
#include "shopsync.hpp"

namespace shopsync {

static ShopRole LookupRole_Unsafe(const pg_uuid_t &shop, const pg_uuid_t &user) {
    Oid argtypes[2] = {UUIDOID, UUIDOID};
    Datum values[2] = {UuidGetDatumCopy(shop), UuidGetDatumCopy(user)};
    if (ExecCachedPlan_Unsafe("SELECT role FROM shopsync.shop_members WHERE shop_id = $1 AND user_id = $2", 2,
                              argtypes, values, nullptr, false, 1) == 0)
        return ShopRole::None;
    return ParseShopRole(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
}

// The caller's shop and user, and their role there; ERROR unless a member.
void RequireMember_Unsafe(pg_uuid_t *shop, pg_uuid_t *user, ShopRole *role) {
    *shop = RequireShop_Unsafe();
    const Claims &claims = CurrentClaims_Unsafe();
    if (!claims.has_user)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("no user (sub) in the caller's claims")));
    *user = claims.user_id;
    *role = LookupRole_Unsafe(*shop, *user);
    if (*role == ShopRole::None)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("the caller is not a member of this shop")));
}

void CheckClientProtocol_Unsafe(int64 protocol) {
    if (protocol < guc_min_client_protocol)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("client protocol " INT64_FORMAT " is no longer served", protocol),
                        errhint("Update the app; this server serves protocol %d or newer.",
                                guc_min_client_protocol)));
}

int64 ShopLastSeq_Unsafe(const pg_uuid_t &shop, bool in_statement_snapshot) {
    Oid argtypes[1] = {UUIDOID};
    Datum values[1] = {UuidGetDatumCopy(shop)};
    if (ExecCachedPlan_Unsafe("SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = $1", 1, argtypes,
                              values, nullptr, in_statement_snapshot, 1) == 0)
        return 0;
    bool isnull;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

Datum QueryJsonb_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values) {
    ExecCachedPlan_Unsafe(sql, nargs, argtypes, values, nullptr, true, 1);
    bool isnull;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (isnull)
        elog(ERROR, "query returned no json: %s", sql);
    return PointerGetDatum(SPI_datumTransfer(value, false, -1));
}

} // namespace shopsync
