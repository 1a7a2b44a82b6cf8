// test/fuzz/json_scan_fuzz.cpp — libFuzzer target: any text through
// common/json_scan.hpp (the strict cursor, its object walk, the lenient
// StringEnd) and the gateway's scans built on it (ForEachChangeTime,
// TopLevelObject). Beyond no crash: the strict cursor agrees with the json
// library on what is one JSON value (but for the cases named below), and a
// string it reads ends where StringEnd says.
#include "json_scan.hpp"
#include "metrics.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>

using shopsync::json_scan::Cursor;
using shopsync::json_scan::kMaxDepth;
using shopsync::json_scan::StringEnd;

// Deepest container nesting, strings skipped (the fuzz input need not be JSON).
static int Nesting(std::string_view text) {
    int depth = 0, deepest = 0;
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] == '"')
            i = StringEnd(text, i);
        else if (text[i] == '{' || text[i] == '[')
            deepest = std::max(deepest, ++depth);
        else if (text[i] == '}' || text[i] == ']')
            depth--;
    }
    return deepest;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string input(reinterpret_cast<const char *>(data), size);
    std::string_view text(input);

    // 1. The whole input as one value, strict.
    Cursor whole(text);
    bool ours = whole.SkipValue() && whole.AtEnd();
    try {
        (void)nlohmann::json::parse(input);
        // The library takes it: so do we, unless nesting is past our bound or
        // the library skipped what JSON does not have (a BOM, text after a NUL).
        if (!ours && Nesting(text) <= kMaxDepth && text.find('\0') == std::string_view::npos &&
            text.rfind("\xEF\xBB\xBF", 0) != 0)
            std::abort();
    } catch (const nlohmann::json::out_of_range &) { // 1e400: JSON, but no double holds it
    } catch (const nlohmann::json::parse_error &) {
        // We take it: so does the library, unless a \u escape is a lone surrogate.
        if (ours && text.find("\\u") == std::string_view::npos)
            std::abort();
    }

    // 2. A string read strictly ends where the lenient scan says.
    Cursor str(text);
    str.Ws();
    size_t open = str.Offset();
    std::string_view raw;
    bool escaped = false;
    if (str.Peek('"') && str.String(&raw, &escaped)) {
        if (StringEnd(text, open) != open + 1 + raw.size() || raw.data() != text.data() + open + 1 ||
            escaped != (raw.find('\\') != std::string_view::npos))
            std::abort();
    }

    // 3. An object's members: each key sits between quotes in the text.
    Cursor object(text);
    object.Object([&](std::string_view key, bool) {
        if (key.data() <= text.data() || key.data()[-1] != '"' || key.data()[key.size()] != '"')
            std::abort();
        return object.SkipValue(1);
    });

    // 4. The gateway's lenient scans: every value they hand out lies in the text.
    gateway::ForEachChangeTime(text, [&](std::string_view v) {
        if (v.data() < text.data() || v.data() + v.size() > text.data() + text.size())
            std::abort();
    });
    std::string outbox;
    if (gateway::TopLevelObject(input, "outbox", &outbox) && (outbox.empty() || outbox.front() != '{'))
        std::abort();
    return 0;
}
