// gateway/src/text.hpp — text that came from the network: JSON parsing with
// a depth limit, dumps that survive invalid UTF-8, cuts on character
// boundaries. Nothing here throws on any input.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace gateway {

// Deepest nesting of arrays/objects a request body may have.
constexpr int kMaxJsonDepth = 64;

// Parses text as JSON; false (out untouched) when it is not JSON or nests
// deeper than max_depth. Deep input is refused before the parser sees it.
bool ParseJson(const std::string &text, nlohmann::json *out, int max_depth = kMaxJsonDepth);

// Nesting depth of the arrays/objects in text (strings skipped); stops
// counting once past `limit` and returns limit + 1.
int JsonDepth(const std::string &text, int limit);

// dump() that replaces invalid UTF-8 with U+FFFD instead of throwing.
std::string SafeDump(const nlohmann::json &value);

// At most max_bytes of text, never ending inside a UTF-8 sequence.
std::string CutUtf8(const std::string &text, size_t max_bytes);

} // namespace gateway
