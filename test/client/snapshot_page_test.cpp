// test/client/snapshot_page_test.cpp — a snapshot page read without a JSON
// document: each row keeps the text the server sent, its key columns are taken
// out as the json library would, and a page that is not valid JSON is refused
// as a whole (never half stored).
#include <catch2/catch.hpp>

#include "apply.hpp"
#include "snapshot_page.hpp"
#include "sqlite_statement.hpp"

#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;

namespace {

SnapshotPage Read(const std::string &body) {
    SnapshotPage page;
    REQUIRE(ParseSnapshotPage(std::string(body), &page));
    return page;
}

bool Refused(const std::string &body) {
    SnapshotPage page;
    return !ParseSnapshotPage(std::string(body), &page);
}

} // namespace

TEST_CASE("a snapshot page's rows keep their text; the key columns come out as json reads them",
          "[snapshot]") {
    // As PostgreSQL's json_agg writes a page: rows on their own lines, numbers as numeric prints them.
    std::string row1 = R"({"id":"a-1","shop_id":"s-1","total":124.50,"tags":["x",{"k":[1,2]}],)"
                       R"("version":7,"updated_at":"2026-11-25T10:00:00+00:00","deleted_at":null})";
    std::string row2 = R"({"id":"a\u002d2","version":-3,"notes":"line\nbreak \"quoted\" caf\u00e9 café",)"
                       R"("deleted_at":"2026-11-25T11:00:00+00:00","shop_id":"s-1"})";
    std::string row3 = R"({"id":"a-3","version":2.0E0})";
    std::string body =
        "{\"entity\" : \"orders\", \"rows\" : [" + row1 + ", \n " + row2 + ",\n" + row3 +
        "], \"next_after\" : \"a-3\", \"has_more\" : true, \"cursor\" : 42, \"restore_epoch\" : null}";
    SnapshotPage page = Read(body);
    REQUIRE(page.rows.size() == 3);
    CHECK(page.Text(page.rows[0]) == row1);
    CHECK(page.Text(page.rows[1]) == row2);
    CHECK(page.Text(page.rows[2]) == row3);
    json parsed = json::parse(body);
    for (size_t i = 0; i < 3; i++) {
        const json &row = parsed["rows"][i];
        const SnapshotRow &got = page.rows[i];
        CHECK(got.id == row.value("id", ""));
        CHECK(got.shop_id == row.value("shop_id", ""));
        CHECK(got.updated_at == row.value("updated_at", ""));
        CHECK(got.version == row.value("version", 0LL));
        CHECK(got.deleted == (row.contains("deleted_at") && row["deleted_at"].is_string()));
    }
    CHECK(page.rows[1].id == "a-2"); // escapes in a key column are read
    CHECK(page.rows[1].deleted_at == "2026-11-25T11:00:00+00:00");
    CHECK(page.meta == json{{"entity", "orders"},
                            {"next_after", "a-3"},
                            {"has_more", true},
                            {"cursor", 42},
                            {"restore_epoch", nullptr}});
    CHECK(Read(R"({"rows": [], "has_more": false})").rows.empty());
}

TEST_CASE("a page that is not valid JSON, or has no array of row objects, is refused", "[snapshot]") {
    CHECK(Refused(""));
    CHECK(Refused("[]"));
    CHECK(Refused(R"({"has_more": false})"));                      // no rows
    CHECK(Refused(R"({"rows": {}})"));                             // rows not an array
    CHECK(Refused(R"({"rows": [1]})"));                            // a row not an object
    CHECK(Refused(R"({"rows": [{"id": "a"}])"));                   // cut short
    CHECK(Refused(R"({"rows": [{"id": "a"}]} x)"));                // trailing bytes
    CHECK(Refused(R"({"rows": [{"id": "a",}]})"));                 // a trailing comma
    CHECK(Refused(R"({"rows": [{"id": "a" "v": 1}]})"));           // a missing comma
    CHECK(Refused(R"({"rows": [{"n": 01}]})"));                    // a leading zero
    CHECK(Refused(R"({"rows": [{"n": 1.}]})"));                    // no fraction digits
    CHECK(Refused(R"({"rows": [{"n": tru}]})"));                   // a cut literal
    CHECK(Refused(R"({"rows": [{"s": "bad \q escape"}]})"));       // an unknown escape
    CHECK(Refused(R"({"rows": [{"s": "\u12"}]})"));                // a short \u
    CHECK(Refused("{\"rows\": [{\"s\": \"a\x01raw control\"}]}")); // a raw control character
    CHECK(Refused("{\"rows\": [{\"s\": \"\xC3\"}]}"));             // cut UTF-8
    CHECK(Refused("{\"rows\": [{\"s\": \"\xC0\xAF\"}]}"));         // overlong UTF-8
    CHECK(Refused("{\"rows\": [{\"s\": \"\xED\xA0\x80\"}]}"));     // a UTF-16 surrogate in UTF-8
    CHECK(Refused("{\"rows\": [{\"deep\": " + std::string(300, '[') + std::string(300, ']') + "}]}"));
    CHECK_FALSE(Refused("{\"rows\": [{\"deep\": " + std::string(100, '[') + std::string(100, ']') + "}]}"));
}

TEST_CASE("a snapshot row is stored with the server's text as its data", "[snapshot]") {
    std::string path = "/tmp/shopsync-snapshot-test-" + std::to_string(getpid()) + ".db";
    {
        LocalStore store(path);
        std::string row = R"({"id":"o-1","shop_id":"s-1","total":124.50,"version":2,)"
                          R"("updated_at":"2026-11-25T10:00:00+00:00","deleted_at":null})";
        SnapshotPage page = Read("{\"rows\": [" + row + "]}");
        CHECK(ApplySnapshotPage(store, "orders", page, nullptr) == 1);
        Statement st(store, "SELECT data, version, shop_id, updated_at, deleted_at IS NULL, sync_state,"
                            " json_extract(data, '$.total') FROM orders");
        REQUIRE(st.Step());
        CHECK(st.Text(0) == row);
        CHECK(st.Int(1) == 2);
        CHECK(st.Text(2) == "s-1");
        CHECK(st.Text(3) == "2026-11-25T10:00:00+00:00");
        CHECK(st.Int(4) == 1);
        CHECK(st.Text(5) == "synced");
        CHECK(st.Real(6) == 124.5);
    }
    for (const char *suffix : {"", "-wal", "-shm"})
        std::remove((path + suffix).c_str());
}
