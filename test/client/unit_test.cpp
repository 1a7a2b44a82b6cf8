// test/client/unit_test.cpp — Catch2 tests of the device side: local schema
// and migrations, the outbox and its base_version chain, the backoff schedule.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "apply.hpp"
#include "backoff.hpp"
#include "failed_writes.hpp"
#include "round_lock.hpp"
#include "local_store.hpp"
#include "outbox.hpp"

#include <cstdio>
#include <chrono>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;

namespace {

// A fresh database file, removed afterwards.
struct TempDb {
    std::string path = "/tmp/shopsync-client-test-" + std::to_string(getpid()) + "-" + NewUuid() + ".db";
    ~TempDb() {
        for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
            std::remove((path + suffix).c_str());
    }
};

struct Event {
    std::string op;
    json payload;
    long long base_version;
    std::string key;
};

std::vector<Event> Events(LocalStore &store, const std::string &id) {
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(store.db(),
                       "SELECT op, payload_json, base_version, idempotency_key FROM sync_outbox"
                       " WHERE entity_id = ? ORDER BY id",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<Event> out;
    while (sqlite3_step(st) == SQLITE_ROW)
        out.push_back({(const char *)sqlite3_column_text(st, 0),
                       json::parse((const char *)sqlite3_column_text(st, 1)), sqlite3_column_int64(st, 2),
                       (const char *)sqlite3_column_text(st, 3)});
    sqlite3_finalize(st);
    return out;
}

std::string State(LocalStore &store, const std::string &entity, const std::string &id) {
    sqlite3_stmt *st = nullptr;
    std::string sql = "SELECT sync_state FROM " + entity + " WHERE id = ?";
    sqlite3_prepare_v2(store.db(), sql.c_str(), -1, &st, nullptr);
    sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    std::string state = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "(none)";
    sqlite3_finalize(st);
    return state;
}

// Marks a row synced at a version, as a push answer would.
void MarkSynced(LocalStore &store, const std::string &entity, const std::string &id, int version) {
    store.Exec("DELETE FROM sync_outbox WHERE entity_id = '" + id + "'");
    store.Exec("UPDATE " + entity + " SET sync_state = 'synced', version = " + std::to_string(version) +
               " WHERE id = '" + id + "'");
}

} // namespace

TEST_CASE("LocalStore creates and migrates the local schema", "[store]") {
    TempDb file;
    {
        LocalStore store(file.path);
        CHECK(store.schema_version() == 5);
        CHECK(store.Get("cursor") == "0");
        store.Put("device_id", "desk-1");
    }
    SECTION("reopening keeps data and does not migrate twice") {
        LocalStore again(file.path);
        CHECK(again.schema_version() == 5);
        CHECK(again.Get("device_id") == "desk-1");
    }
    SECTION("WAL mode") {
        LocalStore store(file.path);
        sqlite3_stmt *st = nullptr;
        sqlite3_prepare_v2(store.db(), "PRAGMA journal_mode", -1, &st, nullptr);
        sqlite3_step(st);
        CHECK(std::string((const char *)sqlite3_column_text(st, 0)) == "wal");
        sqlite3_finalize(st);
    }
    SECTION("a database from a newer client is refused") {
        {
            LocalStore store(file.path);
            store.Exec("PRAGMA user_version = 99");
        }
        CHECK_THROWS_AS(LocalStore(file.path), ClientError);
    }
    SECTION("an empty path is refused") {
        CHECK_THROWS_AS(LocalStore(""), ClientError);
    }
}

TEST_CASE("a version 1 database migrates to the newest keeping its queue", "[store]") {
    TempDb file;
    std::string id;
    {
        LocalStore store(file.path);
        id = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
        // Back to what a version 1 client left behind.
        std::string back =
            "ALTER TABLE sync_outbox DROP COLUMN override; ALTER TABLE sync_outbox DROP COLUMN sent;"
            "ALTER TABLE sync_outbox DROP COLUMN group_id; DROP TABLE sync_failed;";
        for (const auto &e : BuiltInEntities())
            back += "DROP INDEX " + e + "_unsynced; ALTER TABLE " + e + " DROP COLUMN server_data;";
        // a row a former client left failed becomes an open failure record
        back += "INSERT INTO orders (id, version, data, sync_state, last_error) VALUES"
                " ('o1', 3, '{\"id\":\"o1\",\"version\":3,\"notes\":\"x\"}', 'failed', 'forbidden: no');";
        store.Exec(back + "DROP TABLE sync_entities; PRAGMA user_version = 1");
    }
    LocalStore store(file.path);
    CHECK(store.schema_version() == 5);
    CHECK(store.Entities() == BuiltInEntities());
    json batch = TakeBatch(store, 100, 1e12);
    REQUIRE(batch.size() == 1);
    CHECK(batch[0]["entity_id"] == id);
    CHECK_FALSE(batch[0].contains("override"));
    json failed = ListFailed(store);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0]["entity_id"] == "o1");
    CHECK(failed[0]["op"] == "update");
    CHECK(failed[0]["attempt"] == json{{"notes", "x"}});
    CHECK(failed[0]["message"] == "forbidden: no");
}

TEST_CASE("an owner's override rides on its event, also when edits fold", "[outbox]") {
    TempDb file;
    LocalStore store(file.path);
    std::string id = LocalWrite(store, "orders", WriteOp::Create, "", {{"status", "confirmed"}});
    MarkSynced(store, "orders", id, 2);
    LocalWrite(store, "orders", WriteOp::Update, id, {{"status", "pending"}}, true);
    LocalWrite(store, "orders", WriteOp::Update, id, {{"notes", "back to pending"}});
    json batch = TakeBatch(store, 100, 1e12);
    REQUIRE(batch.size() == 1);
    CHECK(batch[0]["override"] == true);
    CHECK(batch[0]["payload"] == json{{"notes", "back to pending"}, {"status", "pending"}});
    std::string plain = LocalWrite(store, "orders", WriteOp::Create, "", {{"status", "pending"}});
    CHECK_FALSE(TakeBatch(store, 100, 1e12)[0].contains("override"));
    (void)plain;
}

TEST_CASE("a local write and its outbox event commit together", "[outbox]") {
    TempDb file;
    LocalStore store(file.path);
    std::string id = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    CHECK(id.size() == 36);
    CHECK(State(store, "customers", id) == "pending_create");
    auto events = Events(store, id);
    REQUIRE(events.size() == 1);
    CHECK(events[0].op == "create");
    CHECK(events[0].base_version == 0);

    SECTION("bad writes change nothing") {
        CHECK_THROWS_AS(LocalWrite(store, "invoices", WriteOp::Create, "", {{"x", 1}}), ClientError);
        CHECK_THROWS_AS(LocalWrite(store, "customers", WriteOp::Update, NewUuid(), {{"name", "x"}}),
                        ClientError);
        CHECK_THROWS_AS(LocalWrite(store, "customers", WriteOp::Update, id, {{"shop_id", "x"}}), ClientError);
        CHECK_THROWS_AS(LocalWrite(store, "customers", WriteOp::Create, id, {{"name", "again"}}),
                        ClientError);
        CHECK_THROWS_AS(LocalWrite(store, "customers", WriteOp::Update, id, json::array()), ClientError);
        CHECK(PendingCount(store) == 1);
    }
}

TEST_CASE("several edits before a push keep a right base_version chain", "[outbox]") {
    TempDb file;
    LocalStore store(file.path);
    std::string id = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});

    SECTION("edits of an unsent create fold into it") {
        std::string key = Events(store, id)[0].key;
        LocalWrite(store, "customers", WriteOp::Update, id, {{"phone", "555"}});
        LocalWrite(store, "customers", WriteOp::Update, id, {{"name", "Anna"}});
        auto events = Events(store, id);
        REQUIRE(events.size() == 1);
        CHECK(events[0].op == "create");
        CHECK(events[0].payload == json{{"name", "Anna"}, {"phone", "555"}});
        CHECK(events[0].key != key); // a changed event never reuses its key
        CHECK(State(store, "customers", id) == "pending_create");
    }
    SECTION("deleting an unsent create forgets both") {
        LocalWrite(store, "customers", WriteOp::Delete, id, json::object());
        CHECK(Events(store, id).empty());
        CHECK(State(store, "customers", id) == "(none)");
    }
    SECTION("edits of a synced row start from its version and fold") {
        MarkSynced(store, "customers", id, 4);
        LocalWrite(store, "customers", WriteOp::Update, id, {{"phone", "1"}});
        LocalWrite(store, "customers", WriteOp::Update, id, {{"notes", "vip"}});
        auto events = Events(store, id);
        REQUIRE(events.size() == 1);
        CHECK(events[0].base_version == 4);
        CHECK(events[0].payload == json{{"notes", "vip"}, {"phone", "1"}});
        CHECK(State(store, "customers", id) == "pending_update");
    }
    SECTION("a delete replaces an unsent update, from the same base") {
        MarkSynced(store, "customers", id, 4);
        LocalWrite(store, "customers", WriteOp::Update, id, {{"phone", "1"}});
        LocalWrite(store, "customers", WriteOp::Delete, id, json::object());
        auto events = Events(store, id);
        REQUIRE(events.size() == 1);
        CHECK(events[0].op == "delete");
        CHECK(events[0].base_version == 4);
        CHECK(State(store, "customers", id) == "pending_delete");
        CHECK_THROWS_AS(LocalWrite(store, "customers", WriteOp::Update, id, {{"name", "x"}}), ClientError);
    }
    SECTION("an edit while an event is in flight chains on the version it will get") {
        MarkSynced(store, "customers", id, 4);
        LocalWrite(store, "customers", WriteOp::Update, id, {{"phone", "1"}});
        store.Exec("UPDATE sync_outbox SET in_flight = unixepoch('now')");
        LocalWrite(store, "customers", WriteOp::Update, id, {{"phone", "2"}});
        auto events = Events(store, id);
        REQUIRE(events.size() == 2);
        CHECK(events[0].base_version == 4);
        CHECK(events[1].base_version == 5);
        CHECK(events[1].payload == json{{"phone", "2"}});
    }
}

TEST_CASE("backoff doubles from 5 s with full jitter, capped, honouring Retry-After", "[backoff]") {
    BackoffPolicy policy;
    CHECK(BackoffCeiling(policy, 1) == 5);
    CHECK(BackoffCeiling(policy, 2) == 10);
    CHECK(BackoffCeiling(policy, 3) == 20);
    CHECK(BackoffCeiling(policy, 4) == 40);
    CHECK(BackoffCeiling(policy, 20) == 300);
    CHECK(BackoffCeiling(policy, 1000) == 300);
    CHECK(BackoffCeiling(policy, 0) == 0);
    std::mt19937_64 rng(1);
    double low = 1e9, high = 0, sum = 0;
    for (int i = 0; i < 10000; i++) {
        double d = BackoffDelay(policy, 3, -1, rng);
        REQUIRE(d >= 0);
        REQUIRE(d <= 20);
        low = std::min(low, d);
        high = std::max(high, d);
        sum += d;
    }
    CHECK(low < 1);                               // full jitter reaches down to 0 …
    CHECK(high > 19);                             // … and up to the ceiling
    CHECK(sum / 10000 == Approx(10).margin(0.5)); // uniform: mean half the ceiling
    for (int i = 0; i < 100; i++)
        REQUIRE(BackoffDelay(policy, 1, 30, rng) >= 30); // Retry-After is a floor
}

namespace {

json ServerRecord(const std::string &id, int version, const std::string &name, bool deleted = false) {
    return json{{"id", id},
                {"shop_id", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"},
                {"name", name},
                {"version", version},
                {"updated_at", "2026-11-25T05:00:00+00:00"},
                {"deleted_at", deleted ? json("2026-11-25T05:00:00+00:00") : json()}};
}

json Change(long long seq, const std::string &id, int version, const std::string &name,
            bool deleted = false) {
    return json{{"seq", seq},         {"entity", "customers"},
                {"entity_id", id},    {"op", deleted ? "delete" : "update"},
                {"version", version}, {"payload", ServerRecord(id, version, name, deleted)}};
}

std::string Column(LocalStore &store, const std::string &sql) {
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(store.db(), sql.c_str(), -1, &st, nullptr);
    std::string v = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)
                        ? (const char *)sqlite3_column_text(st, 0)
                        : "";
    sqlite3_finalize(st);
    return v;
}

} // namespace

TEST_CASE("an event left in flight by a round that died is queued again when the next round starts",
          "[apply]") {
    TempDb file;
    LocalStore store(file.path);
    LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    double now = 2e9;
    json batch = TakeBatch(store, 100, now);
    REQUIRE(batch.size() == 1);
    CHECK(TakeBatch(store, 100, now + 1e6).empty()); // within its round: never taken twice, however long
    RequeueStranded(store);                          // the next round starts (under the round lock)
    json again = TakeBatch(store, 100, now + 1);
    REQUIRE(again.size() == 1);
    CHECK(again[0]["idempotency_key"] == batch[0]["idempotency_key"]);
}

TEST_CASE("push answers: accepted syncs, conflict takes the server's record, rejected fails visibly",
          "[apply]") {
    TempDb file;
    LocalStore store(file.path);
    std::string a = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    std::string b = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Bob"}});
    std::string c = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Cy"}});
    json batch = TakeBatch(store, 100, 1e12);
    REQUIRE(batch.size() == 3);
    CHECK(TakeBatch(store, 100, 1e12).empty()); // in flight: not taken twice
    json response{{"accepted", {{{"idempotency_key", batch[0]["idempotency_key"]}, {"version", 1}}}},
                  {"conflicts",
                   {{{"idempotency_key", batch[1]["idempotency_key"]},
                     {"server_version", 3},
                     {"server_record", ServerRecord(b, 3, "Robert")}}}},
                  {"rejected",
                   {{{"idempotency_key", batch[2]["idempotency_key"]},
                     {"reason", "duplicate_code"},
                     {"message", "taken"}}}}};
    ApplyPushResponse(store, response);
    CHECK(PendingCount(store) == 0);
    CHECK(State(store, "customers", a) == "synced");
    CHECK(Column(store, "SELECT version FROM customers WHERE id = '" + a + "'") == "1");
    CHECK(State(store, "customers", b) == "synced");
    CHECK(json::parse(Column(store, "SELECT data FROM customers WHERE id = '" + b + "'"))["name"] ==
          "Robert");
    CHECK(Column(store, "SELECT count(*) FROM sync_conflicts WHERE entity_id = '" + b + "'") == "1");
    CHECK(State(store, "customers", c) == "failed");
    CHECK(Column(store, "SELECT last_error FROM customers WHERE id = '" + c + "'") ==
          "duplicate_code: taken");

    SECTION("replaying the same answer changes nothing") {
        ApplyPushResponse(store, response);
        CHECK(Column(store, "SELECT count(*) FROM sync_conflicts") == "1");
    }
}

TEST_CASE("a failed push keeps its events, keys and order, and backs off", "[apply]") {
    TempDb file;
    LocalStore store(file.path);
    LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    json batch = TakeBatch(store, 100, 1000);
    std::mt19937_64 rng(3);
    ReleaseBatch(store, batch, BackoffPolicy{}, 30, 1000, rng);
    CHECK(TakeBatch(store, 100, 1001).empty()); // waiting: Retry-After 30 s
    json again = TakeBatch(store, 100, 1000 + 31);
    REQUIRE(again.size() == 1);
    CHECK(again[0]["idempotency_key"] == batch[0]["idempotency_key"]); // the same key
    CHECK(Column(store, "SELECT retry_count FROM sync_outbox") == "1");
}

TEST_CASE("pull pages: newer changes apply, pending edits are not overwritten, the cursor moves with them",
          "[apply]") {
    TempDb file;
    LocalStore store(file.path);
    std::string mine = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Mine"}});
    std::string theirs = NewUuid();
    int applied =
        ApplyPullPage(store, json{{"changes", {Change(1, theirs, 1, "Theirs"), Change(2, mine, 1, "Server")}},
                                  {"cursor", 2},
                                  {"has_more", false}});
    CHECK(applied == 1);
    CHECK(store.Get("cursor") == "2");
    CHECK(json::parse(Column(store, "SELECT data FROM customers WHERE id = '" + mine + "'"))["name"] ==
          "Mine");
    CHECK(State(store, "customers", theirs) == "synced");

    SECTION("an older version never overwrites a newer one") {
        ApplyPullPage(store, json{{"changes", {Change(3, theirs, 5, "v5")}}, {"cursor", 3}});
        ApplyPullPage(store, json{{"changes", {Change(4, theirs, 4, "v4")}}, {"cursor", 4}});
        CHECK(json::parse(Column(store, "SELECT data FROM customers WHERE id = '" + theirs + "'"))["name"] ==
              "v5");
        CHECK(store.Get("cursor") == "4");
    }
    SECTION("a tombstone reaches the device") {
        ApplyPullPage(store, json{{"changes", {Change(3, theirs, 2, "Theirs", true)}}, {"cursor", 3}});
        CHECK(Column(store, "SELECT deleted_at IS NOT NULL FROM customers WHERE id = '" + theirs + "'") ==
              "1");
    }
    SECTION("entities no local table can be named after are skipped, the cursor still moves") {
        json change = Change(3, NewUuid(), 1, "x");
        change["entity"] = "sync_outbox";
        CHECK(ApplyPullPage(store, json{{"changes", {change}}, {"cursor", 3}}) == 0);
        CHECK(store.Get("cursor") == "3");
    }
}

TEST_CASE("any entity the server syncs is kept: added on sight, written, refused when unnamable", "[store]") {
    TempDb file;
    LocalStore store(file.path);
    CHECK_FALSE(store.HasEntity("products"));
    CHECK_THROWS_AS(LocalWrite(store, "products", WriteOp::Create, "", {{"sku", "A"}}), ClientError);
    json page{{"changes",
               {{{"seq", 1},
                 {"entity", "products"},
                 {"entity_id", "p1"},
                 {"op", "create"},
                 {"version", 1},
                 {"payload", {{"id", "p1"}, {"shop_id", "s"}, {"version", 1}, {"sku", "TEA"}}}},
                {{"seq", 2},
                 {"entity", "Bad-Name"},
                 {"entity_id", "x"},
                 {"op", "create"},
                 {"version", 1},
                 {"payload", {{"id", "x"}, {"version", 1}}}}}},
              {"cursor", 2},
              {"has_more", false}};
    CHECK(ApplyPullPage(store, page) == 1);
    CHECK(store.HasEntity("products"));
    CHECK_FALSE(store.HasEntity("Bad-Name"));
    CHECK(store.Get("cursor") == "2");
    CHECK(json::parse(Column(store, "SELECT data FROM products WHERE id = 'p1'"))["sku"] == "TEA");
    std::string id = LocalWrite(store, "products", WriteOp::Create, "", {{"sku", "MUG"}});
    CHECK(State(store, "products", id) == "pending_create");
    for (const char *bad : {"sync_outbox", "sqlite_master", "x; DROP TABLE customers", "", "Upper"})
        CHECK_THROWS_AS(store.AddEntity(bad), ClientError);
    store.AddEntity("products"); // idempotent
    CHECK(store.Entities().size() == BuiltInEntities().size() + 1);
}

TEST_CASE("RoundLock: one round per database across processes, released when its process dies",
          "[apply][lock]") {
    TempDb file;
    auto seconds_to_lock = [&] {
        auto start = std::chrono::steady_clock::now();
        RoundLock lock(file.path);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    SECTION("a live process's round holds it") {
        pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            RoundLock lock(file.path);
            (void)!write(ready[1], "x", 1);
            usleep(800 * 1000);
            _exit(0);
        }
        char c;
        REQUIRE(read(ready[0], &c, 1) == 1);
        CHECK(seconds_to_lock() > 0.5); // waited for the child's round to end
        waitpid(child, nullptr, 0);
    }
    SECTION("a process killed mid-round lets go at once") {
        pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            RoundLock lock(file.path);
            (void)!write(ready[1], "x", 1);
            pause();
            _exit(0);
        }
        char c;
        REQUIRE(read(ready[0], &c, 1) == 1);
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        CHECK(seconds_to_lock() < 0.5);
    }
    close(ready[0]);
    close(ready[1]);
    std::remove((file.path + ".round-lock").c_str());
}
