// extension/pg/entity_registry.cpp — synced-table lookup for the push path.
#include "entity_registry.hpp"

#include "json_util.hpp"
#include "plan_cache.hpp"
#include "sync_columns.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

namespace shopsync {

static JsonKind KindOfType(Oid type) {
    Oid base = getBaseType(type);
    if (base == JSONBOID || base == JSONOID)
        return JsonKind::Any;
    char category;
    bool preferred;
    get_type_category_preferred(base, &category, &preferred);
    switch (category) {
    case TYPCATEGORY_NUMERIC:
        return JsonKind::Number;
    case TYPCATEGORY_BOOLEAN:
        return JsonKind::Boolean;
    case TYPCATEGORY_ARRAY:
        return JsonKind::Array;
    default:
        return JsonKind::String; // text, uuid, dates and times, enums, …
    }
}

// One row per entity: its table, role sets as RoleSet bits, the status
// lifecycle as arrays, its parent links and the links of its children.
static const char *const kLoadEntity =
    "WITH t AS (SELECT * FROM shopsync.synced_tables WHERE entity = $1),"
    " moves AS (SELECT s.key AS f, v AS t FROM t, jsonb_each(t.status_transitions) s,"
    "           jsonb_array_elements_text(s.value) v),"
    " kids AS (SELECT c.relid::regclass::text AS q, p->>'column' AS col, c.relid::oid AS r, c.entity AS e"
    "          FROM shopsync.synced_tables c,"
    "          jsonb_array_elements(c.parents) p, t WHERE p->>'entity' = t.entity)"
    " SELECT t.relid::oid,"
    "  ('owner' = ANY(t.write_roles))::int * 8 + ('staff' = ANY(t.write_roles))::int * 4,"
    "  ('owner' = ANY(t.delete_roles))::int * 8 + ('staff' = ANY(t.delete_roles))::int * 4,"
    "  ('owner' = ANY(t.override_roles))::int * 8 + ('staff' = ANY(t.override_roles))::int * 4,"
    "  t.status_column,"
    "  ARRAY(SELECT k FROM jsonb_object_keys(t.status_transitions) k ORDER BY 1),"
    "  ARRAY(SELECT f FROM moves ORDER BY f, t), ARRAY(SELECT m.t FROM moves m ORDER BY f, m.t),"
    "  ARRAY(SELECT p->>'entity' FROM jsonb_array_elements(t.parents) WITH ORDINALITY AS l(p, o) ORDER BY o),"
    "  ARRAY(SELECT p->>'column' FROM jsonb_array_elements(t.parents) WITH ORDINALITY AS l(p, o) ORDER BY o),"
    "  ARRAY(SELECT q FROM kids ORDER BY q, col), ARRAY(SELECT col FROM kids ORDER BY q, col),"
    "  ARRAY(SELECT r FROM kids ORDER BY q, col), ARRAY(SELECT e FROM kids ORDER BY q, col)"
    " FROM t";

// A text[] column of the current SPI row as C strings.
static char **TextArrayColumn_Unsafe(int column, int *count) {
    bool isnull;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column, &isnull);
    Datum *items;
    bool *nulls;
    deconstruct_array(DatumGetArrayTypeP(value), TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, count);
    char **out = (char **)palloc(sizeof(char *) * Max(*count, 1));
    for (int i = 0; i < *count; i++)
        out[i] = nulls[i] ? pstrdup("") : TextDatumGetCString(items[i]);
    return out;
}

// ---- the backend's cache ---------------------------------------------------
//
// Each entity's facts are kept for the backend's life, one memory context an
// entity under CacheMemoryContext, and stay exact this way:
//  - the registry: the first lookup of every call reads all of
//    shopsync.synced_tables as one text (kRegistryStamp, a cached plan over a
//    few rows, far cheaper than kLoadEntity per entity) and drops the whole
//    cache when it differs from the text the cache was built under. Being a
//    read under the call's own snapshot, it sees changes committed by any
//    backend, made earlier in this transaction, or rolled back, and works
//    where no trigger on the registry would fire (Citus workers read their
//    copy of the reference table; a replica-mode restore). Whole rows, so a
//    column added to the registry later is covered too, and every row,
//    since an entity's children come from the other entities' rows.
//  - columns and names: a relcache invalidation of the table or of a child
//    (ALTER TABLE, rename, drop; InvalidOid = all) or a schema's syscache
//    invalidation (schema rename) marks the entry stale. Each call takes
//    AccessShareLock on the table, which processes pending invalidations, and
//    only then checks the mark; holding the lock, no DDL on it can follow.
// A stale entry is moved to a retired context, not freed: this call may still
// hold it. Retired entries are freed at transaction end. An error while
// loading leaves nothing behind: the entry is built in the caller's context
// and moved under the cache only when complete.

struct CachedEntity {
    EntityInfo info;
    MemoryContext cxt; // holds this struct and everything info points to
    int nwatch;
    Oid *watch; // the table and its children: their relcache changes make it stale
    bool stale;
    CachedEntity *next;
};

struct EntityRef {
    EntityInfo *entity;
    EntityRef *next;
};

static MemoryContext cache_cxt = nullptr;   // the cache, under CacheMemoryContext
static MemoryContext retired_cxt = nullptr; // stale entries until transaction end
static CachedEntity *cached = nullptr;
static char *stamp = nullptr; // the registry text the cache was built under
static int stamp_len = -1;
static uint64 invalidations = 0; // counts callbacks, to spot one during a load

static const char *const kRegistryStamp =
    "SELECT coalesce(string_agg(s.relid::oid::text || ' ' || s::text, E'\\n' ORDER BY s.entity), '')"
    " FROM shopsync.synced_tables s";

static void EnsureCacheContext() {
    if (cache_cxt != nullptr)
        return;
    cache_cxt = AllocSetContextCreate(CacheMemoryContext, "shopsync entity cache", ALLOCSET_SMALL_SIZES);
    retired_cxt = AllocSetContextCreate(cache_cxt, "shopsync retired entities", ALLOCSET_SMALL_SIZES);
}

static void RetireAll() {
    for (CachedEntity *e = cached; e != nullptr; e = e->next)
        MemoryContextSetParent(e->cxt, retired_cxt);
    cached = nullptr;
}

static void Retire(CachedEntity *entry) {
    for (CachedEntity **p = &cached; *p != nullptr; p = &(*p)->next)
        if (*p == entry) {
            *p = entry->next;
            break;
        }
    MemoryContextSetParent(entry->cxt, retired_cxt);
}

// Drops the cache when the registry differs from the one it was built under.
static void CheckRegistry_Unsafe() {
    ExecCachedPlan_Unsafe(kRegistryStamp, 0, nullptr, nullptr, nullptr, true, 1);
    bool isnull;
    text *now = DatumGetTextPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    int len = VARSIZE_ANY_EXHDR(now);
    if (len == stamp_len && memcmp(VARDATA_ANY(now), stamp, len) == 0)
        return;
    char *copy = (char *)MemoryContextAlloc(cache_cxt, Max(len, 1));
    memcpy(copy, VARDATA_ANY(now), len);
    RetireAll();
    if (stamp != nullptr)
        pfree(stamp);
    stamp = copy;
    stamp_len = len;
}

// Reads one entity from the registry and its table into a new context under
// the caller's; nullptr when no table is registered under the name. Takes
// AccessShareLock on the table.
static CachedEntity *LoadEntity_Unsafe(const char *name) {
    Oid argtypes[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(name)};
    ExecCachedPlan_Unsafe(kLoadEntity, 1, argtypes, values, nullptr, true, 1);
    if (SPI_processed == 0)
        return nullptr;
    MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "shopsync entity", ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(cxt);
    bool isnull;
    Oid relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

    CachedEntity *entry = (CachedEntity *)palloc0(sizeof(CachedEntity));
    entry->cxt = cxt;
    EntityInfo *entity = &entry->info;
    entity->name = pstrdup(name);
    entity->relid = relid;
    entity->rules.write_roles =
        (RoleSet)DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    entity->rules.delete_roles =
        (RoleSet)DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
    entity->rules.override_roles =
        (RoleSet)DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
    entity->status_column = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
    int nstatuses, nfrom, nto, nparent_entities, nparent_columns, nchild_tables, nchild_columns;
    char **statuses = TextArrayColumn_Unsafe(6, &nstatuses);
    char **from = TextArrayColumn_Unsafe(7, &nfrom);
    char **to = TextArrayColumn_Unsafe(8, &nto);
    char **parent_entities = TextArrayColumn_Unsafe(9, &nparent_entities);
    char **parent_columns = TextArrayColumn_Unsafe(10, &nparent_columns);
    char **child_tables = TextArrayColumn_Unsafe(11, &nchild_tables);
    char **child_columns = TextArrayColumn_Unsafe(12, &nchild_columns);
    int nchild_entities;
    char **child_entities = TextArrayColumn_Unsafe(14, &nchild_entities);
    Datum *child_relids;
    bool *child_nulls;
    int nchild_relids;
    deconstruct_array(
        DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 13, &isnull)), OIDOID,
        sizeof(Oid), true, TYPALIGN_INT, &child_relids, &child_nulls, &nchild_relids);
    StatusMove *moves = (StatusMove *)palloc(sizeof(StatusMove) * Max(nfrom, 1));
    for (int i = 0; i < nfrom && i < nto; i++)
        moves[i] = {from[i], to[i]};
    entity->status = {nstatuses, statuses, Min(nfrom, nto), moves};
    entity->nparents = Min(nparent_entities, nparent_columns);
    entity->parents = (ParentLink *)palloc(sizeof(ParentLink) * Max(entity->nparents, 1));
    for (int i = 0; i < entity->nparents; i++)
        entity->parents[i] = {parent_entities[i], parent_columns[i]};
    entity->nchildren = Min(Min(nchild_tables, nchild_columns), nchild_entities);
    entity->children = (ChildLink *)palloc(sizeof(ChildLink) * Max(entity->nchildren, 1));
    for (int i = 0; i < entity->nchildren; i++)
        entity->children[i] = {child_tables[i], child_columns[i], child_entities[i]};
    entry->watch = (Oid *)palloc(sizeof(Oid) * (nchild_relids + 1));
    entry->watch[entry->nwatch++] = relid;
    for (int i = 0; i < nchild_relids; i++)
        entry->watch[entry->nwatch++] = DatumGetObjectId(child_relids[i]);
    Relation rel = table_open(relid, AccessShareLock);
    entity->qualified = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                                   RelationGetRelationName(rel));
    TupleDesc desc = RelationGetDescr(rel);
    entity->columns = (ColumnInfo *)palloc0(sizeof(ColumnInfo) * desc->natts);
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (att->attisdropped)
            continue;
        ColumnInfo *col = &entity->columns[entity->ncolumns++];
        col->name = pstrdup(NameStr(att->attname));
        col->kind = KindOfType(att->atttypid);
        col->not_null = att->attnotnull;
        col->generated = att->attgenerated != '\0';
        col->server_owned = IsServerOwnedColumn(col->name);
    }
    table_close(rel, NoLock);
    MemoryContextSwitchTo(caller);
    return entry;
}

// The backend's entry for the name, loaded or checked, with the table locked.
static EntityInfo *CachedEntity_Unsafe(const char *name) {
    for (CachedEntity *e = cached; e != nullptr; e = e->next) {
        if (strcmp(e->info.name, name) != 0)
            continue;
        LockRelationOid(e->info.relid, AccessShareLock); // may process invalidations: check after
        if (!e->stale)
            return &e->info;
        Retire(e);
        break;
    }
    uint64 before = invalidations;
    CachedEntity *entry = LoadEntity_Unsafe(name);
    if (entry == nullptr)
        return nullptr;
    // An invalidation during the load may concern what the registry query
    // read before the lock (a child renamed): good for this call, which holds
    // the lock, but the next one loads again.
    entry->stale = invalidations != before;
    MemoryContextSetParent(entry->cxt, cache_cxt);
    entry->next = cached;
    cached = entry;
    return &entry->info;
}

EntityInfo *LookupEntity_Unsafe(EntityCache *cache, const char *name) {
    for (EntityRef *r = cache->head; r != nullptr; r = r->next)
        if (strcmp(r->entity->name, name) == 0)
            return r->entity;
    EnsureCacheContext();
    if (!cache->checked) {
        CheckRegistry_Unsafe();
        cache->checked = true;
    }
    EntityInfo *entity = CachedEntity_Unsafe(name);
    if (entity != nullptr) {
        EntityRef *ref = (EntityRef *)palloc(sizeof(EntityRef));
        *ref = {entity, cache->head};
        cache->head = ref;
    }
    return entity;
}

static void OnRelcacheInvalidation(Datum, Oid relid) {
    invalidations++;
    for (CachedEntity *e = cached; e != nullptr; e = e->next)
        for (int i = 0; i < e->nwatch && !e->stale; i++)
            e->stale = relid == InvalidOid || e->watch[i] == relid;
}

static void OnNamespaceInvalidation(Datum, int, uint32) {
    invalidations++;
    for (CachedEntity *e = cached; e != nullptr; e = e->next)
        e->stale = true;
}

static void OnXactEnd(XactEvent event, void *) {
    if (retired_cxt != nullptr && event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
        event != XACT_EVENT_PRE_PREPARE)
        MemoryContextDeleteChildren(retired_cxt);
}

void RegisterEntityCacheCallbacks() {
    CacheRegisterRelcacheCallback(OnRelcacheInvalidation, (Datum)0);
    CacheRegisterSyscacheCallback(NAMESPACEOID, OnNamespaceInvalidation, (Datum)0);
    RegisterXactCallback(OnXactEnd, nullptr);
}

const ColumnInfo *FindColumn(const EntityInfo *entity, const char *name) {
    for (int i = 0; i < entity->ncolumns; i++)
        if (strcmp(entity->columns[i].name, name) == 0)
            return &entity->columns[i];
    return nullptr;
}

char *EntityRulesJson_Unsafe() {
    ExecCachedPlan_Unsafe("SELECT coalesce(jsonb_object_agg(entity, jsonb_build_object("
                          " 'write_roles', to_jsonb(write_roles), 'delete_roles', to_jsonb(delete_roles),"
                          " 'status', CASE WHEN status_column IS NULL THEN NULL ELSE jsonb_build_object("
                          "   'column', status_column, 'transitions', status_transitions,"
                          "   'override_roles', to_jsonb(override_roles)) END,"
                          " 'parents', parents)), '{}')::text FROM shopsync.synced_tables",
                          0, nullptr, nullptr, nullptr, true, 1);
    bool isnull;
    return TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

static int DepthBelow_Unsafe(EntityCache *cache, const EntityInfo *entity, int hops) {
    // the longest chain of parent links; a cycle (a table naming itself) stops at 16
    int depth = 0;
    for (int i = 0; entity != nullptr && i < entity->nparents && hops < 16; i++) {
        const EntityInfo *parent = LookupEntity_Unsafe(cache, entity->parents[i].entity);
        if (parent != nullptr && parent != entity)
            depth = Max(depth, 1 + DepthBelow_Unsafe(cache, parent, hops + 1));
    }
    return depth;
}

int EntityDepth_Unsafe(EntityCache *cache, const EntityInfo *entity) {
    return DepthBelow_Unsafe(cache, entity, 0);
}

char *EntityNamesJson_Unsafe() {
    ExecCachedPlan_Unsafe(
        "SELECT coalesce(jsonb_agg(entity ORDER BY entity), '[]')::text FROM shopsync.synced_tables", 0,
        nullptr, nullptr, nullptr, true, 1);
    bool isnull;
    return TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

} // namespace shopsync
