// extension/pg/entity_registry.cpp — synced-table lookup for the push path.
#include "entity_registry.hpp"

#include "json_util.hpp"
#include "plan_cache.hpp"
#include "sync_columns.hpp"

extern "C" {
#include "access/table.h"
#include "utils/array.h"
#include "catalog/pg_attribute.h"
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
    " kids AS (SELECT c.relid::regclass::text AS q, p->>'column' AS col FROM shopsync.synced_tables c,"
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
    "  ARRAY(SELECT q FROM kids ORDER BY q, col), ARRAY(SELECT col FROM kids ORDER BY q, col)"
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

static EntityInfo *LoadEntity_Unsafe(const char *name) {
    Oid argtypes[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(name)};
    ExecCachedPlan_Unsafe(kLoadEntity, 1, argtypes, values, nullptr, true, 1);
    if (SPI_processed == 0)
        return nullptr;
    bool isnull;
    Oid relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

    EntityInfo *entity = (EntityInfo *)palloc0(sizeof(EntityInfo));
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
    StatusMove *moves = (StatusMove *)palloc(sizeof(StatusMove) * Max(nfrom, 1));
    for (int i = 0; i < nfrom && i < nto; i++)
        moves[i] = {from[i], to[i]};
    entity->status = {nstatuses, statuses, Min(nfrom, nto), moves};
    entity->nparents = Min(nparent_entities, nparent_columns);
    entity->parents = (ParentLink *)palloc(sizeof(ParentLink) * Max(entity->nparents, 1));
    for (int i = 0; i < entity->nparents; i++)
        entity->parents[i] = {parent_entities[i], parent_columns[i]};
    entity->nchildren = Min(nchild_tables, nchild_columns);
    entity->children = (ChildLink *)palloc(sizeof(ChildLink) * Max(entity->nchildren, 1));
    for (int i = 0; i < entity->nchildren; i++)
        entity->children[i] = {child_tables[i], child_columns[i]};
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
    return entity;
}

EntityInfo *LookupEntity_Unsafe(EntityCache *cache, const char *name) {
    for (EntityInfo *e = cache->head; e != nullptr; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    EntityInfo *entity = LoadEntity_Unsafe(name);
    if (entity != nullptr) {
        entity->next = cache->head;
        cache->head = entity;
    }
    return entity;
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
