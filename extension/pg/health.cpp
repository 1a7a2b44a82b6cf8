// extension/pg/health.cpp — api.sync_health(): cheap facts about the server
// and the caller's own shop (nothing of any other shop), and the protocol
// handshake: protocol_version, min_client_protocol and the entities' rules.
#include "api_common.hpp"
#include "entity_registry.hpp"
#include "guard.hpp"
#include "json_util.hpp"
#include "plan_cache.hpp"
#include "restore_epoch.hpp"
#include "shopsync.hpp"

using namespace shopsync;

SHOPSYNC_FUNCTION(sync_health) {
    pg_uuid_t shop, user;
    ShopRole role;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    RequireMember_Unsafe(&shop, &user, &role);

    StringInfoData out;
    initStringInfo(&out);
    appendStringInfoString(&out, "{\"version\":");
    AppendJsonString(&out, EXTVERSION);
    appendStringInfoString(&out, ",\"server_time\":");
    AppendJsonString(&out, JsonEncodeDateTime(nullptr, TimestampTzGetDatum(GetCurrentTimestamp()),
                                              TIMESTAMPTZOID, nullptr));
    appendStringInfoString(&out, ",\"shop_id\":");
    AppendJsonString(&out, UuidToCString(shop));
    appendStringInfoString(&out, ",\"user_id\":");
    AppendJsonString(&out, UuidToCString(user));
    appendStringInfoString(&out, ",\"role\":");
    AppendJsonString(&out, ShopRoleName(role));
    // New after every restore: a device that saw another one re-uploads what
    // this server lacks (client/src/restore_recovery.cpp).
    appendStringInfoString(&out, ",\"restore_epoch\":");
    AppendJsonString(&out, RestoreEpoch_Unsafe());
    appendStringInfo(&out, ",\"latest_seq\":" INT64_FORMAT ",\"entities\":%s", ShopLastSeq_Unsafe(shop),
                     EntityNamesJson_Unsafe());
    // The handshake: what this server speaks, the oldest client it serves,
    // and every entity's rules, so a device can refuse offline what the
    // server would refuse.
    // Columns the server computes (generated): a device giving a row back
    // after a restore leaves them out (client/src/restore_recovery.cpp).
    ExecCachedPlan_Unsafe(
        "SELECT coalesce(jsonb_object_agg(t.entity, (SELECT coalesce(jsonb_agg(a.attname"
        " ORDER BY a.attnum), '[]') FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.relid"
        " AND a.attgenerated <> '' AND NOT a.attisdropped)), '{}')::text"
        " FROM shopsync.synced_tables t",
        0, nullptr, nullptr, nullptr, true, 1);
    appendStringInfo(&out, ",\"generated_columns\":%s",
                     SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
    appendStringInfo(&out, ",\"protocol_version\":%d,\"min_client_protocol\":%d,\"rules\":%s}",
                     kProtocolVersion, guc_min_client_protocol, EntityRulesJson_Unsafe());
    Datum result = JsonbDatumFromText_Unsafe(out.data);
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
