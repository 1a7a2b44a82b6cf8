// extension/pg/entity_registry.cpp — synced-table lookup for the push path.
#include "entity_registry.hpp"

#include "json_util.hpp"
#include "plan_cache.hpp"
#include "sync_columns.hpp"

extern "C" {
#include "access/table.h"
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

static EntityInfo *LoadEntity_Unsafe(const char *name) {
    Oid argtypes[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(name)};
    ExecCachedPlan_Unsafe("SELECT relid::oid FROM shopsync.synced_tables WHERE entity = $1", 1, argtypes,
                          values, nullptr, true, 1);
    if (SPI_processed == 0)
        return nullptr;
    bool isnull;
    Oid relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

    EntityInfo *entity = (EntityInfo *)palloc0(sizeof(EntityInfo));
    entity->name = pstrdup(name);
    entity->relid = relid;
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

char *EntityNamesJson_Unsafe() {
    ExecCachedPlan_Unsafe(
        "SELECT coalesce(jsonb_agg(entity ORDER BY entity), '[]')::text FROM shopsync.synced_tables", 0,
        nullptr, nullptr, nullptr, true, 1);
    bool isnull;
    return TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

} // namespace shopsync
