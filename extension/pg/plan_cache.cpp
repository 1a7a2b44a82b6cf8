// extension/pg/plan_cache.cpp — saved SPI plans keyed by their SQL text and
// argument types, kept in a named child of TopMemoryContext for the backend's life.
#include "plan_cache.hpp"

namespace shopsync {

struct PlanEntry {
    uint64 key; // hash of sql + argtypes + options; must be first (HTAB key)
    char *sql;
    int cursor_options;
    int nargs;
    Oid *argtypes;
    SPIPlanPtr plan;
    PlanEntry *next; // collision chain
};

static HTAB *plans = nullptr;
static MemoryContext plan_context = nullptr;

static uint64 PlanKey(const char *sql, int nargs, const Oid *argtypes, int cursor_options) {
    uint64 h = hash_bytes_extended((const unsigned char *)sql, strlen(sql), (uint64)cursor_options);
    if (nargs > 0)
        h = hash_bytes_extended((const unsigned char *)argtypes, nargs * sizeof(Oid), h);
    return h;
}

static bool SameStatement(const PlanEntry *e, const char *sql, int nargs, const Oid *argtypes,
                          int cursor_options) {
    return e->nargs == nargs && e->cursor_options == cursor_options && strcmp(e->sql, sql) == 0 &&
           (nargs == 0 || memcmp(e->argtypes, argtypes, nargs * sizeof(Oid)) == 0);
}

static SPIPlanPtr CachedPlanWithOptions_Unsafe(const char *sql, int nargs, const Oid *argtypes,
                                               int cursor_options) {
    if (plans == nullptr) {
        plan_context = AllocSetContextCreate(TopMemoryContext, "shopsync plan cache", ALLOCSET_DEFAULT_SIZES);
        HASHCTL ctl;
        memset(&ctl, 0, sizeof(ctl));
        ctl.keysize = sizeof(uint64);
        ctl.entrysize = sizeof(PlanEntry);
        ctl.hcxt = plan_context;
        plans = hash_create("shopsync plans", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    }
    uint64 key = PlanKey(sql, nargs, argtypes, cursor_options);
    bool found;
    PlanEntry *head = (PlanEntry *)hash_search(plans, &key, HASH_ENTER, &found);
    if (found) {
        for (PlanEntry *e = head; e != nullptr; e = e->next)
            if (SameStatement(e, sql, nargs, argtypes, cursor_options))
                return e->plan;
    } else {
        head->plan = nullptr;
        head->next = nullptr;
        head->sql = nullptr;
    }

    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, const_cast<Oid *>(argtypes), cursor_options);
    if (plan == nullptr) {
        if (!found) // leave no half-built entry behind
            hash_search(plans, &key, HASH_REMOVE, nullptr);
        elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
    }
    SPI_keepplan(plan);

    PlanEntry *entry = head;
    if (head->sql != nullptr) { // collision: chain a new entry behind the head
        entry = (PlanEntry *)MemoryContextAllocZero(plan_context, sizeof(PlanEntry));
        entry->next = head->next;
        head->next = entry;
    }
    entry->sql = MemoryContextStrdup(plan_context, sql);
    entry->cursor_options = cursor_options;
    entry->nargs = nargs;
    entry->argtypes = (Oid *)MemoryContextAlloc(plan_context, sizeof(Oid) * Max(nargs, 1));
    if (nargs > 0)
        memcpy(entry->argtypes, argtypes, nargs * sizeof(Oid));
    entry->plan = plan;
    return plan;
}

static uint64 Execute_Unsafe(SPIPlanPtr plan, const char *sql, Datum *values, const char *nulls,
                             bool read_only, long count) {
    int rc = SPI_execute_plan(plan, values, nulls, read_only, count);
    if (rc < 0)
        elog(ERROR, "SPI_execute_plan failed for \"%s\": %s", sql, SPI_result_code_string(rc));
    return SPI_processed;
}

uint64 ExecCachedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                             const char *nulls, bool read_only, long count) {
    return Execute_Unsafe(CachedPlanWithOptions_Unsafe(sql, nargs, argtypes, 0), sql, values, nulls,
                          read_only, count);
}

uint64 ExecReplannedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                                const char *nulls, bool read_only, long count) {
    return Execute_Unsafe(CachedPlanWithOptions_Unsafe(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN), sql,
                          values, nulls, read_only, count);
}

// Citus (loaded at server start, so the answer holds for the backend's life)
// plans a statement on a distributed table for the shard its shop_id names;
// in a generic plan shop_id is a parameter, and inside a delegated call
// (sql/src/80_citus.sql) Citus refuses such a plan ("queries must filter by
// the distribution argument", "could not create distributed plan").
static bool CitusLoaded() {
    static int loaded = -1;
    if (loaded < 0)
        loaded = GetConfigOption("citus.shard_count", true, false) != nullptr ? 1 : 0;
    return loaded == 1;
}

uint64 ExecGenericPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                              const char *nulls, bool read_only, long count) {
    int options = CitusLoaded() ? 0 : CURSOR_OPT_GENERIC_PLAN;
    return Execute_Unsafe(CachedPlanWithOptions_Unsafe(sql, nargs, argtypes, options), sql, values, nulls,
                          read_only, count);
}

} // namespace shopsync
