// client/src/snapshot_page.cpp — see snapshot_page.hpp. The strict scanner of
// common/json_scan.hpp (RFC 8259, nesting up to kMaxDepth) records where each
// row starts and ends.
#include "snapshot_page.hpp"

#include "json_scan.hpp"

namespace shopsync::client {

using json = nlohmann::json;

namespace {

using Cursor = shopsync::json_scan::Cursor;

// A string's value: as written, or (rare in a row's key columns) unescaped by
// the json library, which throws on what it will not read (a lone surrogate).
std::string Unescaped(std::string_view raw, bool escaped) {
    if (!escaped)
        return std::string(raw);
    return json::parse(raw.data() - 1, raw.data() + raw.size() + 1).get<std::string>();
}

// A string value into `out`.
bool String(Cursor &s, std::string *out) {
    std::string_view raw;
    bool escaped;
    if (!s.String(&raw, &escaped))
        return false;
    if (!escaped)
        out->assign(raw.data(), raw.size());
    else
        *out = Unescaped(raw, escaped);
    return true;
}

// A row's version: a plain integer by hand (the common case), any other
// number as the json library reads it; not a number: 0.
long long Version(std::string_view text) {
    if (text.empty() || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')))
        return 0;
    bool negative = text[0] == '-';
    std::string_view digits = text.substr(negative ? 1 : 0);
    bool plain = !digits.empty() && digits.size() <= 18;
    for (char c : digits)
        plain = plain && c >= '0' && c <= '9';
    if (!plain) { // 2.0, 1e3; a value no long long holds reads as 0
        double d = json::parse(text).get<double>();
        return d > -9e18 && d < 9e18 ? (long long)d : 0;
    }
    long long v = 0;
    for (char c : digits)
        v = v * 10 + (c - '0');
    return negative ? -v : v;
}

// One row object: its key columns taken out, every value validated.
bool Row(Cursor &s, SnapshotRow *row) {
    if (!s.Peek('{'))
        return false;
    row->begin = s.Offset();
    bool ok = s.Object([&](std::string_view raw, bool escaped) {
        std::string unescaped;
        std::string_view key = raw;
        if (escaped)
            key = unescaped = Unescaped(raw, escaped);
        if (key == "id")
            return s.Peek('"') ? String(s, &row->id) : s.SkipValue(1);
        if (key == "shop_id")
            return s.Peek('"') ? String(s, &row->shop_id) : s.SkipValue(1);
        if (key == "updated_at")
            return s.Peek('"') ? String(s, &row->updated_at) : s.SkipValue(1);
        if (key == "deleted_at") {
            row->deleted = s.Peek('"');
            return row->deleted ? String(s, &row->deleted_at) : s.SkipValue(1);
        }
        if (key == "version") {
            s.Ws();
            const char *at = s.At();
            if (!s.SkipValue(1))
                return false;
            row->version = Version(std::string_view(at, (size_t)(s.At() - at)));
            return true;
        }
        return s.SkipValue(1);
    });
    if (!ok)
        return false;
    row->size = s.Offset() - row->begin;
    return true;
}

} // namespace

bool ParseSnapshotPage(std::string &&body, SnapshotPage *out) {
    out->rows.clear();
    out->meta = json::object();
    Cursor s(body);
    bool has_rows = false;
    try {
        bool ok = s.Object([&](std::string_view raw, bool escaped) {
            std::string key = Unescaped(raw, escaped);
            if (key != "rows") {
                s.Ws();
                const char *at = s.At();
                if (!s.SkipValue())
                    return false;
                out->meta[key] = json::parse(at, s.At());
                return true;
            }
            if (!s.Eat('['))
                return false;
            has_rows = true;
            out->rows.clear();
            if (s.Eat(']'))
                return true;
            do {
                out->rows.emplace_back();
                if (!Row(s, &out->rows.back()))
                    return false;
            } while (s.Eat(','));
            return s.Eat(']');
        });
        if (!ok || !s.AtEnd() || !has_rows)
            return false;
    } catch (const json::exception &) { // a number out of range, say
        return false;
    }
    out->body = std::move(body); // the rows' offsets stay valid: the text is the same
    return true;
}

SnapshotPage SnapshotPageOf(const json &rows) {
    SnapshotPage page;
    if (!ParseSnapshotPage(json{{"rows", rows}}.dump(), &page))
        throw std::invalid_argument("snapshot rows are an array of objects");
    return page;
}

} // namespace shopsync::client
