// extension/pg/device_stats.cpp — the per-device sync figures a push keeps,
// in one upsert of shopsync.devices (see device_stats.hpp; read through the
// views of sql/src/72_sync_stats.sql).
#include "device_stats.hpp"

#include "json_util.hpp"
#include "plan_cache.hpp"
#include "shopsync.hpp"

namespace shopsync {

// Issues kept per device (the view's "latest conflicts and refusals").
static constexpr int kRecentIssues = 20;

void OutboxReportInit(OutboxReport *report) {
    report->pending = report->failed = report->oldest_age_ms = report->retry_depth = -1;
}

bool ParseOutboxReport(const JsonbValue &value, OutboxReport *report) {
    if (!JsonbValueIsObject(value))
        return false;
    struct Field {
        const char *name;
        int64 *target;
        int64 max;
    } fields[] = {{"pending", &report->pending, PG_INT32_MAX},
                  {"failed", &report->failed, PG_INT32_MAX},
                  {"oldest_age_ms", &report->oldest_age_ms, PG_INT64_MAX},
                  {"retry_depth", &report->retry_depth, PG_INT32_MAX}};
    JsonbIterator *it = JsonbIteratorInit(value.val.binary.data);
    JsonbValue v;
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY) {
            bool found = false;
            for (const Field &f : fields)
                found |= (int)strlen(f.name) == v.val.string.len &&
                         memcmp(f.name, v.val.string.val, v.val.string.len) == 0;
            if (!found)
                return false;
        }
    }
    for (Field &f : fields) {
        if (!JsonbGetKey(value.val.binary.data, f.name, &v))
            continue;
        int64 n;
        if (!JsonbNumberToInt64(v, &n) || n < 0 || n > f.max)
            return false;
        *f.target = n;
    }
    return true;
}

static bool IsNewIssue(const PushEvent &e) {
    return !e.replayed && (e.status == OutcomeStatus::Conflict || e.status == OutcomeStatus::Rejected);
}

// [{"kind", "entity", "entity_id", "op", "reason"}, …] of the batch's new
// issues, newest (last in the batch) first, at most kRecentIssues.
static char *NewIssuesJson(const PushContext &ctx, const PushEvent *events, int n) {
    // The push's time and device, written here: Citus takes no function call
    // or subquery in a distributed INSERT … ON CONFLICT (see the upsert).
    const char *at = JsonEncodeDateTime(nullptr, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
                                        TIMESTAMPTZOID, nullptr);
    StringInfoData out;
    initStringInfo(&out);
    appendStringInfoChar(&out, '[');
    int count = 0;
    for (int i = n - 1; i >= 0 && count < kRecentIssues; i--) {
        const PushEvent &e = events[i];
        if (!IsNewIssue(e))
            continue;
        if (count++ > 0)
            appendStringInfoChar(&out, ',');
        bool conflict = e.status == OutcomeStatus::Conflict;
        appendStringInfoString(&out, "{\"at\":");
        AppendJsonString(&out, at);
        appendStringInfoString(&out, ",\"device_id\":");
        AppendJsonString(&out, ctx.device_id);
        appendStringInfoString(&out, ",\"kind\":");
        AppendJsonString(&out, conflict ? "conflict" : "rejected");
        // As sent, clipped: a malformed event's fields may be anything.
        appendStringInfoString(&out, ",\"entity\":");
        AppendJsonString(&out, e.entity ? ClipText(e.entity, -1, 64) : nullptr);
        appendStringInfoString(&out, ",\"entity_id\":");
        AppendJsonString(&out, e.entity_id_text ? ClipText(e.entity_id_text, -1, 64) : nullptr);
        appendStringInfoString(&out, ",\"op\":");
        AppendJsonString(&out, e.op_text ? ClipText(e.op_text, -1, 16) : nullptr);
        appendStringInfoString(&out, ",\"reason\":");
        AppendJsonString(&out, conflict ? "conflict" : e.reason);
        appendStringInfoChar(&out, '}');
    }
    appendStringInfoChar(&out, ']');
    return out.data;
}

void RecordDevicePush_Unsafe(const PushContext &ctx, const OutboxReport &report, TimestampTz started,
                             const PushEvent *events, int n) {
    int64 conflicts = 0, rejected = 0;
    for (int i = 0; i < n; i++) {
        conflicts += events[i].status == OutcomeStatus::Conflict;
        rejected += events[i].status == OutcomeStatus::Rejected;
    }
    double push_ms = (double)(GetCurrentTimestamp() - started) / 1000.0;
    const int nargs = 12;
    Oid argtypes[nargs] = {UUIDOID,   TEXTOID, UUIDOID, INT8OID, INT8OID, INT8OID,
                           FLOAT8OID, INT4OID, INT4OID, INT4OID, INT8OID, TEXTOID};
    Datum values[nargs] = {UuidGetDatumCopy(ctx.shop_id),
                           CStringGetTextDatum(ctx.device_id),
                           UuidGetDatumCopy(ctx.user_id),
                           Int64GetDatum(n),
                           Int64GetDatum(rejected),
                           Int64GetDatum(conflicts),
                           Float8GetDatum(push_ms),
                           Int32GetDatum((int32)report.retry_depth),
                           Int32GetDatum((int32)report.pending),
                           Int32GetDatum((int32)report.failed),
                           Int64GetDatum(report.oldest_age_ms),
                           CStringGetTextDatum(NewIssuesJson(ctx, events, n))};
    char nulls[nargs + 1];
    memset(nulls, ' ', nargs);
    nulls[nargs] = '\0';
    nulls[7] = report.retry_depth < 0 ? 'n' : ' ';
    nulls[8] = report.pending < 0 ? 'n' : ' ';
    nulls[9] = report.failed < 0 ? 'n' : ' ';
    nulls[10] = report.oldest_age_ms < 0 ? 'n' : ' ';
    // A figure the client did not report keeps its last value (an old client
    // reports none).
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.devices AS d"
                          " (shop_id, device_id, user_id, last_push_at, push_count, event_count, "
                          "rejected_count,"
                          "  conflict_count, last_push_ms, push_ms_total, retry_depth, outbox_pending, "
                          "outbox_failed,"
                          "  outbox_age_ms, recent_issues)"
                          " VALUES ($1, $2, $3, now(), 1, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12::jsonb)"
                          // excluded.*, not now(): Citus accepts no STABLE function in DO UPDATE SET
                          " ON CONFLICT (shop_id, device_id) DO UPDATE SET user_id = excluded.user_id,"
                          " last_seen_at = excluded.last_seen_at, last_push_at = excluded.last_push_at,"
                          " push_count = d.push_count + 1,"
                          " event_count = d.event_count + excluded.event_count,"
                          " rejected_count = d.rejected_count + excluded.rejected_count,"
                          " conflict_count = d.conflict_count + excluded.conflict_count,"
                          " last_push_ms = excluded.last_push_ms, push_ms_total = d.push_ms_total + "
                          "excluded.push_ms_total,"
                          " retry_depth = coalesce(excluded.retry_depth, d.retry_depth),"
                          " outbox_pending = coalesce(excluded.outbox_pending, d.outbox_pending),"
                          " outbox_failed = coalesce(excluded.outbox_failed, d.outbox_failed),"
                          " outbox_age_ms = coalesce(excluded.outbox_age_ms, d.outbox_age_ms),"
                          " recent_issues = CASE WHEN excluded.recent_issues = '[]' THEN d.recent_issues"
                          "   ELSE jsonb_path_query_array(excluded.recent_issues || d.recent_issues, '$[0 to "
                          "19]') END", // kRecentIssues
                                       // - 1
                          nargs, argtypes, values, nulls, false, 0);
}

} // namespace shopsync
