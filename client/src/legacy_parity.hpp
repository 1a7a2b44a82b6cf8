// client/src/legacy_parity.hpp — the dual-run check (issue 16): the legacy
// local-only shop.db against the server's rows, row by row by display code,
// while both run side by side before the cutover.
// Domain words: key (how a row is matched: its display code, or for a row
// without one its name / order time; an item by its order and its line),
// missing (in the legacy file, not live on the server), extra (live on the
// server, not in the legacy file), different (both, some field differs).
#pragma once

#include "legacy_migration.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace shopsync::client {

// Compares the legacy rows (ReadLegacy: the import's own reading, so a value
// the import would change — a trimmed code, a mapped status, rounded money —
// is compared as imported) with the server's rows (entity → array of full
// rows: customers, orders, order_items; tombstones are ignored). Returns
// {"equal", "counts": {"legacy": {…}, "server": {…}}, "missing": [{entity, key, legacy}],
//  "extra": [{entity, key, server}], "different": [{entity, key, fields: [{field, legacy, server}]}],
//  "totals": {"legacy": {orders_total, items_total}, "server": {…}}}.
nlohmann::json CompareLegacy(const LegacyData &legacy, const std::map<std::string, nlohmann::json> &server);

} // namespace shopsync::client
