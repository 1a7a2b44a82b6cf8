// test/client/restore_recovery_test.cpp — a device meets a restored server (a
// new restore epoch): it gives back what the server lost, with stable keys,
// nothing twice, then equals the server. The server here is a small model of
// the push rules (versions, keys, tombstones) that can be copied: the copy is
// the backup, restored later under a new epoch.
#include <catch2/catch.hpp>

#include "outbox.hpp"
#include "restore_recovery.hpp"
#include "session.hpp"
#include "sqlite_statement.hpp"
#include "sync_engine.hpp"

#include <map>
#include <mutex>
#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;

namespace {

struct Row {
    long long version = 0;
    bool deleted = false;
    json columns = json::object();
};

struct ModelServer {
    std::string epoch = "11111111-1111-4111-8111-111111111111";
    std::map<std::string, std::map<std::string, Row>> rows;
    std::map<std::string, std::pair<std::string, json>> keys; // key → (event, outcome)
    std::map<std::string, int> writes;                        // entity/id → writes applied
    long long seq = 0;

    json Record(const std::string &entity, const std::string &id) {
        const Row &r = rows[entity][id];
        json out = r.columns;
        if (!out.contains("note"))
            out["note"] = nullptr; // a column with a default no device set
        out["id"] = id;
        out["version"] = r.version;
        out["deleted_at"] = r.deleted ? json("2026-11-25T00:00:00Z") : json(nullptr);
        return out;
    }

    json Apply(const json &e, std::string *status) {
        std::string entity = e["entity"], id = e["entity_id"], op = e["op"];
        long long base = e["base_version"];
        json head{{"idempotency_key", e["idempotency_key"]}, {"entity", entity}, {"entity_id", id}};
        auto &table = rows[entity];
        bool exists = table.count(id) > 0;
        if ((op == "create" && exists) || (op != "create" && exists && table[id].version != base)) {
            *status = "conflicts";
            head["server_version"] = table[id].version;
            head["server_record"] = Record(entity, id);
            return head;
        }
        if (op != "create" && !exists) {
            *status = "rejected";
            head["reason"] = "not_found";
            head["message"] = "no such row";
            return head;
        }
        if (op == "update" && table[id].deleted) {
            *status = "rejected";
            head["reason"] = "deleted";
            head["message"] = "deleted";
            return head;
        }
        Row &r = table[id];
        if (op == "delete")
            r.deleted = true;
        else
            r.columns.update(e.value("payload", json::object()));
        r.version = op == "create" ? 1 : r.version + 1;
        writes[entity + "/" + id]++;
        seq++;
        *status = "accepted";
        head["op"] = op;
        head["version"] = r.version;
        return head;
    }

    HttpResponse Handle(const HttpRequest &r) {
        if (r.path == "/sync/push") {
            json out{{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", json::array()}};
            const json body = json::parse(r.body);
            // A push made for another epoch applies nothing and claims no key (api.sync_push).
            if (body.contains("restore_epoch") && body["restore_epoch"] != epoch) {
                out["server_seq"] = seq;
                out["restore_epoch"] = epoch;
                return {200, out.dump(), -1, ""};
            }
            for (const auto &e : body["events"]) {
                std::string key = e["idempotency_key"], status;
                json event = e;
                auto seen = keys.find(key);
                if (seen != keys.end()) {
                    json outcome = seen->second.second;
                    if (seen->second.first != event.dump()) {
                        status = "rejected";
                        outcome = {{"idempotency_key", key},
                                   {"entity", e["entity"]},
                                   {"entity_id", e["entity_id"]},
                                   {"reason", "idempotency_key_reused"},
                                   {"message", "reused"}};
                    } else {
                        status = outcome["_status"];
                        outcome.erase("_status");
                    }
                    outcome["replayed"] = true;
                    out[status].push_back(outcome);
                    continue;
                }
                json outcome = Apply(e, &status);
                json stored = outcome;
                stored["_status"] = status;
                keys[key] = {event.dump(), stored};
                out[status].push_back(outcome);
            }
            out["server_seq"] = seq;
            out["restore_epoch"] = epoch;
            return {200, out.dump(), -1, ""};
        }
        if (r.path == "/rpc/sync_snapshot") {
            json args = json::parse(r.body), page = json::array();
            for (const auto &[id, row] : rows[args["entity"].get<std::string>()])
                page.push_back(Record(args["entity"], id));
            return {200,
                    json{{"entity", args["entity"]},
                         {"rows", page},
                         {"has_more", false},
                         {"next_after", nullptr},
                         {"cursor", seq},
                         {"restore_epoch", epoch}}
                        .dump(),
                    -1, ""};
        }
        if (r.path.rfind("/sync/pull", 0) == 0) {
            long long cursor = std::stoll(r.path.substr(r.path.find("cursor=") + 7));
            if (cursor > seq)
                return {410, json{{"code", "PT410"}, {"message", "cursor_expired"}}.dump(), -1, ""};
            return {200,
                    json{{"changes", json::array()}, // the pushes' answers told the device already
                         {"cursor", seq},
                         {"has_more", false},
                         {"restore_epoch", epoch}}
                        .dump(),
                    -1, ""};
        }
        if (r.path == "/rpc/sync_health")
            return {200,
                    json{{"role", "owner"},
                         {"entities", {"customers", "orders", "order_items", "shop_settings"}},
                         {"protocol_version", 3},
                         {"min_client_protocol", 1},
                         {"restore_epoch", epoch}}
                        .dump(),
                    -1, ""};
        return {404, "{}", -1, ""};
    }
};

class ModelTransport : public Transport {
  public:
    ModelServer **server;
    std::vector<HttpRequest> requests;
    explicit ModelTransport(ModelServer **s) : server(s) {}
    HttpResponse Send(const HttpRequest &request) override {
        requests.push_back(request);
        return (*server)->Handle(request);
    }
    int Stream(const std::string &, const std::string &, const std::function<void(const std::string &)> &,
               const std::atomic<bool> &) override {
        return 0;
    }
    std::vector<json> Pushed() const {
        std::vector<json> events;
        for (const auto &r : requests)
            if (r.path == "/sync/push") {
                const json body = json::parse(r.body);
                for (const auto &e : body["events"])
                    events.push_back(e);
            }
        return events;
    }
};

struct Device {
    std::string path = "/tmp/shopsync-restore-test-" + std::to_string(getpid()) + "-" + NewUuid() + ".db";
    LocalStore store{path};
    ModelTransport transport;
    std::mutex refresh_mutex;
    Session session{store, transport, refresh_mutex};
    std::mt19937_64 rng{7};
    explicit Device(ModelServer **server) : transport(server) {
        store.Put("device_id", "desk-" + NewUuid().substr(0, 4));
        store.Put("shop_id", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa");
        store.Put("access_token", "token-1");
        store.Put("refresh_token", "refresh-1");
        store.Put("access_expires_at", std::to_string(UnixNow() + 3600));
    }
    ~Device() {
        for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
            std::remove((path + suffix).c_str());
    }
    SyncReport Sync() {
        store.Put("entities_checked_at", "0"); // every round asks health, as a first call may
        return SyncEngine(store, session, EngineOptions{}, rng).SyncOnce();
    }
    // A round whose first call is the push (then the pull): health was asked
    // recently, as in a CLI's or an app's rounds a few seconds apart.
    SyncReport SyncWithoutHealth() {
        store.Put("entities_checked_at", std::to_string(UnixNow()));
        return SyncEngine(store, session, EngineOptions{}, rng).SyncOnce();
    }
    std::string Get(const std::string &sql) {
        Statement st(store, sql.c_str());
        return st.Step() ? st.Text(0) : "(none)";
    }
};

// Every local row equals the server's: same ids, versions, tombstones and columns.
void RequireEqual(Device &d, ModelServer &s) {
    for (const std::string entity : {"customers", "orders"}) {
        std::string sql =
            "SELECT id, version, deleted_at IS NOT NULL, data, sync_state FROM " + entity + " ORDER BY id";
        Statement st(d.store, sql.c_str());
        size_t n = 0;
        while (st.Step()) {
            n++;
            std::string id = st.Text(0);
            INFO(entity << " " << id);
            REQUIRE(s.rows[entity].count(id) == 1);
            const Row &r = s.rows[entity][id];
            CHECK(st.Int(1) == r.version);
            CHECK((st.Int(2) != 0) == r.deleted);
            CHECK(st.Text(4) == "synced");
            json data = json::parse(st.Text(3));
            for (auto it = r.columns.begin(); it != r.columns.end(); ++it)
                CHECK(data[it.key()] == *it);
        }
        CHECK(n == s.rows[entity].size());
    }
}

} // namespace

TEST_CASE("the first restore epoch a device meets is adopted, not recovered from", "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device d(&current);
    LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    REQUIRE(d.Sync().ok);
    CHECK(d.store.Get("restore_epoch") == server.epoch);
    CHECK(RecoveryTarget(d.store).empty());
    CHECK(d.transport.Pushed().size() == 1);
}

TEST_CASE("a restored server gets back every write the device had acknowledged, nothing twice", "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device d(&current);
    std::string kept = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Kept"}});
    std::string edited = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Edited"}});
    std::string offline = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Offline"}});
    REQUIRE(d.Sync().ok);
    ModelServer backup = server; // the base backup; everything below is after the restore point

    std::string late = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Late"}});
    std::string order =
        LocalWrite(d.store, "orders", WriteOp::Create, "", {{"order_code", "O-1"}, {"customer_id", late}});
    LocalWrite(d.store, "customers", WriteOp::Update, edited, {{"name", "Edited twice"}});
    std::string gone = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Gone"}});
    LocalWrite(d.store, "customers", WriteOp::Update, offline, {{"phone", "555"}});
    REQUIRE(d.Sync().ok);
    LocalWrite(d.store, "customers", WriteOp::Delete, kept, json::object());
    LocalWrite(d.store, "customers", WriteOp::Delete, gone, json::object());
    REQUIRE(d.Sync().ok);
    // An edit made offline, queued on the version the restored server lacks.
    LocalWrite(d.store, "customers", WriteOp::Update, offline, {{"name", "Offline edit"}});
    std::string offline_key = d.Get("SELECT idempotency_key FROM sync_outbox");
    REQUIRE(d.Get("SELECT base_version FROM sync_outbox") == "2");

    backup.epoch = "22222222-2222-4222-8222-222222222222";
    current = &backup; // the server is restored to the point of the backup
    d.transport.requests.clear();
    SyncReport report = d.Sync();
    INFO(report.error);
    REQUIRE(report.ok);
    CHECK(report.recovered);
    CHECK(d.store.Get("restore_epoch") == backup.epoch);
    CHECK(RecoveryTarget(d.store).empty());

    // Rows written after the restore point are back, with their tombstones.
    CHECK(backup.rows["customers"][late].columns["name"] == "Late");
    CHECK(backup.rows["orders"][order].columns["customer_id"] == late);
    CHECK(backup.rows["customers"][edited].columns["name"] == "Edited twice");
    CHECK(backup.rows["customers"][kept].deleted);
    CHECK(backup.rows["customers"][gone].deleted); // created and deleted after the point: a tombstone again
    // The offline edit went out under its own key, on the server's version, with the lost phone.
    CHECK(backup.rows["customers"][offline].columns["name"] == "Offline edit");
    CHECK(backup.rows["customers"][offline].columns["phone"] == "555");
    bool offline_sent = false;
    for (const auto &e : d.transport.Pushed())
        if (e["idempotency_key"] == offline_key) {
            offline_sent = true;
            CHECK(e["base_version"] ==
                  2); // after the acknowledged state, given back at the server's version 1
        }
    CHECK(offline_sent);
    // The parent before the child.
    std::vector<std::string> order_of_ids;
    for (const auto &e : d.transport.Pushed())
        order_of_ids.push_back(e["entity_id"]);
    CHECK(std::find(order_of_ids.begin(), order_of_ids.end(), late) <
          std::find(order_of_ids.begin(), order_of_ids.end(), order));
    CHECK(d.Get("SELECT count(*) FROM sync_failed") == "0");
    CHECK(d.Get("SELECT count(*) FROM sync_conflicts") == "0");
    RequireEqual(d, backup);

    // The next round gives nothing back again.
    d.transport.requests.clear();
    REQUIRE(d.Sync().ok);
    CHECK(d.transport.Pushed().empty());
    CHECK(backup.writes["customers/" + late] == 1);
}

TEST_CASE("two devices giving back the same row write it once; the server's newer row is kept", "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device a(&current), b(&current);
    REQUIRE(a.Sync().ok);
    REQUIRE(b.Sync().ok);
    ModelServer backup = server; // empty shop
    std::string shared = LocalWrite(a.store, "customers", WriteOp::Create, "", {{"name", "Shared"}});
    std::string newer = LocalWrite(a.store, "customers", WriteOp::Create, "", {{"name", "v1"}});
    REQUIRE(a.Sync().ok);
    b.store.Put("bootstrapped", "0"); // b takes both rows from the server
    REQUIRE(b.Sync().ok);
    REQUIRE(b.Get("SELECT count(*) FROM customers") == "2");

    backup.epoch = "33333333-3333-4333-8333-333333333333";
    current = &backup;
    SECTION("one after the other") {
        REQUIRE(a.Sync().ok);
        REQUIRE(b.Sync().ok);
        CHECK(b.transport.Pushed().empty()); // the server had both back, column for column
    }
    SECTION("both from the same snapshot, before either pushed") {
        // b's queue is made from the server as it was before a's push.
        ServerRows before;
        RecoveryCounts counts = QueueRecovery(b.store, {"customers"}, before);
        CHECK(counts.reuploaded == 2);
        REQUIRE(a.Sync().ok);
        b.store.Put("restore_target", backup.epoch);
        REQUIRE(b.Sync().ok);
    }
    CHECK(backup.writes["customers/" + shared] == 1);
    CHECK(backup.writes["customers/" + newer] == 1);
    CHECK(a.Get("SELECT count(*) FROM sync_failed") == "0");
    CHECK(b.Get("SELECT count(*) FROM sync_failed") == "0");
    CHECK(b.Get("SELECT count(*) FROM sync_conflicts WHERE dismissed = 0") == "0");
    RequireEqual(a, backup);
    RequireEqual(b, backup);
}

TEST_CASE("a recovery keeps what the restored server has as new or newer, and never undoes its delete",
          "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device d(&current);
    std::string same = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Same"}});
    std::string deleted = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Deleted"}});
    REQUIRE(d.Sync().ok);
    ModelServer backup = server;
    // After the backup, on the restored server (another device's later write
    // reached it after the restore): a delete.
    std::string status;
    backup.Apply({{"idempotency_key", "k-del"},
                  {"entity", "customers"},
                  {"entity_id", deleted},
                  {"op", "delete"},
                  {"base_version", 1}},
                 &status);
    backup.epoch = "44444444-4444-4444-8444-444444444444";
    current = &backup;
    d.transport.requests.clear();
    REQUIRE(d.Sync().ok);
    CHECK(d.transport.Pushed().empty());
    CHECK(backup.rows["customers"][deleted].deleted);
    CHECK(backup.writes["customers/" + same] == 1);
    RequireEqual(d, backup);
}

TEST_CASE("a pull page of a restored server is not applied before the recovery", "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device d(&current);
    std::string late = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Late"}});
    ModelServer backup = server;
    REQUIRE(d.Sync().ok);
    // Another device writes to the restored server first: its log reaches the
    // device's cursor again, so the pull answers a page instead of cursor_expired.
    std::string status;
    std::string other = NewUuid();
    backup.Apply({{"idempotency_key", "k-other"},
                  {"entity", "customers"},
                  {"entity_id", other},
                  {"op", "create"},
                  {"base_version", 0},
                  {"payload", {{"name", "Other"}}}},
                 &status);
    backup.epoch = "55555555-5555-4555-8555-555555555555";
    current = &backup;
    d.store.Put("entities_checked_at", std::to_string(UnixNow())); // no health call: the pull is first
    SyncReport report = SyncEngine(d.store, d.session, EngineOptions{}, d.rng).SyncOnce();
    INFO(report.error);
    REQUIRE(report.ok);
    CHECK(report.recovered);
    CHECK(backup.rows["customers"][late].columns["name"] == "Late");
    CHECK(d.Get("SELECT json_extract(data, '$.name') FROM customers WHERE id = '" + other + "'") == "Other");
    RequireEqual(d, backup);
}

// Regression (the rehearsal's tombstone check): the device's pull cursor is
// ahead of the restored server's log, so the pull's cursor_expired led to a
// rebuild; the rebuild's health call noted the new epoch but went on and
// took the snapshot over the synced rows, forgetting the rows the server had
// lost (a tombstone made after the restore point among them) before any
// recovery could give them back.
TEST_CASE("a pull cursor the restored server cannot serve recovers before it rebuilds", "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device d(&current);
    std::string old = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Old"}});
    REQUIRE(d.Sync().ok);
    ModelServer backup = server;
    std::string late = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Late"}});
    std::string gone =
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Created, then deleted"}});
    REQUIRE(d.SyncWithoutHealth().ok);
    LocalWrite(d.store, "customers", WriteOp::Delete, gone, json::object());
    LocalWrite(d.store, "customers", WriteOp::Delete, old, json::object());
    REQUIRE(d.SyncWithoutHealth().ok);
    REQUIRE(d.Get("SELECT count(*) FROM sync_outbox") == "0");

    backup.epoch = "66666666-6666-4666-8666-666666666666";
    current = &backup;
    d.transport.requests.clear();
    SyncReport report = d.SyncWithoutHealth(); // nothing to push: the pull meets cursor_expired
    INFO(report.error);
    REQUIRE(report.ok);
    CHECK(report.recovered);
    CHECK(backup.rows["customers"][late].columns["name"] == "Late");
    REQUIRE(backup.rows["customers"].count(gone) == 1);
    CHECK(backup.rows["customers"][gone].deleted);
    CHECK(backup.rows["customers"][old].deleted);
    CHECK(d.store.Get("restore_epoch") == backup.epoch);
    RequireEqual(d, backup);
}

// Regression (the rehearsal's offline-edit check): the push was the round's
// first call, so the restored server judged the edit before the device knew
// of the restore: a conflict (its base version was lost), server wins, the
// edit was gone and its key spent on the conflict. The push now names the
// device's epoch and a server of another epoch applies nothing of it.
TEST_CASE("an offline edit queued on a lost version reaches the restored server when the push comes first",
          "[restore]") {
    ModelServer server;
    ModelServer *current = &server;
    Device d(&current);
    std::string row = LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    REQUIRE(d.Sync().ok);
    ModelServer backup = server; // version 1
    LocalWrite(d.store, "customers", WriteOp::Update, row, {{"phone", "555"}});
    REQUIRE(d.SyncWithoutHealth().ok); // version 2, acknowledged, then lost
    LocalWrite(d.store, "customers", WriteOp::Update, row, {{"name", "Ann, left at the door"}});
    std::string offline_key = d.Get("SELECT idempotency_key FROM sync_outbox");
    REQUIRE(d.Get("SELECT base_version FROM sync_outbox") == "2");

    backup.epoch = "77777777-7777-4777-8777-777777777777";
    current = &backup;
    d.transport.requests.clear();
    SyncReport report = d.SyncWithoutHealth();
    INFO(report.error);
    REQUIRE(report.ok);
    CHECK(report.recovered);
    CHECK(backup.rows["customers"][row].columns["phone"] == "555");
    CHECK(backup.rows["customers"][row].columns["name"] == "Ann, left at the door");
    CHECK(backup.rows["customers"][row].version == 3);
    REQUIRE(backup.keys.count(offline_key) == 1);
    CHECK(backup.keys[offline_key].second["_status"] == "accepted");
    CHECK(d.Get("SELECT count(*) FROM sync_conflicts") == "0");
    CHECK(d.Get("SELECT count(*) FROM sync_failed") == "0");
    RequireEqual(d, backup);
}

TEST_CASE("recovery keys are the same on every device and differ by version and op", "[restore]") {
    std::string k = RecoveryKey("s", "customers", "id-1", 3, "update");
    CHECK(k == RecoveryKey("s", "customers", "id-1", 3, "update"));
    CHECK(k != RecoveryKey("s", "customers", "id-1", 4, "update"));
    CHECK(k != RecoveryKey("s", "customers", "id-1", 3, "delete"));
    CHECK(k != RecoveryKey("t", "customers", "id-1", 3, "update"));
    CHECK(k.size() == 36);
    CHECK(k[14] == '5');
}
