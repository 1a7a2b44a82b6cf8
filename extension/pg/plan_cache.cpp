// extension/pg/plan_cache.cpp — saved SPI plans keyed by their SQL text and
// argument types, kept in a named child of TopMemoryContext for the backend's life.
#include "plan_cache.hpp"

extern "C" {
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/plancache.h"
}

namespace shopsync {

struct PlanEntry {
    uint64 key; // hash of sql + argtypes + options; must be first (HTAB key)
    char *sql;
    int cursor_options;
    int nargs;
    Oid *argtypes;
    SPIPlanPtr plan;
    // Generic plans only: the blocks of the statement's tables when the plan
    // was first run (InvalidBlockNumber before), and whether they have grown
    // past what it was made for since (WatchGrowth_Unsafe).
    BlockNumber planned_blocks;
    bool outgrown;
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

static SPIPlanPtr Prepare_Unsafe(const char *sql, int nargs, const Oid *argtypes, int cursor_options) {
    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, const_cast<Oid *>(argtypes), cursor_options);
    if (plan == nullptr)
        elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
    SPI_keepplan(plan);
    return plan;
}

static PlanEntry *CachedPlanWithOptions_Unsafe(const char *sql, int nargs, const Oid *argtypes,
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
        for (PlanEntry *e = head; e != nullptr; e = e->next) {
            if (!SameStatement(e, sql, nargs, argtypes, cursor_options))
                continue;
            if (e->outgrown) { // made for smaller tables: plan again, for today's
                SPIPlanPtr old = e->plan;
                e->plan = Prepare_Unsafe(sql, nargs, argtypes, cursor_options);
                e->planned_blocks = InvalidBlockNumber;
                e->outgrown = false;
                SPI_freeplan(old);
            }
            return e;
        }
    } else {
        head->plan = nullptr;
        head->next = nullptr;
        head->sql = nullptr;
    }

    SPIPlanPtr plan = nullptr;
    PG_TRY();
    { plan = Prepare_Unsafe(sql, nargs, argtypes, cursor_options); }
    PG_CATCH();
    {
        if (!found) // leave no half-built entry behind
            hash_search(plans, &key, HASH_REMOVE, nullptr);
        PG_RE_THROW();
    }
    PG_END_TRY();

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
    entry->planned_blocks = InvalidBlockNumber;
    entry->outgrown = false;
    return entry;
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
    return Execute_Unsafe(CachedPlanWithOptions_Unsafe(sql, nargs, argtypes, 0)->plan, sql, values, nulls,
                          read_only, count);
}

uint64 ExecReplannedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                                const char *nulls, bool read_only, long count) {
    return Execute_Unsafe(CachedPlanWithOptions_Unsafe(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN)->plan,
                          sql, values, nulls, read_only, count);
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

// The blocks of the tables the statement read or wrote (it holds their locks).
static BlockNumber StatementBlocks(SPIPlanPtr plan) {
    BlockNumber blocks = 0;
    ListCell *source_cell;
    foreach (source_cell, SPI_plan_get_plan_sources(plan)) {
        CachedPlanSource *source = (CachedPlanSource *)lfirst(source_cell);
        ListCell *oid_cell;
        foreach (oid_cell, source->relationOids) {
            Oid relid = lfirst_oid(oid_cell);
            if (!CheckRelationOidLockedByMe(relid, AccessShareLock, true))
                continue;
            Relation rel = RelationIdGetRelation(relid);
            if (rel == nullptr)
                continue;
            if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
                blocks += RelationGetNumberOfBlocks(rel);
            RelationClose(rel);
        }
    }
    return blocks;
}

// A generic plan is made once from the sizes of its tables then; a plan made
// while a shop was young (an index scan of the shop, filtering ids) costs the
// whole shop on every push once it has grown, and PostgreSQL replans only when
// statistics are taken again. So a plan whose tables have more than doubled
// since its first run is made again at its next use: at most one run per
// doubling uses a plan made for tables half the size.
static void WatchGrowth_Unsafe(PlanEntry *entry) {
    BlockNumber now = StatementBlocks(entry->plan);
    if (entry->planned_blocks == InvalidBlockNumber)
        entry->planned_blocks = now;
    else if (now > 2 * entry->planned_blocks + 8)
        entry->outgrown = true;
}

uint64 ExecGenericPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                              const char *nulls, bool read_only, long count) {
    if (CitusLoaded())
        return ExecCachedPlan_Unsafe(sql, nargs, argtypes, values, nulls, read_only, count);
    PlanEntry *entry = CachedPlanWithOptions_Unsafe(sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
    uint64 processed = Execute_Unsafe(entry->plan, sql, values, nulls, read_only, count);
    WatchGrowth_Unsafe(entry);
    return processed;
}

} // namespace shopsync
