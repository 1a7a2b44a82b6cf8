// client/src/legacy_migration.hpp — a one-time import of the desktop app's
// local-only shop.db (integer keys) into the sync store, queued for the server.
#pragma once

#include "local_store.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace shopsync::client {

struct LegacyReport {
    int customers = 0, orders = 0, order_items = 0;
    bool settings = false; // the legacy shop_settings were queued
    // The legacy users, as members to invite (email, role); never a password.
    std::vector<std::pair<std::string, std::string>> members;
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
// Optional tables (older files lack them):
//  * shop_settings (key, value): shop_name, currency, tax_rate, timezone become the
//    shop's settings row (an update of the one the device holds, else a create);
//    other keys warn;
//  * users (email, role, …): listed as members to invite (report.members, kept in
//    sync_kv "legacy_members"); admin/owner → owner, manager/staff/cashier/clerk →
//    staff, anything else → viewer; password columns are never read.
LegacyReport MigrateLegacy(LocalStore &store, const std::string &legacy_path);

// One legacy row as the import takes it: its legacy id, display code ("" for
// none), a label naming it in messages, its payload as it would be queued
// (without its parent link), and the legacy id of its parent (an order's
// customer, an item's order) when it has one that exists.
struct LegacyRow {
    long long id;
    std::string code, label;
    nlohmann::json payload;
    long long parent;
    bool has_parent;
};
struct LegacyData {
    std::vector<LegacyRow> customers, orders, items; // in legacy id order
    nlohmann::json settings;                         // shop_settings payload, or null
    LegacyReport report;                             // counts, members and warnings
};

// Reads the legacy file (read-only) with every rule above: the one reading
// both the import and the parity check (legacy_parity.hpp) use. The code maps
// hold codes already taken (code → what holds it): a clash refuses the read.
LegacyData ReadLegacy(const std::string &legacy_path, std::map<std::string, std::string> customer_codes = {},
                      std::map<std::string, std::string> order_codes = {});

} // namespace shopsync::client
