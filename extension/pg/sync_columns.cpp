// extension/pg/sync_columns.cpp — attribute lookup of the sync columns.
#include "sync_columns.hpp"

namespace shopsync {

static AttrNumber RequireColumn_Unsafe(Relation rel, const char *name) {
    int attnum = SPI_fnumber(RelationGetDescr(rel), name);
    if (attnum <= 0)
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_COLUMN),
                 errmsg("synced table \"%s\" has no column \"%s\"", RelationGetRelationName(rel), name),
                 errhint("Every synced table needs id, shop_id, version, updated_at and "
                         "deleted_at; see shopsync.enable_sync().")));
    return (AttrNumber)attnum;
}

SyncColumns LookupSyncColumns_Unsafe(Relation rel) {
    SyncColumns cols;
    cols.id = RequireColumn_Unsafe(rel, "id");
    cols.shop_id = RequireColumn_Unsafe(rel, "shop_id");
    cols.version = RequireColumn_Unsafe(rel, "version");
    cols.updated_at = RequireColumn_Unsafe(rel, "updated_at");
    cols.deleted_at = RequireColumn_Unsafe(rel, "deleted_at");
    return cols;
}

bool IsServerOwnedColumn(const char *name) {
    return strcmp(name, "id") == 0 || strcmp(name, "shop_id") == 0 || strcmp(name, "version") == 0 ||
           strcmp(name, "updated_at") == 0 || strcmp(name, "deleted_at") == 0;
}

} // namespace shopsync
