// test/client/json_scan_test.cpp — common/json_scan.hpp on its own: the strict
// cursor (strings, escapes, UTF-8, nesting bound, cut text, object members)
// and the lenient StringEnd the gateway's metric scan uses.
#include <catch2/catch.hpp>

#include "json_scan.hpp"

#include <string>
#include <utility>
#include <vector>

using shopsync::json_scan::Cursor;
using shopsync::json_scan::kMaxDepth;
using shopsync::json_scan::StringEnd;

namespace {

// True when text is exactly one value (whitespace around it allowed).
bool OneValue(const std::string &text, int depth = 0) {
    Cursor c(text);
    return c.SkipValue(depth) && c.AtEnd();
}

std::string Nested(int levels, const std::string &inner) {
    return std::string(levels, '[') + inner + std::string(levels, ']');
}

} // namespace

TEST_CASE("json_scan: a string comes back raw, with whether it had an escape", "[json_scan]") {
    std::string text = R"(  "plain" "a\"b\\c\/\b\f\n\r\t\u00e9" "café")";
    Cursor c(text);
    std::string_view raw;
    bool escaped = true;
    REQUIRE(c.String(&raw, &escaped));
    CHECK(raw == "plain");
    CHECK_FALSE(escaped);
    REQUIRE(c.String(&raw, &escaped));
    CHECK(raw == R"(a\"b\\c\/\b\f\n\r\t\u00e9)");
    CHECK(escaped);
    CHECK(raw.data()[-1] == '"'); // the quotes sit either side, for an unescaper
    CHECK(raw.data()[raw.size()] == '"');
    REQUIRE(c.String(&raw, &escaped));
    CHECK(raw == "café");
    CHECK_FALSE(escaped);
    CHECK(c.AtEnd());
}

TEST_CASE("json_scan: strings with bad escapes, control bytes or bad UTF-8 are refused", "[json_scan]") {
    auto refused = [](const std::string &s) {
        Cursor c(s);
        return !c.String();
    };
    CHECK(refused(R"("bad \q")"));
    CHECK(refused(R"("\u12")"));
    CHECK(refused(R"("\u12G4")"));
    CHECK(refused(std::string("\"nul \\\0\"", 8))); // a backslash before a NUL byte
    CHECK(refused("\"a\x01\""));                    // a raw control character
    CHECK(refused("\"\xC3\""));                     // cut UTF-8
    CHECK(refused("\"\xC0\xAF\""));                 // overlong
    CHECK(refused("\"\xE0\x80\xAF\""));             // overlong, three bytes
    CHECK(refused("\"\xED\xA0\x80\""));             // a UTF-16 surrogate
    CHECK(refused("\"\xF4\x90\x80\x80\""));         // past U+10FFFF
    CHECK(refused("\"\xFF\""));
    CHECK(refused("\"\x80\""));                                         // a lone continuation byte
    CHECK_FALSE(refused("\"\xF0\x9F\x98\x80 \xE2\x82\xAC \xC3\xA9\"")); // 4, 3, 2-byte sequences
    CHECK_FALSE(refused("\"\x7F\""));                                   // DEL is not a control here
    // A lone surrogate escape is well-formed to the scanner (the json library decides its value).
    CHECK_FALSE(refused(R"("\ud800")"));
}

TEST_CASE("json_scan: cut text is refused wherever it stops", "[json_scan]") {
    std::string whole = R"({"a": [1, -2.5e+3, true, false, null, "s\u00e9\n", {"b": {}}, []], "c": 0})";
    REQUIRE(OneValue(whole));
    for (size_t n = 0; n < whole.size(); n++)
        CHECK_FALSE(OneValue(whole.substr(0, n)));
    for (const char *s : {"\"abc", "\"abc\\", "\"\\u00", "tru", "nul", "-", "1.", "1e", "1e+", "{\"a\"",
                          "{\"a\":", "[1,", "{\"a\":1,"})
        CHECK_FALSE(OneValue(s));
}

TEST_CASE("json_scan: values are checked as JSON's grammar says", "[json_scan]") {
    for (const char *ok : {"0", "-0", "12", "1.5", "1E5", "1e-5", "-0.0e+0", "true", "false", "null", "\"\"",
                           "[]", "{}", " [ 1 , { \"k\" : [ ] } ] ", "{\"a\":1,\"a\":2}"})
        CHECK(OneValue(ok));
    for (const char *bad : {"01", "+1", ".5", "1.e5", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{1:2}",
                            "{\"a\"}", "[}", "{]", "True", "nulls",
                            "\x0b"
                            "1"})
        CHECK_FALSE(OneValue(bad));
}

TEST_CASE("json_scan: nesting deeper than kMaxDepth is refused, without recursion", "[json_scan]") {
    // From depth 0: a scalar may sit kMaxDepth containers deep, an empty array one more.
    CHECK(OneValue(Nested(kMaxDepth, "1")));
    CHECK_FALSE(OneValue(Nested(kMaxDepth + 1, "1")));
    CHECK(OneValue(Nested(kMaxDepth + 1, "")));
    CHECK_FALSE(OneValue(Nested(kMaxDepth + 2, "")));
    // A value already one deep (a row's column) has one level less.
    CHECK(OneValue(Nested(kMaxDepth - 1, "1"), 1));
    CHECK_FALSE(OneValue(Nested(kMaxDepth, "1"), 1));
    std::string objects;
    for (int i = 0; i < kMaxDepth; i++)
        objects += "{\"k\":";
    CHECK(OneValue(objects + "1" + std::string(kMaxDepth, '}')));
    CHECK_FALSE(OneValue(objects + "{\"k\":1}" + std::string(kMaxDepth, '}')));
    // Far deeper than any stack would take by recursion: refused, quickly.
    CHECK_FALSE(OneValue(Nested(1000000, "1")));
    CHECK_FALSE(OneValue(std::string(1000000, '[')));
}

TEST_CASE("json_scan: an object's members come one by one, keys raw", "[json_scan]") {
    std::string text = R"({"id": "x", "n\u0061me" : [1, {"deep": 2}], "z": null})";
    Cursor c(text);
    std::vector<std::pair<std::string, bool>> keys;
    REQUIRE(c.Object([&](std::string_view key, bool escaped) {
        keys.emplace_back(std::string(key), escaped);
        return c.SkipValue(1);
    }));
    CHECK(c.AtEnd());
    CHECK(keys ==
          std::vector<std::pair<std::string, bool>>{{"id", false}, {"n\\u0061me", true}, {"z", false}});

    auto object = [](const std::string &s) {
        Cursor c(s);
        return c.Object([&](std::string_view, bool) { return c.SkipValue(1); }) && c.AtEnd();
    };
    CHECK(object("{}"));
    CHECK(object(" { } "));
    CHECK_FALSE(object("[]"));
    CHECK_FALSE(object("{\"a\":1,}"));
    CHECK_FALSE(object("{\"a\":1"));
    CHECK_FALSE(object("{,}"));
    // The member refusing refuses the object.
    Cursor refuse(text);
    CHECK_FALSE(
        refuse.Object([&](std::string_view key, bool) { return key != "id" && refuse.SkipValue(1); }));
}

TEST_CASE("json_scan: StringEnd finds the closing quote past escaped ones, without checking", "[json_scan]") {
    std::string_view t = R"(x"a\"b\\"tail)";
    CHECK(StringEnd(t, 1) == 8);
    CHECK(StringEnd(R"("\\\"")", 0) == 5);
    CHECK(StringEnd("\"cut", 0) == 4);
    CHECK(StringEnd("\"cut\\\"", 0) == 6);
    CHECK(StringEnd("\"", 0) == 1);
    CHECK(StringEnd("\"\x01\xFF\\q\"", 0) == 5); // not JSON, but the quote is found
}
