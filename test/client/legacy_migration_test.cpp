// test/client/legacy_migration_test.cpp — Catch2 tests of the legacy shop.db
// import: the fixture (test/client/fixtures/legacy_shop.sql) is built into a
// temp file, imported, and the store compared with it row by row.
#include <catch2/catch.hpp>

#include "legacy_migration.hpp"
#include "legacy_parity.hpp"
#include "local_store.hpp"
#include "outbox.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;
using Catch::Matchers::Contains;

namespace {

const char *kFixture = "test/client/fixtures/legacy_shop.sql";

// A store file and a legacy file, removed afterwards.
struct LegacyTempFiles {
    std::string base = "/tmp/shopsync-legacy-test-" + std::to_string(getpid()) + "-" + NewUuid();
    std::string store = base + "-store.db";
    std::string legacy = base + "-shop.db";
    ~LegacyTempFiles() {
        for (const auto &path : {store, legacy})
            for (const char *suffix : {"", "-wal", "-shm", "-journal", ".round-lock"})
                std::remove((path + suffix).c_str());
    }
};

std::string ReadWhole(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

bool FileExists(const std::string &path) {
    return access(path.c_str(), F_OK) == 0;
}

// Runs SQL on a plain SQLite file (not the store).
void RunSql(const std::string &path, const std::string &sql) {
    sqlite3 *db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char *error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    INFO(message);
    REQUIRE(rc == SQLITE_OK);
}

// The fixture, then `edit` (bad data, a dropped table, …).
void BuildLegacy(const std::string &path, const std::string &edit = "") {
    std::string sql = ReadWhole(kFixture);
    REQUIRE(!sql.empty());
    RunSql(path, sql + edit);
}

// Rows of a query on any SQLite file, every column as text (NULL as "<null>").
std::vector<std::vector<std::string>> Rows(sqlite3 *db, const std::string &sql) {
    sqlite3_stmt *st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::vector<std::vector<std::string>> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            row.push_back(t ? std::string((const char *)t, sqlite3_column_bytes(st, c)) : "<null>");
        }
        out.push_back(row);
    }
    sqlite3_finalize(st);
    return out;
}

std::vector<std::vector<std::string>> LegacyRows(const std::string &path, const std::string &sql) {
    sqlite3 *db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    auto rows = Rows(db, sql);
    sqlite3_close(db);
    return rows;
}

long long Count(LocalStore &store, const std::string &sql) {
    return std::stoll(Rows(store.db(), sql).at(0).at(0));
}

// Rows, outbox events and the import record: all zero for an untouched store.
long long Everything(LocalStore &store) {
    return Count(store, "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) +"
                        " (SELECT count(*) FROM order_items) + (SELECT count(*) FROM sync_outbox) +"
                        " (SELECT count(*) FROM sync_kv WHERE key = 'legacy_import')");
}

// A local entity's rows by id, as their JSON data.
std::map<std::string, json> Local(LocalStore &store, const std::string &entity) {
    std::map<std::string, json> out;
    for (const auto &row : Rows(store.db(), "SELECT id, data FROM " + entity))
        out[row[0]] = json::parse(row[1]);
    return out;
}

// The id of the local row whose `key` equals `value`.
std::string IdWhere(const std::map<std::string, json> &rows, const char *key, const std::string &value) {
    for (const auto &[id, data] : rows)
        if (data.contains(key) && data[key] == value)
            return id;
    return "";
}

} // namespace

TEST_CASE("a legacy shop.db imports whole: uuids, codes kept, parents rewired, creates queued in order",
          "[legacy]") {
    LegacyTempFiles files;
    BuildLegacy(files.legacy);
    std::string before = ReadWhole(files.legacy);
    LocalStore store(files.store);

    LegacyReport report = MigrateLegacy(store, files.legacy);

    auto legacy_count = [&](const char *table) {
        return std::stoi(LegacyRows(files.legacy, std::string("SELECT count(*) FROM ") + table)[0][0]);
    };
    CHECK(report.customers == legacy_count("customers"));
    CHECK(report.orders == legacy_count("orders"));
    CHECK(report.order_items == legacy_count("order_items"));
    CHECK(report.customers == 30);
    CHECK(report.orders == 60);
    CHECK(report.order_items == 150);
    CHECK(Count(store, "SELECT count(*) FROM customers") == 30);
    CHECK(Count(store, "SELECT count(*) FROM orders") == 60);
    CHECK(Count(store, "SELECT count(*) FROM order_items") == 150);

    auto customers = Local(store, "customers");
    auto orders = Local(store, "orders");
    auto items = Local(store, "order_items");

    SECTION("every row has a uuid id, is pending_create and carries no server-owned or computed column") {
        std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
        for (const auto *rows : {&customers, &orders, &items})
            for (const auto &[id, data] : *rows) {
                CHECK(std::regex_match(id, uuid));
                CHECK(data["id"] == id);
                CHECK_FALSE(data.contains("line_total"));
                CHECK_FALSE(data.contains("created_at"));
            }
        CHECK(Count(store, "SELECT count(*) FROM customers WHERE sync_state != 'pending_create'") == 0);
        CHECK(Count(store, "SELECT count(*) FROM orders WHERE sync_state != 'pending_create'") == 0);
        CHECK(Count(store, "SELECT count(*) FROM order_items WHERE sync_state != 'pending_create'") == 0);
    }

    SECTION(
        "customers: codes kept, empty codes absent, names byte-exact, blank name replaced with a warning") {
        auto legacy = LegacyRows(files.legacy, "SELECT id, code, name, phone, email, notes FROM customers");
        for (const auto &row : legacy) {
            INFO("legacy customer " << row[0]);
            std::string id;
            if (row[1] == "<null>" || row[1].empty()) {
                id = IdWhere(customers, "name", row[2]);
                REQUIRE(!id.empty());
                CHECK_FALSE(customers[id].contains("customer_code"));
            } else {
                id = IdWhere(customers, "customer_code", row[1]);
                REQUIRE(!id.empty());
                std::string name = row[2].find_first_not_of(' ') == std::string::npos ? "(no name)" : row[2];
                CHECK(customers[id]["name"].get<std::string>() == name);
            }
            if (row[3] == "<null>")
                CHECK_FALSE(customers[id].contains("phone"));
            else
                CHECK(customers[id]["phone"] == row[3]);
            // NULL and empty e-mails alike are absent.
            if (row[4] == "<null>" || row[4].empty())
                CHECK_FALSE(customers[id].contains("email"));
            else
                CHECK(customers[id]["email"] == row[4]);
        }
        for (const char *name : {"Zoë Müller", "Nguyễn Văn An", "Łukasz Wiśniewski", "Dmitri Иванов"}) {
            std::string id = IdWhere(customers, "name", name);
            REQUIRE(!id.empty());
            // Byte-exact: the stored data column, not only the parsed JSON.
            auto raw = Rows(store.db(),
                            "SELECT json_extract(data, '$.name') FROM customers WHERE id = '" + id + "'");
            CHECK(raw[0][0] == name);
        }
        CHECK(customers[IdWhere(customers, "customer_code", "C-1002")]["notes"] ==
              "Prefers delivery after 17:00 — ring twice");
        bool warned = false;
        for (const auto &w : report.warnings)
            warned = warned ||
                     (w.find("C-1023") != std::string::npos && w.find("blank name") != std::string::npos);
        CHECK(warned);
    }

    SECTION("orders point at their customers' uuids; orders without a customer have none") {
        // Legacy customer id → local uuid, through the code (or the name where there is no code).
        std::map<std::string, std::string> customer_uuid;
        for (const auto &row : LegacyRows(files.legacy, "SELECT id, code, name FROM customers"))
            customer_uuid[row[0]] = row[1] == "<null>" || row[1].empty()
                                        ? IdWhere(customers, "name", row[2])
                                        : IdWhere(customers, "customer_code", row[1]);
        int without = 0;
        for (const auto &row : LegacyRows(files.legacy, "SELECT code, customer_id FROM orders")) {
            INFO("order " << row[0]);
            std::string id = IdWhere(orders, "order_code", row[0]);
            REQUIRE(!id.empty());
            if (row[1] == "<null>") {
                CHECK_FALSE(orders[id].contains("customer_id"));
                without++;
            } else {
                REQUIRE(!customer_uuid[row[1]].empty());
                CHECK(orders[id]["customer_id"] == customer_uuid[row[1]]);
            }
        }
        CHECK(without == 6);
    }

    SECTION("items point at the right order, in legacy order, money rounded, no line_total") {
        std::map<std::string, std::string> order_uuid; // legacy order id → local uuid
        for (const auto &row : LegacyRows(files.legacy, "SELECT id, code FROM orders"))
            order_uuid[row[0]] = IdWhere(orders, "order_code", row[1]);
        auto legacy = LegacyRows(files.legacy, "SELECT order_id, product_name, sku, quantity, unit_price"
                                               " FROM order_items ORDER BY id");
        auto events = Rows(store.db(), "SELECT entity_id, payload_json FROM sync_outbox"
                                       " WHERE entity_type = 'order_items' ORDER BY id");
        REQUIRE(events.size() == legacy.size());
        for (size_t i = 0; i < legacy.size(); i++) {
            INFO("legacy item " << i + 1);
            json payload = json::parse(events[i][1]);
            CHECK(payload["order_id"] == order_uuid[legacy[i][0]]);
            CHECK(payload["product_name"] == legacy[i][1]);
            CHECK(items[events[i][0]]["order_id"] == order_uuid[legacy[i][0]]);
            if (legacy[i][2] == "<null>")
                CHECK_FALSE(payload.contains("sku"));
            else
                CHECK(payload["sku"] == legacy[i][2]);
            CHECK(payload["quantity"].get<double>() == Approx(std::stod(legacy[i][3])));
            CHECK(payload["unit_price"].get<double>() == Approx(std::stod(legacy[i][4])));
            CHECK_FALSE(payload.contains("line_total"));
        }
        // "Mug \"Ünïcödé\"" survives quoting and UTF-8.
        CHECK_FALSE(IdWhere(items, "product_name", "Mug \"Ünïcödé\"").empty());
    }

    SECTION("money: REAL noise rounds to 2 decimals, NULL tax is 0; created_at becomes ordered_at") {
        json o58 = orders[IdWhere(orders, "order_code", "SO-1058")];
        CHECK(o58["subtotal"].dump() == "0.3"); // legacy 0.30000000000000004
        CHECK(o58["total"].dump() == "0.32");   // legacy 0.32000000000000006
        CHECK(o58["ordered_at"] == "2023-11-03T16:58:46Z");
        json o9 = orders[IdWhere(orders, "order_code", "SO-1009")];
        CHECK(o9["tax"].dump() == "0.0");
        CHECK(o9["subtotal"].get<double>() == 23.49);
        CHECK_FALSE(orders[IdWhere(orders, "order_code", "SO-1033")].contains("ordered_at"));
        for (const auto &[id, data] : orders)
            for (const char *money : {"subtotal", "discount", "tax", "total"}) {
                double v = data[money].get<double>();
                CHECK(v >= 0);
                CHECK(std::round(v * 100) / 100 == v);
            }
    }

    SECTION("legacy status spellings map to the server's; an unknown one is pending with a warning") {
        std::map<std::string, std::string> expected = {
            {"new", "pending"},         {"NEW ", "pending"},       {"pending", "pending"},
            {"confirmed", "confirmed"}, {"shipped", "shipping"},   {"shipping", "shipping"},
            {"done", "delivered"},      {"Done", "delivered"},     {"completed", "delivered"},
            {"delivered", "delivered"}, {"canceled", "cancelled"}, {"cancelled", "cancelled"},
            {"on hold", "pending"},
        };
        int unknown = 0;
        for (const auto &row : LegacyRows(files.legacy, "SELECT code, status FROM orders")) {
            INFO(row[0] << " " << row[1]);
            REQUIRE(expected.count(row[1]));
            CHECK(orders[IdWhere(orders, "order_code", row[0])]["status"] == expected[row[1]]);
            if (row[1] == "on hold") {
                unknown++;
                bool warned = false;
                for (const auto &w : report.warnings)
                    warned = warned ||
                             (w.find(row[0]) != std::string::npos && w.find("on hold") != std::string::npos);
                CHECK(warned);
            }
        }
        CHECK(unknown == 4);
        CHECK(report.warnings.size() == 5); // 4 unknown statuses + 1 blank name
    }

    SECTION("the outbox holds one create per row, customers before orders before items") {
        CHECK(Count(store, "SELECT count(*) FROM sync_outbox") == 240);
        CHECK(Count(store, "SELECT count(*) FROM sync_outbox WHERE op != 'create' OR base_version != 0") ==
              0);
        CHECK(Count(store, "SELECT count(DISTINCT entity_id) FROM sync_outbox") == 240);
        for (const char *entity : {"customers", "orders", "order_items"})
            CHECK(Count(store, std::string("SELECT count(*) FROM ") + entity +
                                   " WHERE id NOT IN (SELECT entity_id FROM sync_outbox)") == 0);
        CHECK(Count(store, "SELECT max(id) FROM sync_outbox WHERE entity_type = 'customers'") <
              Count(store, "SELECT min(id) FROM sync_outbox WHERE entity_type = 'orders'"));
        CHECK(Count(store, "SELECT max(id) FROM sync_outbox WHERE entity_type = 'orders'") <
              Count(store, "SELECT min(id) FROM sync_outbox WHERE entity_type = 'order_items'"));
        // Payloads carry no server-owned column.
        CHECK(Count(store,
                    "SELECT count(*) FROM sync_outbox WHERE json_extract(payload_json, '$.id') IS NOT NULL"
                    " OR json_extract(payload_json, '$.shop_id') IS NOT NULL") == 0);
    }

    SECTION("the legacy file is untouched and the import is recorded") {
        CHECK(ReadWhole(files.legacy) == before);
        CHECK_FALSE(FileExists(files.legacy + "-journal"));
        json record = json::parse(store.Get("legacy_import"));
        CHECK(record["path"] == files.legacy);
        CHECK(record["customers"] == 30);
        CHECK(record["orders"] == 60);
        CHECK(record["order_items"] == 150);
    }

    SECTION("a second import throws \"already imported\" and changes nothing") {
        long long events = Count(store, "SELECT count(*) FROM sync_outbox");
        std::string record = store.Get("legacy_import");
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains("already imported"));
        CHECK(Count(store, "SELECT count(*) FROM sync_outbox") == events);
        CHECK(Count(store, "SELECT count(*) FROM customers") == 30);
        CHECK(store.Get("legacy_import") == record);
        CHECK(ReadWhole(files.legacy) == before);
        // Said first, even when the old file has gone since.
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy + ".gone"), Contains("already imported"));
    }
}

TEST_CASE("a legacy import that cannot start leaves the store empty and creates nothing", "[legacy]") {
    LegacyTempFiles files;
    LocalStore store(files.store);

    SECTION("a missing file throws and is not created") {
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains("does not exist"));
        CHECK_FALSE(FileExists(files.legacy));
    }
    SECTION("a missing table is named") {
        BuildLegacy(files.legacy, "DROP TABLE order_items;");
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains("missing table order_items"));
    }
    SECTION("missing columns are named") {
        BuildLegacy(files.legacy,
                    "ALTER TABLE orders DROP COLUMN tax; ALTER TABLE customers DROP COLUMN email;");
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy),
                          Contains("column customers.email") && Contains("column orders.tax"));
    }
    SECTION("a file that is not SQLite") {
        std::ofstream(files.legacy) << "name,phone\nZoë,123\n";
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains("not a SQLite database"));
    }
    SECTION("an empty SQLite file is not a legacy shop database") {
        RunSql(files.legacy, "");
        CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains("missing table customers"));
    }
    CHECK(Everything(store) == 0);
}

TEST_CASE("bad legacy data refuses the whole import, naming the row", "[legacy]") {
    LegacyTempFiles files;
    LocalStore store(files.store);
    std::string edit, message;

    SECTION("a negative quantity in the very last item: nothing before it stays") {
        edit = "UPDATE order_items SET quantity = -2 WHERE id = 150;";
        message = "order item #150";
    }
    SECTION("a zero quantity") {
        edit = "UPDATE order_items SET quantity = 0 WHERE id = 77;";
        message = "order item #77";
    }
    SECTION("a quantity that rounds to zero at 3 decimals") {
        edit = "UPDATE order_items SET quantity = 0.0004 WHERE id = 12;";
        message = "order item #12";
    }
    SECTION("a missing quantity") {
        edit = "UPDATE order_items SET quantity = NULL WHERE id = 5;";
        message = "order item #5";
    }
    SECTION("a negative unit price") {
        edit = "UPDATE order_items SET unit_price = -0.5 WHERE id = 140;";
        message = "unit_price -0.5 is negative";
    }
    SECTION("a negative discount") {
        edit = "UPDATE orders SET discount = -3 WHERE id = 42;";
        message = "order #42 (SO-1042): discount";
    }
    SECTION("a price that is not a number") {
        edit = "UPDATE order_items SET unit_price = 'twelve' WHERE id = 3;";
        message = "\"twelve\" is not a number";
    }
    SECTION("an unreadable created_at") {
        edit = "UPDATE orders SET created_at = 'last Tuesday' WHERE id = 7;";
        message = "order #7 (SO-1007): created_at";
    }
    SECTION("a name longer than the server takes") {
        edit = "UPDATE customers SET name = printf('%.*c', 201, 'x') WHERE id = 4;";
        message = "customer #4 (C-1004): name has 201 characters";
    }
    SECTION("notes within 4,000 characters but over the server's bytes (Japanese: 3 bytes each)") {
        edit = "UPDATE customers SET notes = replace(printf('%.*c', 4000, 'x'), 'x', '日') WHERE id = 5;";
        message = "customer #5 (C-1005): notes has 12000 bytes, the server takes 10000";
    }
    SECTION("an order's notes of 2,600 emoji (4 bytes each)") {
        edit = "UPDATE orders SET notes = replace(printf('%.*c', 2600, 'x'), 'x', '😀') WHERE id = 9;";
        message = "order #9 (SO-1009): notes has 10400 bytes, the server takes 10000";
    }
    SECTION("invalid UTF-8") {
        edit = "UPDATE customers SET notes = CAST(x'5a6fc3' AS TEXT) WHERE id = 8;";
        message = "customer #8 (C-1008): notes is not valid UTF-8";
    }
    SECTION("two codes that only differ by spaces") {
        edit = "UPDATE customers SET code = 'C-1001 ' WHERE id = 2;";
        message = "code \"C-1001\" is used by customer #1";
    }
    BuildLegacy(files.legacy, edit);
    std::string before = ReadWhole(files.legacy);
    CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains(message));
    CHECK(Everything(store) == 0);
    CHECK(ReadWhole(files.legacy) == before);
}

TEST_CASE("a failure at the last legacy item leaves no row and no event; fixed, the same store imports",
          "[legacy]") {
    LegacyTempFiles files;
    LocalStore store(files.store);
    BuildLegacy(files.legacy,
                "UPDATE order_items SET quantity = -1 WHERE id = (SELECT max(id) FROM order_items);");
    CHECK_THROWS_WITH(MigrateLegacy(store, files.legacy), Contains("order item #150"));
    CHECK(Count(store, "SELECT count(*) FROM customers") + Count(store, "SELECT count(*) FROM orders") +
              Count(store, "SELECT count(*) FROM order_items") ==
          0);
    CHECK(Count(store, "SELECT count(*) FROM sync_outbox") == 0);
    CHECK(store.Get("legacy_import").empty());

    RunSql(files.legacy, "UPDATE order_items SET quantity = 1 WHERE id = 150;");
    LegacyReport report = MigrateLegacy(store, files.legacy);
    CHECK(report.order_items == 150);
    CHECK(Count(store, "SELECT count(*) FROM sync_outbox") == 240);
}

TEST_CASE("a legacy code a live local row already holds refuses the import", "[legacy]") {
    LegacyTempFiles files;
    LocalStore store(files.store);
    std::string walk_in = LocalWrite(store, "customers", WriteOp::Create, "",
                                     {{"name", "Walk-in"}, {"customer_code", "C-1005"}});
    BuildLegacy(files.legacy);
    CHECK_THROWS_WITH(
        MigrateLegacy(store, files.legacy),
        Contains("customer #5 (C-1005): code \"C-1005\" is used by local customers row " + walk_in));
    CHECK(Count(store, "SELECT count(*) FROM customers") == 1);
    CHECK(Count(store, "SELECT count(*) FROM sync_outbox") == 1);
    CHECK(store.Get("legacy_import").empty());
}

TEST_CASE("broken legacy references: an order keeps no customer, an orphan item is skipped; both warn",
          "[legacy]") {
    LegacyTempFiles files;
    LocalStore store(files.store);
    BuildLegacy(files.legacy, "UPDATE orders SET customer_id = 999 WHERE id = 5;"
                              "INSERT INTO order_items VALUES (151, 4242, 'Ghost item', NULL, 1, 2.5);"
                              "INSERT INTO order_items VALUES (152, NULL, 'Loose item', NULL, 1, 1);"
                              "UPDATE order_items SET product_name = ' ' WHERE id = 10;");
    LegacyReport report = MigrateLegacy(store, files.legacy);
    CHECK(report.orders == 60);
    CHECK(report.order_items == 150);
    auto orders = Local(store, "orders");
    CHECK_FALSE(orders[IdWhere(orders, "order_code", "SO-1005")].contains("customer_id"));
    CHECK(IdWhere(Local(store, "order_items"), "product_name", "Ghost item").empty());
    std::string all;
    for (const auto &w : report.warnings)
        all += w + "\n";
    CHECK_THAT(all, Contains("order #5 (SO-1005): customer 999 does not exist"));
    CHECK_THAT(all, Contains("order item #151: order 4242 does not exist, item skipped"));
    CHECK_THAT(all, Contains("order item #152: order NULL does not exist, item skipped"));
    CHECK_THAT(all, Contains("order item #10 (in order #"));
    CHECK_THAT(all, Contains("blank product_name, imported as \"(no name)\""));
    CHECK_FALSE(IdWhere(Local(store, "order_items"), "product_name", "(no name)").empty());
    CHECK(Count(store, "SELECT count(*) FROM sync_outbox") == 240);
}

TEST_CASE("legacy created_at forms become ISO 8601 ordered_at", "[legacy]") {
    LegacyTempFiles files;
    LocalStore store(files.store);
    BuildLegacy(files.legacy, "UPDATE orders SET created_at = '2022-02-28T23:59:59.250+0200' WHERE id = 1;"
                              "UPDATE orders SET created_at = '2020-02-29' WHERE id = 2;"
                              "UPDATE orders SET created_at = 1700000000 WHERE id = 3;"
                              "UPDATE orders SET created_at = '2024-05-01 10:00:00Z' WHERE id = 4;"
                              "UPDATE orders SET created_at = '' WHERE id = 6;");
    MigrateLegacy(store, files.legacy);
    auto orders = Local(store, "orders");
    auto at = [&](const char *code) {
        return orders[IdWhere(orders, "order_code", code)].value("ordered_at", "");
    };
    CHECK(at("SO-1001") == "2022-02-28T23:59:59.250+02:00");
    CHECK(at("SO-1002") == "2020-02-29T00:00:00Z");
    CHECK(at("SO-1003") == "2023-11-14T22:13:20Z");
    CHECK(at("SO-1004") == "2024-05-01T10:00:00Z");
    CHECK(at("SO-1006") == "");
    CHECK(at("SO-1008") == "2023-09-09T16:08:56Z");
}

// ---- dual-run parity (legacy_parity.hpp) -------------------------------------------------------

namespace {

// What the server holds after an exact upload of the legacy file: the
// imported store's rows, each with its id, live.
std::map<std::string, json> ServerAfterImport(LocalStore &store) {
    std::map<std::string, json> server;
    for (const char *entity : {"customers", "orders", "order_items"}) {
        json rows = json::array();
        for (auto [id, data] : Local(store, entity)) {
            data["id"] = id;
            data["deleted_at"] = nullptr;
            rows.push_back(data);
        }
        server[entity] = rows;
    }
    return server;
}

json &RowWhere(std::map<std::string, json> &server, const char *entity, const char *key,
               const std::string &value) {
    for (auto &row : server[entity])
        if (row.contains(key) && row[key] == value)
            return row;
    FAIL("no " << entity << " row with " << key << " = " << value);
    throw std::logic_error("unreachable");
}

std::set<std::string> Keys(const json &list, const char *entity) {
    std::set<std::string> out;
    for (const auto &entry : list)
        if (entry["entity"] == entity)
            out.insert(entry["key"].get<std::string>());
    return out;
}

} // namespace

TEST_CASE(
    "parity: the legacy file equals the server after an exact upload; every injected difference is reported",
    "[legacy][parity]") {
    LegacyTempFiles files;
    BuildLegacy(files.legacy);
    LocalStore store(files.store);
    MigrateLegacy(store, files.legacy);
    LegacyData legacy = ReadLegacy(files.legacy);
    std::map<std::string, json> server = ServerAfterImport(store);

    json same = CompareLegacy(legacy, server);
    INFO(same.dump(2));
    CHECK(same["equal"] == true);
    CHECK(same["counts"]["legacy"] == same["counts"]["server"]);
    CHECK(same["counts"]["legacy"]["customers"] == legacy.customers.size());
    CHECK(same["counts"]["server"]["order_items"] == legacy.items.size());
    CHECK(same["totals"]["legacy"] == same["totals"]["server"]);

    SECTION("server-side changes: a field, a tombstone, an extra row, a lost item, a moved total") {
        RowWhere(server, "customers", "customer_code", "C-1002")["phone"] = "+32 000 0000";
        RowWhere(server, "customers", "customer_code", "C-1003")["deleted_at"] = "2026-11-25T10:00:00+00:00";
        server["customers"].push_back(
            {{"id", NewUuid()}, {"customer_code", "C-9999"}, {"name", "Walk-in"}, {"deleted_at", nullptr}});
        json &order = RowWhere(server, "orders", "order_code", "SO-1001");
        order["total"] = order["total"].get<double>() + 1;
        order["status"] = "cancelled";
        // drop the first item of SO-1002
        std::string so1002 = RowWhere(server, "orders", "order_code", "SO-1002")["id"];
        json &items = server["order_items"];
        std::string dropped;
        for (size_t i = 0; i < items.size(); i++)
            if (items[i]["order_id"] == so1002) {
                dropped = "SO-1002 / " + items[i]["product_name"].get<std::string>();
                items.erase(items.begin() + (long)i);
                break;
            }
        REQUIRE_FALSE(dropped.empty());

        json r = CompareLegacy(legacy, server);
        INFO(r.dump(2));
        CHECK(r["equal"] == false);
        CHECK(Keys(r["missing"], "customers") == std::set<std::string>{"C-1003"});
        CHECK(Keys(r["extra"], "customers") == std::set<std::string>{"C-9999"});
        CHECK(Keys(r["missing"], "order_items").size() == 1);
        CHECK(Keys(r["missing"], "order_items").begin()->rfind(dropped, 0) == 0);
        CHECK(Keys(r["different"], "customers") == std::set<std::string>{"C-1002"});
        // SO-1001 itself, and the orders of the tombstoned customer (their customer is gone)
        std::set<std::string> orders{"SO-1001"};
        for (const auto &o : legacy.orders)
            if (o.has_parent && o.parent == 3)
                orders.insert(o.code);
        CHECK(orders.size() > 1);
        CHECK(Keys(r["different"], "orders") == orders);
        for (const auto &d : r["different"])
            if (d["key"] == "SO-1001") {
                std::set<std::string> fields;
                for (const auto &f : d["fields"])
                    fields.insert(f["field"].get<std::string>());
                CHECK(fields == std::set<std::string>{"status", "total"});
            }
        CHECK(Keys(r["different"], "totals") == std::set<std::string>{"items_total", "orders_total"});
        CHECK(r["counts"]["server"]["customers"] == r["counts"]["legacy"]["customers"]); // one gone, one new
    }
    SECTION("legacy-side changes after the upload: an edited name, a new order, a new code") {
        RunSql(
            files.legacy,
            "UPDATE customers SET name = 'Renamed' WHERE code = 'C-1004';"
            "INSERT INTO orders (id, code, customer_id, status, total) VALUES (900, 'SO-9000', 4, 'new', 5);"
            "UPDATE orders SET code = 'SO-1003b' WHERE code = 'SO-1003';");
        json r = CompareLegacy(ReadLegacy(files.legacy), server);
        INFO(r.dump(2));
        CHECK(r["equal"] == false);
        CHECK(Keys(r["different"], "customers") == std::set<std::string>{"C-1004"});
        CHECK(Keys(r["missing"], "orders") == std::set<std::string>{"SO-1003b", "SO-9000"});
        CHECK(Keys(r["extra"], "orders") == std::set<std::string>{"SO-1003"});
        // the renamed order's items move with it: missing under the new code, extra under the old
        CHECK_FALSE(Keys(r["missing"], "order_items").empty());
        CHECK(Keys(r["missing"], "order_items").size() == Keys(r["extra"], "order_items").size());
    }
    SECTION("numbers compare as the server stores them; times as instants") {
        json &order = RowWhere(server, "orders", "order_code", "SO-1002");
        order["total"] = std::to_string(order["total"].get<double>()); // numeric as text is the same amount
        std::string at = order["ordered_at"];                          // "…Z" → "+00:00" spelling
        order["ordered_at"] = at.substr(0, at.size() - 1) + "+00:00";
        CHECK(CompareLegacy(legacy, server)["equal"] == true);
        order["ordered_at"] = at.substr(0, at.size() - 1) + "+01:00";
        CHECK(Keys(CompareLegacy(legacy, server)["different"], "orders") == std::set<std::string>{"SO-1002"});
    }
}

TEST_CASE("legacy users become members to invite (email and role, never a password); settings are queued",
          "[legacy]") {
    LegacyTempFiles files;
    const std::string tables =
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT, password_hash TEXT, role "
        "TEXT);"
        "INSERT INTO users VALUES (1, 'boss', ' Boss@Shop.example ', 'sha1$secret-hash-1', 'admin'),"
        " (2, 'till', 'till@shop.example', 'sha1$secret-hash-2', 'Cashier'),"
        " (3, 'acct', 'books@shop.example', 'sha1$secret-hash-3', 'accountant'),"
        " (4, 'dup', 'TILL@shop.example', 'sha1$secret-hash-4', 'manager'),"
        " (5, 'nomail', '', 'sha1$secret-hash-5', 'admin');"
        "CREATE TABLE shop_settings (key TEXT PRIMARY KEY, value TEXT);"
        "INSERT INTO shop_settings VALUES ('shop_name', 'Corner Café'), ('currency', 'eur'), ('tax_rate', "
        "'21%'),"
        " ('timezone', 'Europe/Amsterdam'), ('printer', 'EPSON');";
    BuildLegacy(files.legacy, tables);
    LocalStore store(files.store);
    LegacyReport report = MigrateLegacy(store, files.legacy);
    CHECK(report.members ==
          std::vector<std::pair<std::string, std::string>>{{"boss@shop.example", "owner"},
                                                           {"till@shop.example", "staff"},
                                                           {"books@shop.example", "viewer"}});
    CHECK(json::parse(store.Get("legacy_members")) ==
          json::parse(
              R"([{"email":"boss@shop.example","role":"owner"},{"email":"till@shop.example","role":"staff"},
                          {"email":"books@shop.example","role":"viewer"}])"));
    CHECK(report.settings);
    auto settings = Local(store, "shop_settings");
    REQUIRE(settings.size() == 1);
    CHECK(settings.begin()->second["display_name"] == "Corner Café");
    CHECK(settings.begin()->second["currency"] == "EUR");
    CHECK(settings.begin()->second["tax_rate"] == 0.21);
    CHECK(settings.begin()->second["timezone"] == "Europe/Amsterdam");
    bool warned = false;
    for (const auto &w : report.warnings)
        warned = warned || w.find("setting printer") != std::string::npos;
    CHECK(warned);
    // No password (hash) anywhere in the store: rows, outbox, key-value table.
    CHECK(Count(store, "SELECT count(*) FROM sync_outbox WHERE payload_json LIKE '%secret-hash%'") == 0);
    CHECK(Count(store, "SELECT count(*) FROM sync_kv WHERE value LIKE '%secret-hash%'") == 0);
    CHECK(Count(store,
                "SELECT count(*) FROM sync_outbox WHERE entity_type = 'shop_settings' AND op = 'create'") ==
          1);

    SECTION("a bad setting refuses the whole import, naming it") {
        LegacyTempFiles other;
        BuildLegacy(other.legacy, "CREATE TABLE shop_settings (key TEXT, value TEXT);"
                                  "INSERT INTO shop_settings VALUES ('tax_rate', '150%');");
        LocalStore fresh(other.store);
        CHECK_THROWS_WITH(MigrateLegacy(fresh, other.legacy), Catch::Contains("setting tax_rate"));
        CHECK(Everything(fresh) == 0);
    }
    SECTION("a file without the tables imports as before") {
        LegacyTempFiles plain;
        BuildLegacy(plain.legacy);
        LocalStore fresh(plain.store);
        LegacyReport r = MigrateLegacy(fresh, plain.legacy);
        CHECK(r.members.empty());
        CHECK_FALSE(r.settings);
        CHECK(fresh.Get("legacy_members").empty());
    }
}
