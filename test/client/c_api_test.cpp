// test/client/c_api_test.cpp — the C API as a binding sees it: through
// shopsync.h only. Result codes, messages, ownership of returned strings,
// bad input that changes nothing, and the worker's start/stop.
#include <catch2/catch.hpp>

#include "shopsync/shopsync.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <unistd.h>

using json = nlohmann::json;

namespace {

struct ApiDb {
    std::string path =
        "/tmp/shopsync-capi-test-" + std::to_string(getpid()) + "-" + std::to_string(rand()) + ".db";
    ~ApiDb() {
        for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
            std::remove((path + suffix).c_str());
    }
};

// Takes ownership of a returned string and parses it.
json Parse(char *text) {
    REQUIRE(text != nullptr);
    json value = json::parse(text);
    shopsync_free(text);
    return value;
}

json Status(shopsync_client *h) {
    char *out = nullptr;
    REQUIRE(shopsync_status(h, &out) == SHOPSYNC_OK);
    return Parse(out);
}

struct Opened {
    ApiDb file;
    shopsync_client *h = nullptr;
    Opened() { REQUIRE(shopsync_open(file.path.c_str(), &h) == SHOPSYNC_OK); }
    ~Opened() { shopsync_close(h); }
};

std::string last_source, last_entity;
void OnChange(void *context, const char *source, const char *entity) {
    (*static_cast<int *>(context))++;
    last_source = source;
    last_entity = entity;
}

} // namespace

TEST_CASE("open, close and errors: codes with a message, NULLs are misuse", "[capi]") {
    shopsync_client *h = nullptr;
    CHECK(shopsync_open("/", &h) != SHOPSYNC_OK); // a directory is no database
    REQUIRE(h != nullptr);                        // a handle even so, to say why
    CHECK(std::string(shopsync_errmsg(h)).find("/") != std::string::npos);
    CHECK(shopsync_close(h) == SHOPSYNC_OK);
    CHECK(shopsync_close(nullptr) == SHOPSYNC_OK);
    CHECK(shopsync_open(nullptr, &h) == SHOPSYNC_MISUSE);
    shopsync_close(h);
    CHECK(shopsync_open("x.db", nullptr) == SHOPSYNC_MISUSE);
    CHECK(shopsync_status(nullptr, nullptr) == SHOPSYNC_MISUSE);
    CHECK(std::string(shopsync_libversion()) == SHOPSYNC_VERSION); // test/cli compares it with the Makefile

    Opened db;
    char *out = reinterpret_cast<char *>(0x1); // failures set out parameters to NULL
    CHECK(shopsync_create(db.h, nullptr, "{}", &out) == SHOPSYNC_MISUSE);
    CHECK(out == nullptr);
    CHECK(std::string(shopsync_errmsg(db.h)) == "entity is required");
    CHECK(shopsync_update(db.h, "customers", nullptr, "{}") == SHOPSYNC_MISUSE);
    CHECK(shopsync_update_flags(db.h, "customers", "x", "{}", 8) == SHOPSYNC_MISUSE);
}

TEST_CASE("local rows round-trip as JSON with their sync state", "[capi]") {
    Opened db;
    char *id = nullptr;
    REQUIRE(shopsync_create(db.h, "customers", R"({"name": "Zoë Müller", "customer_code": "C-1"})", &id) ==
            SHOPSYNC_OK);
    std::string ann = id;
    shopsync_free(id);
    CHECK(std::string(shopsync_errmsg(db.h)).empty());
    char *out = nullptr;
    REQUIRE(shopsync_get(db.h, "customers", ann.c_str(), &out) == SHOPSYNC_OK);
    json row = Parse(out);
    CHECK(row["name"] == "Zoë Müller");
    CHECK(row["sync_state"] == "pending_create");
    CHECK(row["version"] == 0);

    REQUIRE(shopsync_update(db.h, "customers", ann.c_str(), R"({"phone": "555"})") == SHOPSYNC_OK);
    REQUIRE(shopsync_create(db.h, "customers", R"({"name": "Bob", "customer_code": "C-2"})", &id) ==
            SHOPSYNC_OK);
    std::string bob = id;
    shopsync_free(id);
    CHECK(Status(db.h)["pending"] == 2); // the update folded into the unsent create

    REQUIRE(shopsync_query(db.h, "customers", R"({"where": {"customer_code": "C-1"}})", &out) == SHOPSYNC_OK);
    json rows = Parse(out);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["phone"] == "555");
    REQUIRE(shopsync_query(db.h, "customers", R"({"order_by": "name", "limit": 1, "offset": 1})", &out) ==
            SHOPSYNC_OK);
    CHECK(Parse(out)[0]["name"] == "Zoë Müller"); // Bob, then Zoë

    // A synced row deleted: a tombstone, out of lists unless asked for.
    sqlite3 *raw = nullptr;
    sqlite3_open(db.file.path.c_str(), &raw);
    sqlite3_exec(
        raw,
        ("DELETE FROM sync_outbox; UPDATE customers SET sync_state = 'synced', version = 1 WHERE id = '" +
         bob + "'")
            .c_str(),
        nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    REQUIRE(shopsync_delete(db.h, "customers", bob.c_str()) == SHOPSYNC_OK);
    REQUIRE(shopsync_get(db.h, "customers", bob.c_str(), &out) == SHOPSYNC_OK);
    CHECK(Parse(out)["deleted_at"].is_string());
    REQUIRE(shopsync_query(db.h, "customers", nullptr, &out) == SHOPSYNC_OK);
    CHECK(Parse(out).size() == 1);
    REQUIRE(shopsync_query(db.h, "customers", R"({"include_deleted": true})", &out) == SHOPSYNC_OK);
    CHECK(Parse(out).size() == 2);
}

TEST_CASE("bad input gets SHOPSYNC_INVALID or NOTFOUND and changes nothing", "[capi]") {
    Opened db;
    char *out = nullptr;
    struct Case {
        const char *entity, *json;
    };
    for (Case c :
         {Case{"customers", "{not json"}, Case{"customers", "[1, 2]"}, Case{"nonsense", "{\"a\": 1}"},
          Case{"customers", "{\"version\": 9}"}, Case{"customers", "{\"shop_id\": \"x\"}"}}) {
        CAPTURE(c.entity, c.json);
        CHECK(shopsync_create(db.h, c.entity, c.json, &out) == SHOPSYNC_INVALID);
        CHECK(out == nullptr);
        CHECK_FALSE(std::string(shopsync_errmsg(db.h)).empty());
    }
    CHECK(shopsync_update(db.h, "customers", "no-such-id", "{\"name\": \"x\"}") == SHOPSYNC_NOTFOUND);
    CHECK(shopsync_delete(db.h, "customers", "no-such-id") == SHOPSYNC_NOTFOUND);
    CHECK(shopsync_get(db.h, "customers", "no-such-id", &out) == SHOPSYNC_NOTFOUND);
    for (const char *filter :
         {R"({"where": {"x') OR 1=1 --": 1}})", R"({"order_by": "name; DROP TABLE customers"})",
          R"({"where": {"name": [1]}})", R"({"limit": -1})", "[]"}) {
        CAPTURE(filter);
        CHECK(shopsync_query(db.h, "customers", filter, &out) == SHOPSYNC_INVALID);
    }
    CHECK(Status(db.h)["pending"] == 0);
    CHECK(shopsync_set_server(db.h, "ftp://example.com") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_option(db.h, "colour", "blue") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_option(db.h, "interval_min", "soon") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_option(db.h, "verify_tls", "maybe") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_option(db.h, "verify_tls", "1") == SHOPSYNC_OK);
    CHECK(shopsync_add_entity(db.h, "sync_outbox") == SHOPSYNC_INVALID);
    CHECK(shopsync_add_entity(db.h, "products") == SHOPSYNC_OK);
    CHECK(shopsync_create(db.h, "products", R"({"sku": "A-1"})", &out) == SHOPSYNC_OK);
    shopsync_free(out);
}

TEST_CASE("sync without a server or without a network: a clear code, writes stay queued", "[capi]") {
    Opened db;
    char *out = nullptr;
    REQUIRE(shopsync_create(db.h, "customers", R"({"name": "Ann"})", &out) == SHOPSYNC_OK);
    shopsync_free(out);
    CHECK(shopsync_sync_now(db.h, &out) == SHOPSYNC_NOT_CONFIGURED);
    json report = Parse(out); // the report comes even when the round fails
    CHECK(report["ok"] == false);
    CHECK(shopsync_login(db.h, "a@b.c", "pw", nullptr) == SHOPSYNC_NOT_CONFIGURED);

    REQUIRE(shopsync_set_server(db.h, "http://127.0.0.1:1") == SHOPSYNC_OK); // nothing listens there
    CHECK(shopsync_login(db.h, "a@b.c", "pw", nullptr) == SHOPSYNC_NETWORK);
    sqlite3 *raw = nullptr; // as if signed in earlier
    sqlite3_open(db.file.path.c_str(), &raw);
    sqlite3_exec(raw,
                 "INSERT OR REPLACE INTO sync_kv VALUES ('access_token', 't'), ('refresh_token', 'r'),"
                 " ('access_expires_at', '99999999999')",
                 nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    CHECK(shopsync_sync_now(db.h, &out) == SHOPSYNC_NETWORK);
    CHECK(Parse(out)["error"].get<std::string>().find("cannot reach the server") != std::string::npos);
    json status = Status(db.h);
    CHECK(status["pending"] == 1);
    CHECK(status["last_error"].is_string());
    CHECK(status["signed_in"] == true);
}

TEST_CASE("the change callback, conflict records and the worker's life cycle", "[capi]") {
    Opened db;
    int seen = 0;
    REQUIRE(shopsync_on_change(db.h, OnChange, &seen) == SHOPSYNC_OK);
    char *out = nullptr;
    REQUIRE(shopsync_create(db.h, "orders", R"({"status": "pending"})", &out) == SHOPSYNC_OK);
    shopsync_free(out);
    CHECK(seen == 1);
    CHECK(last_source == "local");
    CHECK(last_entity == "orders");
    REQUIRE(shopsync_on_change(db.h, nullptr, nullptr) == SHOPSYNC_OK);
    REQUIRE(shopsync_create(db.h, "orders", R"({"status": "pending"})", &out) == SHOPSYNC_OK);
    shopsync_free(out);
    CHECK(seen == 1);

    sqlite3 *raw = nullptr;
    sqlite3_open(db.file.path.c_str(), &raw);
    sqlite3_exec(
        raw,
        "INSERT INTO sync_conflicts (entity_type, entity_id, local_payload, server_record, created_at)"
        " VALUES ('orders', 'o1', '{\"notes\":\"mine\"}', '{\"id\":\"o1\",\"version\":5}', 1)",
        nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    REQUIRE(shopsync_conflicts(db.h, &out) == SHOPSYNC_OK);
    json conflicts = Parse(out);
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts[0]["local_payload"]["notes"] == "mine");
    CHECK(Status(db.h)["conflicts"] == 1);
    CHECK(shopsync_dismiss_conflict(db.h, conflicts[0]["id"].get<int64_t>()) == SHOPSYNC_OK);
    CHECK(shopsync_dismiss_conflict(db.h, conflicts[0]["id"].get<int64_t>()) == SHOPSYNC_NOTFOUND);
    REQUIRE(shopsync_conflicts(db.h, &out) == SHOPSYNC_OK);
    CHECK(Parse(out).empty());

    CHECK(shopsync_start(db.h) == SHOPSYNC_OK);
    CHECK(shopsync_start(db.h) == SHOPSYNC_OK); // idempotent
    CHECK(Status(db.h)["worker_running"] == true);
    CHECK(shopsync_stop(db.h) == SHOPSYNC_OK);
    CHECK(shopsync_stop(db.h) == SHOPSYNC_OK);
    CHECK(Status(db.h)["worker_running"] == false);
    CHECK(shopsync_start(db.h) == SHOPSYNC_OK); // closing a running handle stops its worker
}

TEST_CASE("the device id is made once and kept", "[capi]") {
    ApiDb file;
    shopsync_client *h = nullptr;
    REQUIRE(shopsync_open(file.path.c_str(), &h) == SHOPSYNC_OK);
    char *first = nullptr, *again = nullptr;
    REQUIRE(shopsync_device_id(h, &first) == SHOPSYNC_OK);
    shopsync_close(h);
    REQUIRE(shopsync_open(file.path.c_str(), &h) == SHOPSYNC_OK);
    REQUIRE(shopsync_device_id(h, &again) == SHOPSYNC_OK);
    CHECK(std::string(first) == again);
    CHECK(std::string(first).rfind("device-", 0) == 0);
    CHECK(shopsync_set_device_id(h, "bad id!") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_device_id(h, "") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_device_id(h, "desk-7.front_counter") == SHOPSYNC_OK);
    shopsync_free(again);
    REQUIRE(shopsync_device_id(h, &again) == SHOPSYNC_OK);
    CHECK(std::string(again) == "desk-7.front_counter");
    shopsync_free(first);
    shopsync_free(again);
    shopsync_close(h);
}

namespace {

// What a refused edit leaves behind (the refusal itself is the engine tests'):
// the row failed, its attempt in sync_failed, the server's image beside it.
int64_t Refuse(Opened &db, const std::string &id, const std::string &reason) {
    sqlite3 *raw = nullptr;
    sqlite3_open(db.file.path.c_str(), &raw);
    std::string sql = "INSERT INTO sync_failed (entity_type, entity_id, op, payload_json, base_version, "
                      "reason, message, failed_at)"
                      " SELECT entity_type, entity_id, op, payload_json, base_version, '" +
                      reason +
                      "', 'refused', 1"
                      " FROM sync_outbox WHERE entity_id = '" +
                      id +
                      "';"
                      "DELETE FROM sync_outbox; UPDATE customers SET sync_state = 'failed', last_error = '" +
                      reason + ": refused' WHERE id = '" + id + "';";
    sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    char *out = nullptr;
    REQUIRE(shopsync_failed_writes(db.h, &out) == SHOPSYNC_OK);
    json failed = Parse(out);
    REQUIRE(failed.size() == 1);
    return failed[0]["id"].get<int64_t>();
}

json Outbox(Opened &db) {
    sqlite3 *raw = nullptr;
    sqlite3_open(db.file.path.c_str(), &raw);
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(raw, "SELECT op, payload_json, base_version, override FROM sync_outbox ORDER BY id",
                       -1, &st, nullptr);
    json out = json::array();
    while (sqlite3_step(st) == SQLITE_ROW)
        out.push_back({(const char *)sqlite3_column_text(st, 0),
                       json::parse((const char *)sqlite3_column_text(st, 1)), sqlite3_column_int64(st, 2),
                       sqlite3_column_int64(st, 3)});
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return out;
}

} // namespace

TEST_CASE(
    "refused writes: listed with reason, attempt and server row; retried, edited, overridden, discarded",
    "[capi][issue10]") {
    Opened db;
    char *id_out = nullptr;
    REQUIRE(shopsync_create(db.h, "customers", R"({"customer_code": "C-1", "name": "Ann"})", &id_out) ==
            SHOPSYNC_OK);
    std::string id = id_out;
    shopsync_free(id_out);
    sqlite3 *raw = nullptr; // as if synced at version 3
    sqlite3_open(db.file.path.c_str(), &raw);
    sqlite3_exec(raw,
                 ("DELETE FROM sync_outbox; UPDATE customers SET sync_state = 'synced', version = 3,"
                  " data = json_set(data, '$.version', 3) WHERE id = '" +
                  id + "'")
                     .c_str(),
                 nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    REQUIRE(shopsync_update(db.h, "customers", id.c_str(), R"({"name": "Ann Lee"})") == SHOPSYNC_OK);
    int64_t failure = Refuse(db, id, "forbidden");
    char *out = nullptr;

    SECTION("listed with its reason, the attempt, the row as shown and the server's row") {
        REQUIRE(shopsync_failed_writes(db.h, &out) == SHOPSYNC_OK);
        json f = Parse(out)[0];
        CHECK(f["entity"] == "customers");
        CHECK(f["entity_id"] == id);
        CHECK(f["op"] == "update");
        CHECK(f["reason"] == "forbidden");
        CHECK(f["attempt"] == json{{"name", "Ann Lee"}});
        CHECK(f["local_row"]["name"] == "Ann Lee");
        CHECK(f["server_row"]["name"] == "Ann");
        CHECK(f["server_row"]["version"] == 3);
        json status = Status(db.h);
        REQUIRE(status["failed"].size() == 1);
        CHECK(status["failed"][0]["failure_id"] == failure);
        CHECK(status["failed"][0]["reason"] == "forbidden");
    }
    SECTION("retry queues it again against the server's version; an owner's retry carries the override") {
        REQUIRE(shopsync_retry_failed(db.h, failure, nullptr, SHOPSYNC_WRITE_OVERRIDE) == SHOPSYNC_OK);
        CHECK(Outbox(db) == json::array({json::array({"update", {{"name", "Ann Lee"}}, 3, 1})}));
        REQUIRE(shopsync_get(db.h, "customers", id.c_str(), &out) == SHOPSYNC_OK);
        json row = Parse(out);
        CHECK(row["sync_state"] == "pending_update");
        CHECK(row["last_error"].is_null());
        REQUIRE(shopsync_failed_writes(db.h, &out) == SHOPSYNC_OK);
        CHECK(Parse(out).empty());
        CHECK(shopsync_retry_failed(db.h, failure, nullptr, 0) == SHOPSYNC_NOTFOUND);
    }
    SECTION("edit and retry: the changes merge into the attempt") {
        REQUIRE(shopsync_retry_failed(db.h, failure, R"({"phone": "555"})", 0) == SHOPSYNC_OK);
        CHECK(Outbox(db) ==
              json::array({json::array({"update", {{"name", "Ann Lee"}, {"phone", "555"}}, 3, 0})}));
        REQUIRE(shopsync_get(db.h, "customers", id.c_str(), &out) == SHOPSYNC_OK);
        CHECK(Parse(out)["phone"] == "555");
    }
    SECTION("editing the failed row with shopsync_update retries it too") {
        REQUIRE(shopsync_update(db.h, "customers", id.c_str(), R"({"phone": "556"})") == SHOPSYNC_OK);
        CHECK(Outbox(db) ==
              json::array({json::array({"update", {{"name", "Ann Lee"}, {"phone", "556"}}, 3, 0})}));
    }
    SECTION("discard: the server's row comes back, synced") {
        REQUIRE(shopsync_discard_failed(db.h, failure) == SHOPSYNC_OK);
        REQUIRE(shopsync_get(db.h, "customers", id.c_str(), &out) == SHOPSYNC_OK);
        json row = Parse(out);
        CHECK(row["name"] == "Ann");
        CHECK(row["version"] == 3);
        CHECK(row["sync_state"] == "synced");
        CHECK(Outbox(db).empty());
        CHECK(Status(db.h)["failed"].empty());
        CHECK(shopsync_discard_failed(db.h, failure) == SHOPSYNC_NOTFOUND);
    }
    SECTION("a retry the server would refuse again is refused at once (a viewer), the failure kept") {
        sqlite3 *viewer = nullptr;
        sqlite3_open(db.file.path.c_str(), &viewer);
        sqlite3_exec(viewer, "INSERT OR REPLACE INTO sync_kv VALUES ('shop_role', 'viewer')", nullptr,
                     nullptr, nullptr);
        sqlite3_close(viewer);
        CHECK(shopsync_retry_failed(db.h, failure, nullptr, 0) == SHOPSYNC_FORBIDDEN);
        CHECK(std::string(shopsync_errmsg(db.h)).rfind("forbidden: viewers cannot change data", 0) == 0);
        CHECK(Outbox(db).empty());
        REQUIRE(shopsync_failed_writes(db.h, &out) == SHOPSYNC_OK);
        CHECK(Parse(out).size() == 1);
    }
    SECTION("bad input changes nothing") {
        CHECK(shopsync_retry_failed(db.h, failure, "[1]", 0) == SHOPSYNC_INVALID);
        CHECK(shopsync_retry_failed(db.h, failure, R"({"version": 9})", 0) == SHOPSYNC_INVALID);
        CHECK(shopsync_retry_failed(db.h, failure, nullptr, 4) == SHOPSYNC_MISUSE);
        CHECK(shopsync_retry_failed(nullptr, failure, nullptr, 0) == SHOPSYNC_MISUSE);
        CHECK(shopsync_discard_failed(nullptr, failure) == SHOPSYNC_MISUSE);
        CHECK(shopsync_failed_writes(db.h, nullptr) == SHOPSYNC_OK);
        out = reinterpret_cast<char *>(1);
        CHECK(shopsync_failed_writes(nullptr, &out) == SHOPSYNC_MISUSE);
        CHECK(out == nullptr);
        CHECK(Outbox(db).empty());
        REQUIRE(shopsync_failed_writes(db.h, &out) == SHOPSYNC_OK);
        CHECK(Parse(out).size() == 1);
    }
}

TEST_CASE("a refused create discarded goes: the server never had it", "[capi][issue10]") {
    Opened db;
    char *id_out = nullptr;
    REQUIRE(shopsync_create(db.h, "customers", R"({"name": "Ann"})", &id_out) == SHOPSYNC_OK);
    std::string id = id_out;
    shopsync_free(id_out);
    int64_t failure = Refuse(db, id, "duplicate_code");
    char *out = nullptr;
    REQUIRE(shopsync_failed_writes(db.h, &out) == SHOPSYNC_OK);
    CHECK(Parse(out)[0]["server_row"].is_null());
    REQUIRE(shopsync_discard_failed(db.h, failure) == SHOPSYNC_OK);
    CHECK(shopsync_get(db.h, "customers", id.c_str(), &out) == SHOPSYNC_NOTFOUND);
    CHECK(out == nullptr);
}

TEST_CASE("shopsync_write_group: several writes as one, all or nothing, ids in order", "[capi][groups]") {
    Opened db;
    char *out = nullptr;
    const char *group = R"([{"op": "create", "entity": "orders", "id": "11111111-1111-4111-8111-111111111111",
                             "row": {"order_code": "O-1"}},
                            {"op": "create", "entity": "order_items",
                             "row": {"order_id": "11111111-1111-4111-8111-111111111111", "product_name": "Tea"}}])";
    REQUIRE(shopsync_write_group(db.h, group, &out) == SHOPSYNC_OK);
    json ids = Parse(out);
    REQUIRE(ids.size() == 2);
    CHECK(ids[0] == "11111111-1111-4111-8111-111111111111");
    CHECK(Status(db.h)["pending"] == 2);
    SECTION("one bad write: nothing is written, the reason says which") {
        for (const char *bad : {R"([{"op": "create", "entity": "orders", "row": {"order_code": "O-2"}},
                                    {"op": "update", "entity": "orders", "id": "nope", "row": {"notes": "x"}}])",
                                R"([{"op": "create", "entity": "orders", "row": {"version": 3}}])",
                                R"([{"op": "upsert", "entity": "orders", "row": {}}])",
                                R"([{"op": "update", "entity": "orders", "row": {}}])", R"([])",
                                R"({"op": "create"})", "not json"}) {
            CAPTURE(bad);
            out = reinterpret_cast<char *>(1);
            int rc = shopsync_write_group(db.h, bad, &out);
            CHECK((rc == SHOPSYNC_INVALID || rc == SHOPSYNC_NOTFOUND));
            CHECK(out == nullptr);
            CHECK(std::string(shopsync_errmsg(db.h)).size() > 0);
            CHECK(Status(db.h)["pending"] == 2);
        }
        CHECK(shopsync_write_group(db.h, nullptr, &out) == SHOPSYNC_MISUSE);
        CHECK(shopsync_write_group(nullptr, group, &out) == SHOPSYNC_MISUSE);
    }
    SECTION("the ids may be ignored") {
        CHECK(shopsync_write_group(db.h,
                                   R"([{"op": "create", "entity": "customers", "row": {"name": "Bo"}}])",
                                   nullptr) == SHOPSYNC_OK);
        CHECK(Status(db.h)["pending"] == 3);
    }
}

TEST_CASE("shopsync_forget_shop drops the shop's rows, writes and cursor and signs out", "[capi][moveout]") {
    Opened db;
    char *out = nullptr;
    REQUIRE(shopsync_create(db.h, "customers", R"({"name": "Ann"})", &out) == SHOPSYNC_OK);
    shopsync_free(out);
    sqlite3 *raw = nullptr;
    sqlite3_open(db.file.path.c_str(), &raw);
    sqlite3_exec(raw,
                 "INSERT OR REPLACE INTO sync_kv VALUES ('refresh_token', 'r'), ('shop_id', 'shop-a'),"
                 " ('cursor', '42'), ('access_lost', 'HTTP 403: not a member')",
                 nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    json status = Status(db.h);
    CHECK(status["access_lost"] == "HTTP 403: not a member");
    CHECK(status["signed_in"] == true);
    REQUIRE(shopsync_forget_shop(db.h) == SHOPSYNC_OK);
    status = Status(db.h);
    CHECK(status["pending"] == 0);
    CHECK(status["cursor"] == 0);
    CHECK(status["shop_id"].is_null());
    CHECK(status["signed_in"] == false);
    CHECK(status["access_lost"].is_null());
    REQUIRE(shopsync_query(db.h, "customers", nullptr, &out) == SHOPSYNC_OK);
    CHECK(Parse(out).empty());
    CHECK(shopsync_forget_shop(nullptr) == SHOPSYNC_MISUSE);
}

namespace {
struct CloseFromCallback {
    shopsync_client *h = nullptr;
    int close_rc = -1, stop_rc = -1;
    std::string message;
};
void CloseInCallback(void *context, const char *, const char *) {
    auto *c = static_cast<CloseFromCallback *>(context);
    c->close_rc = shopsync_close(c->h);
    c->message = shopsync_errmsg(c->h);
    c->stop_rc = shopsync_stop(c->h);
}
} // namespace

TEST_CASE("shopsync_close and shopsync_stop from the change callback are misuse and keep the handle",
          "[capi]") {
    Opened db;
    CloseFromCallback c;
    c.h = db.h;
    REQUIRE(shopsync_on_change(db.h, CloseInCallback, &c) == SHOPSYNC_OK);
    char *out = nullptr;
    REQUIRE(shopsync_create(db.h, "orders", R"({"status": "pending"})", &out) == SHOPSYNC_OK);
    shopsync_free(out);
    CHECK(c.close_rc == SHOPSYNC_MISUSE);
    CHECK(c.message.find("change callback") != std::string::npos);
    CHECK(c.stop_rc == SHOPSYNC_MISUSE);
    // The handle still works, and closes normally outside the callback.
    REQUIRE(shopsync_on_change(db.h, nullptr, nullptr) == SHOPSYNC_OK);
    CHECK(shopsync_query(db.h, "orders", "{}", &out) == SHOPSYNC_OK);
    shopsync_free(out);
    CHECK(shopsync_start(db.h) == SHOPSYNC_OK);
    CHECK(shopsync_stop(db.h) == SHOPSYNC_OK);
}
