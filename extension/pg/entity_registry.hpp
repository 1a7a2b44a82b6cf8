// extension/pg/entity_registry.hpp — the synced tables a push may name, with
// the column facts needed to validate a payload before touching the table.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// How a column's values must arrive in JSON.
enum class JsonKind { String, Number, Boolean, Array, Any };

struct ColumnInfo {
    char *name;
    JsonKind kind;
    bool not_null;
    bool generated;    // GENERATED ALWAYS: computed by the server
    bool server_owned; // id, shop_id, version, updated_at, deleted_at
};

struct EntityInfo {
    char *name; // entity name clients use
    Oid relid;
    char *qualified; // quoted schema.table
    int ncolumns;
    ColumnInfo *columns;
    EntityInfo *next; // per-call list
};

// A per-call cache of looked-up entities (palloc'd in the caller's context).
struct EntityCache {
    EntityInfo *head;
};

// Looks an entity up by name; nullptr when no table is registered under it.
// Call inside SPI. Takes AccessShareLock on the table until transaction end.
EntityInfo *LookupEntity_Unsafe(EntityCache *cache, const char *name);
const ColumnInfo *FindColumn(const EntityInfo *entity, const char *name);

// Names of all registered entities as a JSON array text, sorted.
char *EntityNamesJson_Unsafe();

} // namespace shopsync
