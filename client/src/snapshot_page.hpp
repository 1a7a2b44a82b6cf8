// client/src/snapshot_page.hpp — one sync_snapshot page read without a JSON
// document: the body is validated in one pass, each row is kept as its own
// text (stored as the local row's `data` as the server sent it) with the few
// columns the device indexes taken out. A page of 5,000 rows was parsed into
// a DOM and every row dumped back to text before; that was most of the
// device's time in an initial sync.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace shopsync::client {

struct SnapshotRow {
    size_t begin = 0, size = 0; // the row object's text in the page body
    std::string id, shop_id, updated_at, deleted_at;
    bool deleted = false; // deleted_at is a string (a tombstone)
    long long version = 0;
};

struct SnapshotPage {
    std::string body;
    nlohmann::json meta = nlohmann::json::object(); // every key but "rows"
    std::vector<SnapshotRow> rows;
    std::string_view Text(const SnapshotRow &row) const { return {body.data() + row.begin, row.size}; }
};

// True when `body` is one JSON object whose "rows" is an array of objects;
// then `out` holds it (the body moved in). False for anything else (out is
// left unspecified), so a broken page is refused as a whole.
bool ParseSnapshotPage(std::string &&body, SnapshotPage *out);

// A page made from rows already parsed (tests, callers holding a document).
SnapshotPage SnapshotPageOf(const nlohmann::json &rows);

} // namespace shopsync::client
