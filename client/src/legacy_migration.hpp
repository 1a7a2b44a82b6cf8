// client/src/legacy_migration.hpp — a one-time import of the desktop app's
// local-only shop.db (integer keys) into the sync store, queued for the server.
#pragma once

#include "local_store.hpp"

#include <string>
#include <vector>

namespace shopsync::client {

struct LegacyReport {
    int customers = 0, orders = 0, order_items = 0;
    std::vector<std::string> warnings;
};

// Imports a legacy integer-keyed shop.db (opened read-only, never modified) into the sync store:
// every row gets a uuid, display codes are kept, orders and items are rewired to their
// parents' uuids, and every row is queued as a create (parents before children) — all in
// one SQLite transaction, so a failure leaves the store unchanged. Throws ClientError with a
// clear message (missing file, not a legacy db / missing table or column, already imported, bad data).
//
// Data rules (see legacy_migration.cpp for the status map):
//  * bad values refuse the whole import, naming the row: a quantity <= 0, negative money,
//    a non-numeric number, text longer than the server allows (its column's characters or
//    shopsync_limits.h's bytes), invalid UTF-8, an
//    unreadable created_at, a display code used twice (or already held by a live row of the store);
//  * broken references warn: an order whose customer is gone keeps no customer; an item
//    whose order is gone is skipped (and not counted);
//  * an unknown status becomes pending; a blank name becomes "(no name)"; both warn;
//  * NULL or empty optional text (codes included) is left out; NULL money is 0.
LegacyReport MigrateLegacy(LocalStore &store, const std::string &legacy_path);

} // namespace shopsync::client
