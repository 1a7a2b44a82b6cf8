// extension/pg/device_stats.hpp — the per-device sync figures a push keeps
// (issue 16's dashboards, read through shopsync.sync_stats): one upsert of
// shopsync.devices per push, never a statement per event.
// Domain words: outbox report (the device's own account of its queue, sent
// in the push envelope as "outbox"), issue (a conflict or refusal answered).
#pragma once

#include "pg_headers.hpp"
#include "push_event.hpp"

namespace shopsync {

// The envelope's optional "outbox": {"pending", "failed", "oldest_age_ms",
// "retry_depth"}, each a non-negative integer; -1 where not reported.
struct OutboxReport {
    int64 pending;
    int64 failed;
    int64 oldest_age_ms;
    int64 retry_depth;
};

// Clears the report (nothing reported: an old client).
void OutboxReportInit(OutboxReport *report);
// Reads the "outbox" value; false when it is not an object of known
// non-negative integer fields (the caller raises the envelope error).
bool ParseOutboxReport(const JsonbValue &value, OutboxReport *report);

// Records the push for its device: counts of events, conflicts and
// refusals, the push's duration since `started`, the outbox report, and the
// batch's new (not replayed) conflicts and refusals as the device's latest issues.
void RecordDevicePush_Unsafe(const PushContext &ctx, const OutboxReport &report, TimestampTz started,
                             const PushEvent *events, int n);

} // namespace shopsync
