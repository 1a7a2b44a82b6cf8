// client/src/local_query.hpp — reads of local rows for the UI: one row, or a
// filtered list; each row is the server's columns plus its sync state.
#pragma once

#include "local_store.hpp"

#include <nlohmann/json.hpp>

namespace shopsync::client {

// The row with this id (tombstones too); throws ClientError(SHOPSYNC_NOTFOUND).
nlohmann::json GetRow(LocalStore &store, const std::string &entity, const std::string &id);

// filter: {"where": {column: value}, "include_deleted": false, "order_by": column,
//          "limit": 1000, "offset": 0}; null means no filter.
nlohmann::json QueryRows(LocalStore &store, const std::string &entity, const nlohmann::json &filter);

// Throws ClientError(SHOPSYNC_INVALID) for an entity the device does not keep.
void RequireEntity(LocalStore &store, const std::string &entity);

} // namespace shopsync::client
