// client/src/shop_data.hpp — what this device holds of the shop it is signed in
// to (DESIGN §7: local data, cursor, outbox and conflicts are per shop): how
// many of its writes have not reached the server, and forgetting all of it
// (a switch to another shop, or forget-shop after losing access).
#pragma once

#include "local_store.hpp"

namespace shopsync::client {

// Writes of the current shop that are not on the server: queued, refused, or
// lost to a conflict whose record the user has not dismissed yet.
int UnsentWrites(LocalStore &store);

// Removes every row, queued event, refused write and conflict record, and
// resets the cursor so the next round starts from the snapshot. Runs in the
// caller's transaction.
void ForgetShopData(LocalStore &store);

} // namespace shopsync::client
