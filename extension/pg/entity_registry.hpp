// extension/pg/entity_registry.hpp — the synced tables a push may name, with
// the column facts needed to validate a payload before touching the table.
#pragma once

#include "pg_headers.hpp"
#include "rules.hpp"

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

// A link from a child entity to its parent through a uuid column of the child.
struct ParentLink {
    char *entity; // the parent's entity name
    char *column; // the child's column holding the parent's id
};
struct ChildLink {
    char *qualified; // the child's quoted schema.table
    char *column;    // its column holding this entity's id
    char *entity;    // the child's entity name
};

// An entity with its rules, as registered in shopsync.synced_tables.
struct EntityInfo {
    char *name; // entity name clients use
    Oid relid;
    char *qualified; // quoted schema.table
    int ncolumns;
    ColumnInfo *columns;
    EntityRules rules;
    char *status_column; // nullptr without a status lifecycle
    StatusRules status;
    int nparents;
    ParentLink *parents;
    int nchildren;
    ChildLink *children;
};

// The entities one call has looked up (its list palloc'd in the caller's
// context; zero-initialise it at the call's start). The EntityInfo they point
// to belong to the backend's cache and stay valid until transaction end.
struct EntityRef;
struct EntityCache {
    EntityRef *head;
    bool checked; // the registry was compared with the backend's cache this call
};

// Looks an entity up by name; nullptr when no table is registered under it.
// Call inside SPI. Takes AccessShareLock on the table until transaction end.
// Within one call an entity is looked up once; across calls the backend
// keeps it while the registry and the table's columns stay the same.
EntityInfo *LookupEntity_Unsafe(EntityCache *cache, const char *name);
const ColumnInfo *FindColumn(const EntityInfo *entity, const char *name);

// Names of all registered entities as a JSON array text, sorted.
char *EntityNamesJson_Unsafe();

// Every entity's rules as a JSON object text, keyed by entity (the shape
// api.sync_health() serves and enable_sync() takes).
char *EntityRulesJson_Unsafe();

// How many parent links lead from the entity to a root (0 for none); parents
// of a write group apply before their children by this depth.
int EntityDepth_Unsafe(EntityCache *cache, const EntityInfo *entity);

// Registers the invalidation callbacks of the backend's entity cache (_PG_init).
void RegisterEntityCacheCallbacks();

} // namespace shopsync
