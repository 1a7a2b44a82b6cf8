// gateway/src/text.cpp — see text.hpp.
#include "text.hpp"

namespace gateway {

int JsonDepth(const std::string &text, int limit) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest)
                deepest = depth;
            if (deepest > limit)
                return limit + 1;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

bool ParseJson(const std::string &text, nlohmann::json *out, int max_depth) {
    if (JsonDepth(text, max_depth) > max_depth)
        return false;
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded())
        return false;
    *out = std::move(parsed);
    return true;
}

std::string SafeDump(const nlohmann::json &value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string CutUtf8(const std::string &text, size_t max_bytes) {
    if (text.size() <= max_bytes)
        return text;
    size_t end = max_bytes;
    // Step back over continuation bytes (10xxxxxx) to the start of the cut
    // character, then drop that character too since it is incomplete.
    while (end > 0 && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    return text.substr(0, end);
}

} // namespace gateway
