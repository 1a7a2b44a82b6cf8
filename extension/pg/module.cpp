// extension/pg/module.cpp — module magic and settings (GUCs).
#include "change_buffer.hpp"
#include "entity_registry.hpp"
#include "shopsync.hpp"

#include <shopsync_limits.h>

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace shopsync {

int guc_max_batch = 100;
int guc_max_pull = 1000;
int guc_max_field_bytes = SHOPSYNC_DEFAULT_MAX_FIELD_BYTES;
int guc_tombstone_retention_days = 90;
int guc_log_retention_days = 90;
int guc_idempotency_retention_days = 7;
int guc_min_client_protocol = 1;

} // namespace shopsync

using namespace shopsync;

void _PG_init(void) {
    DefineCustomIntVariable("shopsync.max_batch", "Largest number of events one sync_push accepts.", NULL,
                            &guc_max_batch, 100, 1, kMaxBatchCeiling, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("shopsync.max_pull", "Largest number of changes one sync_pull returns.", NULL,
                            &guc_max_pull, 1000, 1, 10000, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "shopsync.max_field_bytes", "Largest text value, in bytes, a pushed event may carry.", NULL,
        &guc_max_field_bytes, SHOPSYNC_DEFAULT_MAX_FIELD_BYTES, 16, 1000000, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("shopsync.tombstone_retention_days",
                            "Days a tombstoned row is kept before the retention job removes it.", NULL,
                            &guc_tombstone_retention_days, 90, 1, 36500, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("shopsync.log_retention_days",
                            "Days a change_log entry is kept before the retention job removes it.", NULL,
                            &guc_log_retention_days, 90, 1, 36500, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("shopsync.idempotency_retention_days",
                            "Days an idempotency key and its stored outcome are kept.", NULL,
                            &guc_idempotency_retention_days, 7, 1, 3650, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("shopsync.min_client_protocol",
                            "Oldest client protocol the server serves; older clients are told to update.",
                            NULL, &guc_min_client_protocol, 1, 1, 2, PGC_SUSET, 0, NULL, NULL, NULL);
    MarkGUCPrefixReserved("shopsync");
    RegisterChangeBufferCallbacks();
    RegisterEntityCacheCallbacks();
}
