// extension/pg/sync_columns.hpp — where a synced table keeps its sync columns.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// Attribute numbers of the columns every synced table has (DESIGN §2).
struct SyncColumns {
    AttrNumber id;
    AttrNumber shop_id;
    AttrNumber version;
    AttrNumber updated_at;
    AttrNumber deleted_at;
};

// Looks the columns up by name; ERROR if the table lacks one (it was altered
// after enable_sync).
SyncColumns LookupSyncColumns_Unsafe(Relation rel);

// True for a column the server owns: clients never write it.
bool IsServerOwnedColumn(const char *name);

} // namespace shopsync
