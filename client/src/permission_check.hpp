// client/src/permission_check.hpp — the offline pre-check (DESIGN §7): the
// device caches its role and the server's rules (api.sync_health, protocol 2:
// per entity write_roles, delete_roles, a status column with its transitions
// and override_roles) and refuses at once, with the server's reason codes and
// messages, a write the server would refuse: a viewer's write, a delete or
// change the role may not make, a status move the transitions do not allow
// (unless an owner overrides). Without a cached role or rules it allows all:
// the server decides.
#pragma once

#include "local_store.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace shopsync::client {

// Throws ClientError(SHOPSYNC_FORBIDDEN, "<reason>: <message>") when the server
// would refuse the write. `op` is "create", "update" or "delete"; `current`
// is the row as the device holds it (null for a create).
void CheckAllowed(LocalStore &store, const std::string &entity, const std::string &op,
                  const nlohmann::json &current, const nlohmann::json &payload, bool override);

} // namespace shopsync::client
