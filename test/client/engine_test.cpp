// test/client/engine_test.cpp — one sync round (SyncEngine) against a scripted
// fake server: what goes out, in which order and batches, and what the device
// holds afterwards when the server accepts, fails, throttles, splits, refuses
// or rejects the session.
#include <catch2/catch.hpp>

#include "apply.hpp"
#include "failed_writes.hpp"
#include "outbox.hpp"
#include "session.hpp"
#include "sqlite_statement.hpp"
#include "sync_engine.hpp"

#include <functional>
#include <set>
#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;

namespace {

struct EngineDb {
    std::string path = "/tmp/shopsync-engine-test-" + std::to_string(getpid()) + "-" + NewUuid() + ".db";
    ~EngineDb() {
        for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
            std::remove((path + suffix).c_str());
    }
};

// Answers every request with `handler`, recording what was asked.
class ScriptedServer : public Transport {
  public:
    std::function<HttpResponse(const HttpRequest &)> handler;
    std::vector<HttpRequest> requests;

    HttpResponse Send(const HttpRequest &request) override {
        requests.push_back(request);
        return handler(request);
    }
    int Stream(const std::string &, const std::string &, const std::function<void(const std::string &)> &,
               const std::atomic<bool> &) override {
        return 0;
    }
    std::vector<HttpRequest> To(const std::string &path) const {
        std::vector<HttpRequest> out;
        for (const auto &r : requests)
            if (r.path.rfind(path, 0) == 0)
                out.push_back(r);
        return out;
    }
};

HttpResponse Ok(const json &body) {
    return {200, body.dump(), -1, ""};
}

// A device that is signed in (a token valid for an hour), bootstrapped and told
// the server's entities, so a round goes straight to push and pull.
void SignedIn(LocalStore &store) {
    store.Put("device_id", "desk-1");
    store.Put("access_token", "token-1");
    store.Put("refresh_token", "refresh-1");
    store.Put("access_expires_at", std::to_string(UnixNow() + 3600));
    store.Put("bootstrapped", "1");
    store.Put("entities_checked_at", std::to_string(UnixNow()));
}

// Accepts every event at version base + 1; pulls are empty.
HttpResponse AcceptAll(const HttpRequest &r) {
    if (r.path == "/sync/push") {
        json accepted = json::array();
        const json body = json::parse(r.body);
        for (const auto &e : body["events"])
            accepted.push_back({{"idempotency_key", e["idempotency_key"]},
                                {"entity", e["entity"]},
                                {"entity_id", e["entity_id"]},
                                {"version", e["base_version"].get<int>() + 1}});
        return Ok({{"accepted", accepted}, {"conflicts", json::array()}, {"rejected", json::array()}});
    }
    if (r.path.rfind("/sync/pull", 0) == 0) // nothing new: the cursor stays
        return Ok({{"changes", json::array()},
                   {"cursor", std::stoll(r.path.substr(r.path.find("cursor=") + 7))},
                   {"has_more", false}});
    return {404, "{}", -1, ""};
}

std::vector<std::string> OutboxKeys(LocalStore &store) {
    Statement st(store, "SELECT idempotency_key FROM sync_outbox ORDER BY id");
    std::vector<std::string> keys;
    while (st.Step())
        keys.push_back(st.Text(0));
    return keys;
}

std::string Value(LocalStore &store, const std::string &sql) {
    Statement st(store, sql.c_str());
    return st.Step() ? st.Text(0) : "(none)";
}

struct Round {
    EngineDb file;
    LocalStore store{file.path};
    ScriptedServer server;
    std::mutex refresh_mutex;
    Session session{store, server, refresh_mutex};
    std::mt19937_64 rng{7};
    Round() { SignedIn(store); }
    SyncReport Run() { return SyncEngine(store, session, EngineOptions{}, rng).SyncOnce(); }
};

} // namespace

TEST_CASE("push goes oldest first in batches of at most 100 and syncs what the server accepts", "[engine]") {
    Round round;
    std::vector<std::string> ids;
    for (int i = 0; i < 250; i++)
        ids.push_back(
            LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "C" + std::to_string(i)}}));
    std::vector<std::string> keys = OutboxKeys(round.store);
    round.server.handler = AcceptAll;
    SyncReport report = round.Run();
    CHECK(report.ok);
    CHECK(report.accepted == 250);
    auto pushes = round.server.To("/sync/push");
    REQUIRE(pushes.size() == 3);
    std::vector<std::string> sent;
    for (const auto &p : pushes) {
        json body = json::parse(p.body);
        CHECK(body["device_id"] == "desk-1");
        CHECK(p.bearer == "token-1");
        for (const auto &e : body["events"])
            sent.push_back(e["idempotency_key"]);
    }
    CHECK(json::parse(pushes[0].body)["events"].size() == 100);
    CHECK(json::parse(pushes[2].body)["events"].size() == 50);
    CHECK(sent == keys); // outbox order, each once
    CHECK(PendingCount(round.store) == 0);
    CHECK(Value(round.store, "SELECT count(*) FROM customers WHERE sync_state = 'synced' AND version = 1") ==
          "250");
}

TEST_CASE("network errors, 5xx and 429 keep the batch with its keys and back off; the pull waits",
          "[engine]") {
    for (int status : {0, 500, 503, 429}) {
        Round round;
        LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
        LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Bob"}});
        std::vector<std::string> keys = OutboxKeys(round.store);
        round.server.handler = [status](const HttpRequest &r) {
            if (r.path == "/sync/push")
                return HttpResponse{status, status ? "{\"message\":\"busy\"}" : "",
                                    status == 429 ? 120.0 : -1, status ? "" : "connection refused"};
            return AcceptAll(r);
        };
        double before = UnixNow();
        SyncReport report = round.Run();
        CAPTURE(status);
        CHECK_FALSE(report.ok);
        CHECK(report.code == (status == 0 ? SHOPSYNC_NETWORK : SHOPSYNC_SERVER));
        CHECK(round.server.To("/sync/pull").empty());
        CHECK(OutboxKeys(round.store) == keys);
        CHECK(Value(round.store, "SELECT min(retry_count) FROM sync_outbox") == "1");
        CHECK(Value(round.store, "SELECT max(in_flight) FROM sync_outbox") == "0");
        double next = std::stod(Value(round.store, "SELECT min(next_retry_at) FROM sync_outbox"));
        CHECK(next >= before);
        if (status == 429)
            CHECK(next >= before + 120);                         // Retry-After is a floor
        CHECK(next <= UnixNow() + (status == 429 ? 121 : 5.01)); // first wait: at most 5 s, or Retry-After

        round.server.requests.clear();
        round.Run(); // before the backoff has passed: nothing is sent
        CHECK(round.server.To("/sync/push").empty());

        round.store.Exec("UPDATE sync_outbox SET next_retry_at = 0");
        round.server.handler = AcceptAll;
        CHECK(round.Run().ok);
        auto pushes = round.server.To("/sync/push");
        REQUIRE(pushes.size() == 1);
        json events = json::parse(pushes[0].body)["events"];
        CHECK(std::vector<std::string>{events[0]["idempotency_key"], events[1]["idempotency_key"]} == keys);
        CHECK(PendingCount(round.store) == 0);
    }
}

TEST_CASE("a newer event never overtakes an older one that is backing off", "[engine]") {
    Round round;
    std::string id = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    round.server.handler = [](const HttpRequest &r) {
        return r.path == "/sync/push" ? HttpResponse{503, "{}", -1, ""} : AcceptAll(r);
    };
    round.Run();
    LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Bob"}}); // due now, but behind Ann's
    round.server.requests.clear();
    round.server.handler = AcceptAll;
    round.Run();
    CHECK(round.server.To("/sync/push").empty());
    CHECK(PendingCount(round.store) == 2);
    (void)id;
}

TEST_CASE("a 413 halves the batch until the server takes it", "[engine]") {
    Round round;
    for (int i = 0; i < 100; i++)
        LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "C" + std::to_string(i)}});
    round.server.handler = [](const HttpRequest &r) {
        if (r.path == "/sync/push" && json::parse(r.body)["events"].size() > 25)
            return HttpResponse{413, "{\"code\":\"PT413\",\"message\":\"too many\"}", -1, ""};
        return AcceptAll(r);
    };
    SyncReport report = round.Run();
    CHECK(report.ok);
    CHECK(report.accepted == 100);
    CHECK(PendingCount(round.store) == 0);
    CHECK(round.server.To("/sync/push").size() == 2 + 4); // 100 and 50 refused, then 4 × 25
}

TEST_CASE("a batch refused as a whole (a viewer: 403) fails visibly, nothing dropped silently", "[engine]") {
    Round round;
    std::string a = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    std::string b = LocalWrite(round.store, "orders", WriteOp::Create, "", {{"status", "pending"}});
    round.server.handler = [](const HttpRequest &r) {
        if (r.path == "/sync/push")
            return HttpResponse{403, "{\"code\":\"42501\",\"message\":\"viewers cannot push changes\"}", -1,
                                ""};
        return AcceptAll(r);
    };
    SyncReport report = round.Run();
    CHECK_FALSE(report.ok);
    CHECK(report.rejected == 2);
    CHECK(report.code == SHOPSYNC_FORBIDDEN);
    CHECK(PendingCount(round.store) == 0);
    CHECK(Value(round.store, "SELECT sync_state || ': ' || last_error FROM customers WHERE id = '" + a +
                                 "'") == "failed: forbidden: viewers cannot push changes");
    CHECK(Value(round.store, "SELECT sync_state FROM orders WHERE id = '" + b + "'") == "failed");
    CHECK(round.server.To("/sync/pull").size() == 1); // the pull still runs
}

TEST_CASE("tokens: refreshed before expiry, once after a 401, and a dead session signs out", "[engine]") {
    Round round;
    LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    int refreshes = 0;
    auto refresh = [&](const HttpRequest &r) {
        refreshes++;
        CHECK(json::parse(r.body)["refresh_token"] == "refresh-" + std::to_string(refreshes));
        return Ok({{"access_token", "token-" + std::to_string(refreshes + 1)},
                   {"refresh_token", "refresh-" + std::to_string(refreshes + 1)},
                   {"expires_in", 900}});
    };
    SECTION("an access token expiring within a minute is refreshed first") {
        round.store.Put("access_expires_at", std::to_string(UnixNow() + 30));
        round.server.handler = [&](const HttpRequest &r) {
            return r.path == "/auth/refresh" ? refresh(r) : AcceptAll(r);
        };
        CHECK(round.Run().ok);
        CHECK(round.server.requests.front().path == "/auth/refresh");
        CHECK(round.server.To("/sync/push")[0].bearer == "token-2");
        CHECK(round.store.Get("refresh_token") == "refresh-2");
    }
    SECTION("a 401 refreshes once and retries") {
        round.server.handler = [&](const HttpRequest &r) {
            if (r.path == "/auth/refresh")
                return refresh(r);
            if (r.bearer == "token-1")
                return HttpResponse{401, "{\"message\":\"JWT expired\"}", -1, ""};
            return AcceptAll(r);
        };
        CHECK(round.Run().ok);
        CHECK(refreshes == 1);
        CHECK(round.server.To("/sync/push").size() == 2);
        CHECK(PendingCount(round.store) == 0);
    }
    SECTION("a second 401 ends the round with SHOPSYNC_AUTH, the events queued without penalty") {
        round.server.handler = [&](const HttpRequest &r) {
            return r.path == "/auth/refresh" ? refresh(r) : HttpResponse{401, "{}", -1, ""};
        };
        SyncReport report = round.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(refreshes == 1);
        CHECK(PendingCount(round.store) == 1);
        CHECK(Value(round.store,
                    "SELECT in_flight || '/' || retry_count || '/' || coalesce(next_retry_at, '-')"
                    " FROM sync_outbox") == "0/0/-");
    }
    SECTION("a refresh token the server refuses signs the device out") {
        round.store.Put("access_expires_at", "0");
        round.server.handler = [](const HttpRequest &r) {
            return r.path == "/auth/refresh" ? HttpResponse{401, "{\"message\":\"revoked\"}", -1, ""}
                                             : AcceptAll(r);
        };
        SyncReport report = round.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(round.store.Get("refresh_token").empty());
        CHECK(round.server.To("/sync/push").empty());
        CHECK(PendingCount(round.store) == 1);
    }
}

TEST_CASE("pull follows the cursor page by page until has_more is false", "[engine]") {
    Round round;
    round.server.handler = [](const HttpRequest &r) {
        if (r.path.rfind("/sync/pull", 0) != 0)
            return AcceptAll(r);
        int cursor = std::stoi(r.path.substr(r.path.find("cursor=") + 7));
        json change{{"seq", cursor + 1},
                    {"entity", "customers"},
                    {"entity_id", "c" + std::to_string(cursor)},
                    {"op", "create"},
                    {"version", 1},
                    {"payload", {{"id", "c" + std::to_string(cursor)}, {"version", 1}, {"name", "N"}}}};
        return Ok({{"changes", {change}}, {"cursor", cursor + 1}, {"has_more", cursor + 1 < 3}});
    };
    SyncReport report = round.Run();
    CHECK(report.ok);
    CHECK(report.pulled == 3);
    auto pulls = round.server.To("/sync/pull");
    REQUIRE(pulls.size() == 3);
    CHECK(pulls[1].path.find("cursor=1&") != std::string::npos);
    CHECK(pulls[2].path.find("cursor=2&") != std::string::npos);
    CHECK(round.store.Get("cursor") == "3");
}

TEST_CASE("a new device, or cursor_expired, rebuilds from the snapshot keeping pending edits", "[engine]") {
    Round round;
    json health = {{"entities", {"customers", "orders"}}, {"latest_seq", 90}};
    auto snapshot_page = [](const json &args) {
        std::string entity = args["entity"];
        if (entity == "orders")
            return Ok({{"entity", "orders"},
                       {"rows", json::array()},
                       {"has_more", false},
                       {"next_after", nullptr},
                       {"cursor", 91}});
        bool first = args["after"].is_null();
        json row{{"id", first ? "a1" : "a2"}, {"version", 3}, {"name", first ? "Server A1" : "Server A2"}};
        return Ok({{"entity", "customers"},
                   {"rows", {row}},
                   {"has_more", first},
                   {"next_after", first ? json("a1") : json()},
                   {"cursor", first ? 90 : 91}});
    };
    round.server.handler = [&](const HttpRequest &r) {
        if (r.path == "/rpc/sync_health")
            return Ok(health);
        if (r.path == "/rpc/sync_snapshot")
            return snapshot_page(json::parse(r.body));
        if (r.path.rfind("/sync/pull", 0) == 0 && r.path.find("cursor=5&") != std::string::npos)
            return HttpResponse{410, "{\"code\":\"PT410\",\"message\":\"cursor_expired\"}", -1, ""};
        return AcceptAll(r);
    };
    SECTION("a new device starts from the snapshot, then pulls from its first page's cursor") {
        round.store.Put("bootstrapped", "0");
        SyncReport report = round.Run();
        CHECK(report.ok);
        CHECK(report.rebuilt);
        std::vector<std::string> paths;
        for (const auto &r : round.server.requests)
            paths.push_back(r.path.substr(0, r.path.find('?')));
        CHECK(paths == std::vector<std::string>{"/rpc/sync_health", "/rpc/sync_snapshot",
                                                "/rpc/sync_snapshot", "/rpc/sync_snapshot", "/sync/pull"});
        CHECK(json::parse(round.server.requests[2].body)["after"] == "a1");
        CHECK(round.server.To("/sync/pull")[0].path.find("cursor=90&") != std::string::npos);
        CHECK(Value(round.store, "SELECT count(*) FROM customers WHERE sync_state = 'synced'") == "2");
    }
    SECTION("cursor_expired: purged rows go, pending edits stay, the cursor becomes the snapshot's") {
        round.store.Put("cursor", "5");
        round.store.Exec("INSERT INTO customers (id, version, data, sync_state) VALUES"
                         " ('gone', 2, '{\"id\":\"gone\"}', 'synced'),"
                         " ('a1', 2, '{\"id\":\"a1\",\"name\":\"old\"}', 'synced')");
        std::string mine = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Mine"}});
        LocalWrite(round.store, "customers", WriteOp::Update, "a1", {{"name", "edited offline"}});
        round.store.Exec("UPDATE sync_outbox SET next_retry_at = 1e12"); // still waiting to be sent
        SyncReport report = round.Run();
        CHECK(report.rebuilt);
        CHECK(Value(round.store, "SELECT count(*) FROM customers WHERE id = 'gone'") == "0");
        CHECK(Value(round.store, "SELECT json_extract(data, '$.name') FROM customers WHERE id = 'a1'") ==
              "edited offline");
        CHECK(Value(round.store, "SELECT sync_state FROM customers WHERE id = 'a1'") == "pending_update");
        CHECK(Value(round.store, "SELECT sync_state FROM customers WHERE id = '" + mine + "'") ==
              "pending_create");
        CHECK(Value(round.store, "SELECT json_extract(data, '$.name') FROM customers WHERE id = 'a2'") ==
              "Server A2");
        CHECK(PendingCount(round.store) == 2);
        CHECK(round.store.Get("cursor") == "90");
    }
}

TEST_CASE("a conflict answer: the server's record replaces the row, a conflict record stays", "[engine]") {
    Round round;
    round.store.Exec("INSERT INTO orders (id, version, data, sync_state) VALUES"
                     " ('o1', 4, '{\"id\":\"o1\",\"notes\":\"mine\"}', 'synced')");
    LocalWrite(round.store, "orders", WriteOp::Update, "o1", {{"notes", "desk"}});
    round.server.handler = [](const HttpRequest &r) {
        if (r.path != "/sync/push")
            return AcceptAll(r);
        json e = json::parse(r.body)["events"][0];
        json record{{"id", "o1"}, {"version", 5}, {"notes", "tablet"}, {"status", "pending"}};
        return Ok({{"accepted", json::array()},
                   {"rejected", json::array()},
                   {"conflicts",
                    {{{"idempotency_key", e["idempotency_key"]},
                      {"entity", "orders"},
                      {"entity_id", "o1"},
                      {"server_version", 5},
                      {"server_record", record}}}}});
    };
    SyncReport report = round.Run();
    CHECK(report.conflicts == 1);
    CHECK(Value(round.store,
                "SELECT json_extract(data, '$.notes') || '/' || version || '/' || sync_state FROM orders") ==
          "tablet/5/synced");
    CHECK(Value(round.store, "SELECT json_extract(local_payload, '$.notes') FROM sync_conflicts") == "desk");
    CHECK(report.changed.count("orders") == 1);
}

// ---- issue 10: no write lost or hidden ------------------------------------------------------

namespace {

// A push answer that refuses every event with `reason`.
HttpResponse RejectAll(const HttpRequest &r, const std::string &reason, const std::string &message) {
    json rejected = json::array();
    const json body = json::parse(r.body);
    for (const auto &e : body["events"])
        rejected.push_back({{"idempotency_key", e["idempotency_key"]},
                            {"entity", e["entity"]},
                            {"entity_id", e["entity_id"]},
                            {"reason", reason},
                            {"message", message}});
    return Ok({{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", rejected}});
}

// A pull page (from any cursor) that carries `record` as the newest version of a customer.
HttpResponse PullOf(const json &record, long long cursor) {
    json change{{"seq", cursor},  {"entity", "customers"},        {"entity_id", record["id"]},
                {"op", "update"}, {"version", record["version"]}, {"payload", record}};
    return Ok({{"changes", {change}}, {"cursor", cursor}, {"has_more", false}});
}

} // namespace

TEST_CASE("issue 10.1: a refused write stays failed with its reason when a pull brings a newer version",
          "[engine][issue10]") {
    Round round;
    round.store.Exec("INSERT INTO customers (id, version, data, sync_state) VALUES"
                     " ('c1', 1, '{\"id\":\"c1\",\"version\":1,\"name\":\"Ann\"}', 'synced')");
    LocalWrite(round.store, "customers", WriteOp::Update, "c1", {{"name", "viewer's try"}});
    json newer{{"id", "c1"}, {"version", 2}, {"name", "owner's edit"}};
    round.server.handler = [&](const HttpRequest &r) {
        if (r.path == "/sync/push")
            return RejectAll(r, "forbidden", "viewers cannot change rows");
        if (r.path.rfind("/sync/pull", 0) == 0)
            return PullOf(newer, 9);
        return AcceptAll(r);
    };
    SECTION("the same round's pull already carries the newer version") {
        SyncReport report = round.Run();
        CHECK(report.rejected == 1);
    }
    SECTION("a later round pulls the newer version") {
        round.server.handler = [&](const HttpRequest &r) {
            return r.path == "/sync/push" ? RejectAll(r, "forbidden", "viewers cannot change rows")
                                          : AcceptAll(r);
        };
        round.Run();
        round.server.handler = [&](const HttpRequest &r) {
            return r.path.rfind("/sync/pull", 0) == 0 ? PullOf(newer, 9) : AcceptAll(r);
        };
        round.Run();
    }
    CHECK(Value(round.store, "SELECT sync_state || ' / ' || last_error FROM customers WHERE id = 'c1'") ==
          "failed / forbidden: viewers cannot change rows");
    CHECK(Value(round.store, "SELECT json_extract(data, '$.name') FROM customers WHERE id = 'c1'") ==
          "viewer's try");
    CHECK(round.store.Get("cursor") == "9"); // the pull itself went through
    json failed = ListFailed(round.store);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0]["reason"] == "forbidden");
    CHECK(failed[0]["attempt"] == json{{"name", "viewer's try"}});
    CHECK(failed[0]["server_row"]["name"] == "owner's edit"); // the server's current row beside it
    CHECK(failed[0]["server_row"]["version"] == 2);
}

TEST_CASE("issue 10.2: events a killed round left in flight are resent at once, same keys, in order",
          "[engine][issue10]") {
    Round round;
    std::string id = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    std::vector<std::string> keys = OutboxKeys(round.store);
    TakeBatch(round.store, 100, UnixNow()); // the round that took it was killed before an answer came
    round.server.handler = AcceptAll;
    SECTION("the next round sends it at once with its key") {
        SyncReport report = round.Run();
        CHECK(report.ok);
        CHECK(report.pushed == 1);
        REQUIRE(round.server.To("/sync/push").size() == 1);
        CHECK(json::parse(round.server.To("/sync/push")[0].body)["events"][0]["idempotency_key"] == keys[0]);
        CHECK(PendingCount(round.store) == 0);
        CHECK(Value(round.store, "SELECT sync_state FROM customers") == "synced");
    }
    SECTION("an edit made after the crash goes after the create, never ahead of it") {
        LocalWrite(round.store, "customers", WriteOp::Update, id, {{"phone", "555"}});
        SyncReport report = round.Run();
        CHECK(report.ok);
        std::vector<std::string> ops;
        for (const auto &p : round.server.To("/sync/push")) {
            const json body = json::parse(p.body);
            for (const auto &e : body["events"])
                ops.push_back(e["op"].get<std::string>() + "/" +
                              e["idempotency_key"].get<std::string>().substr(0, 8));
        }
        REQUIRE(ops.size() == 2);
        CHECK(ops[0] == "create/" + keys[0].substr(0, 8));
        CHECK(ops[1].rfind("update/", 0) == 0);
        CHECK(Value(round.store, "SELECT sync_state || '/' || version FROM customers") == "synced/2");
    }
    SECTION("an edit never folds into an event that may have reached the server, however old") {
        round.store.Exec("UPDATE sync_outbox SET in_flight = 1"); // taken long ago (any lease has run out)
        LocalWrite(round.store, "customers", WriteOp::Update, id, {{"phone", "555"}});
        CHECK(OutboxKeys(round.store).size() == 2);
        CHECK(OutboxKeys(round.store)[0] == keys[0]);
        CHECK(Value(round.store, "SELECT payload_json FROM sync_outbox ORDER BY id LIMIT 1") ==
              "{\"name\":\"Ann\"}");
    }
    SECTION("a batch whose answer was lost is never folded into either") {
        round.server.handler = [](const HttpRequest &r) {
            return r.path == "/sync/push" ? HttpResponse{0, "", -1, "connection reset"} : AcceptAll(r);
        };
        round.store.Exec("UPDATE sync_outbox SET in_flight = 0");
        round.Run(); // sent; the answer lost: the server may have applied it
        LocalWrite(round.store, "customers", WriteOp::Update, id, {{"phone", "555"}});
        CHECK(OutboxKeys(round.store).size() == 2);
        CHECK(OutboxKeys(round.store)[0] == keys[0]);
    }
}

TEST_CASE(
    "issue 10.3: signing in to another shop refuses while this shop has unsent writes, else switches whole",
    "[engine][issue10]") {
    Round round;
    round.store.Put("shop_id", "shop-a");
    round.store.Put("cursor", "50");
    round.store.Exec("INSERT INTO customers (id, shop_id, version, data, sync_state) VALUES"
                     " ('a-row', 'shop-a', 1, '{\"id\":\"a-row\"}', 'synced')");
    round.server.handler = [](const HttpRequest &r) {
        if (r.path != "/auth/login")
            return AcceptAll(r);
        json body = json::parse(r.body);
        std::string shop = body.value("shop_id", "shop-a");
        return Ok({{"access_token", "token-" + shop},
                   {"refresh_token", "refresh-" + shop},
                   {"expires_in", 900},
                   {"user", {{"id", "u1"}, {"email", "sam@example.com"}}},
                   {"shop_id", shop},
                   {"shop_role", "staff"}});
    };
    auto switch_to = [&](const std::string &shop) {
        try {
            round.session.Login("sam@example.com", "password", shop);
            return SHOPSYNC_OK;
        } catch (const ClientError &e) {
            return e.code;
        }
    };
    for (std::string from : {"shop-a", "shop-b"}) {
        std::string to = from == "shop-a" ? "shop-b" : "shop-a";
        CAPTURE(from);
        std::string mine =
            LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "unsent in " + from}});
        CHECK(switch_to(to) == SHOPSYNC_UNSENT);
        CHECK(round.store.Get("shop_id") == from); // nothing changed
        CHECK(round.store.Get("refresh_token") != "refresh-" + to);
        CHECK(PendingCount(round.store) == 1);
        CHECK(Value(round.store, "SELECT sync_state FROM customers WHERE id = '" + mine + "'") ==
              "pending_create");

        round.Run(); // sent
        CHECK(PendingCount(round.store) == 0);
        round.store.Put("cursor", "50");
        CHECK(switch_to(to) == SHOPSYNC_OK);
        CHECK(round.store.Get("shop_id") == to);
        CHECK(Value(round.store, "SELECT count(*) FROM customers") == "0"); // no row of the other shop
        CHECK(round.store.Get("cursor") == "0"); // the new shop's rows from the start
        CHECK(round.store.Get("bootstrapped") != "1");
        CHECK(round.store.Get("entities_checked_at").empty());
        round.store.Put("bootstrapped", "1"); // as after the new shop's snapshot
        round.store.Put("entities_checked_at", std::to_string(UnixNow()));
    }
    // A change lost to a conflict counts until its record is dismissed.
    round.store.Exec(
        "INSERT INTO sync_conflicts (entity_type, entity_id, local_payload, server_record, created_at)"
        " VALUES ('customers', 'x', '{}', '{}', 0)");
    CHECK(switch_to("shop-b") == SHOPSYNC_UNSENT);
    round.store.Exec("UPDATE sync_conflicts SET dismissed = 1");
    CHECK(switch_to("shop-b") == SHOPSYNC_OK);
    CHECK(switch_to("shop-a") == SHOPSYNC_OK); // the same shop again keeps everything
    round.store.Put("cursor", "7");
    CHECK(switch_to("shop-a") == SHOPSYNC_OK);
    CHECK(round.store.Get("cursor") == "7");
}

TEST_CASE("issue 10.6: a removed or demoted member's writes end visibly failed, also after a kill",
          "[engine][issue10]") {
    Round round;
    std::string a = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    TakeBatch(round.store, 100, UnixNow()); // the device was killed mid-push
    std::string b = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Bob"}});
    SECTION("removed: the refresh is refused as not a member") {
        round.store.Put("access_expires_at", "0");
        round.server.handler = [](const HttpRequest &r) {
            if (r.path == "/auth/refresh")
                return HttpResponse{403, "{\"code\":\"42501\",\"message\":\"not a member of that shop\"}", -1,
                                    ""};
            return AcceptAll(r);
        };
    }
    SECTION("removed: the push is refused as not a member") {
        round.server.handler = [](const HttpRequest &r) {
            if (r.path == "/auth/refresh" || r.path == "/sync/push" || r.path.rfind("/sync/pull", 0) == 0)
                return HttpResponse{
                    403, "{\"code\":\"42501\",\"message\":\"the caller is not a member of this shop\"}", -1,
                    ""};
            return AcceptAll(r);
        };
    }
    SECTION("demoted to viewer: the push is refused") {
        round.server.handler = [](const HttpRequest &r) {
            if (r.path == "/sync/push")
                return HttpResponse{403, "{\"code\":\"42501\",\"message\":\"viewers cannot push changes\"}",
                                    -1, ""};
            return AcceptAll(r);
        };
    }
    SyncReport report = round.Run();
    CHECK_FALSE(report.ok);
    CHECK(report.code == SHOPSYNC_FORBIDDEN);
    CHECK(PendingCount(round.store) == 0);
    for (const auto &id : {a, b})
        CHECK(Value(round.store, "SELECT sync_state FROM customers WHERE id = '" + id + "'") == "failed");
    CHECK(Value(round.store, "SELECT count(*) FROM customers WHERE last_error IS NULL OR last_error = ''") ==
          "0");
}

TEST_CASE("write groups: committed as one, sent whole in one batch with protocol 2, never split or folded",
          "[engine][groups]") {
    Round round;
    for (int i = 0; i < 98; i++)
        LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "C" + std::to_string(i)}});
    std::string order = NewUuid();
    std::vector<std::string> ids = LocalWriteGroup(
        round.store, {{WriteOp::Create, "orders", order, {{"order_code", "O-1"}}},
                      {WriteOp::Create, "order_items", "", {{"order_id", order}, {"product_name", "Tea"}}},
                      {WriteOp::Create, "order_items", "", {{"order_id", order}, {"product_name", "Cake"}}}});
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] == order);
    SECTION("a group that does not fit the batch waits for the next, whole") {
        round.server.handler = AcceptAll;
        CHECK(round.Run().ok);
        auto pushes = round.server.To("/sync/push");
        REQUIRE(pushes.size() == 2);
        json first = json::parse(pushes[0].body), second = json::parse(pushes[1].body);
        CHECK(first["protocol"] == SyncEngine::kProtocol); // groups need 2 or newer
        CHECK(first["events"].size() == 98);
        REQUIRE(second["events"].size() == 3);
        std::string group = second["events"][0]["group_id"];
        CHECK(group.size() == 36);
        for (const auto &e : second["events"])
            CHECK(e["group_id"] == group);
        CHECK(round.server.To("/sync/pull")[0].path.find(
                  "protocol=" + std::to_string(SyncEngine::kProtocol)) != std::string::npos);
    }
    SECTION("a later edit of a grouped row is its own event, chained on the group's version") {
        LocalWrite(round.store, "orders", WriteOp::Update, order, {{"notes", "later"}});
        CHECK(Value(round.store,
                    "SELECT count(*) || '/' || max(base_version) FROM sync_outbox WHERE entity_id = '" +
                        order + "'") == "2/1");
        CHECK(Value(round.store, "SELECT payload_json FROM sync_outbox WHERE entity_id = '" + order +
                                     "' ORDER BY id LIMIT 1") == "{\"order_code\":\"O-1\"}");
    }
    SECTION("a bad write anywhere in a group writes nothing") {
        int before = PendingCount(round.store);
        CHECK_THROWS_AS(
            LocalWriteGroup(round.store, {{WriteOp::Create, "orders", "", {{"order_code", "O-2"}}},
                                          {WriteOp::Update, "orders", "no-such-row", {{"notes", "x"}}}}),
            ClientError);
        CHECK(PendingCount(round.store) == before);
        CHECK(Value(round.store, "SELECT count(*) FROM orders") == "1");
    }
}

TEST_CASE("write groups: when one write is refused, the others end group_failed with the cause",
          "[engine][groups]") {
    Round round;
    std::string order = NewUuid();
    LocalWriteGroup(round.store,
                    {{WriteOp::Create, "orders", order, {{"order_code", "O-1"}}},
                     {WriteOp::Create, "order_items", "", {{"order_id", order}, {"quantity", -1}}}});
    round.server.handler = [](const HttpRequest &r) {
        if (r.path != "/sync/push")
            return AcceptAll(r);
        const json events = json::parse(r.body)["events"];
        json culprit{{"idempotency_key", events[1]["idempotency_key"]},
                     {"reason", "invalid_value"},
                     {"message", "quantity must be positive"}};
        json other{
            {"idempotency_key", events[0]["idempotency_key"]},
            {"reason", "group_failed"},
            {"message", "another write of its group was refused"},
            {"cause", {{"idempotency_key", events[1]["idempotency_key"]}, {"reason", "invalid_value"}}}};
        return Ok(
            {{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", {other, culprit}}});
    };
    SyncReport report = round.Run();
    CHECK(report.rejected == 2);
    json failed = ListFailed(round.store);
    REQUIRE(failed.size() == 2);
    CHECK(failed[0]["entity"] == "orders");
    CHECK(failed[0]["reason"] == "group_failed");
    CHECK(failed[0]["cause"]["reason"] == "invalid_value");
    CHECK(failed[1]["reason"] == "invalid_value");
    CHECK(failed[0]["group_id"] == failed[1]["group_id"]);
    CHECK(Value(round.store, "SELECT sync_state FROM orders") == "failed");
    CHECK(Value(round.store, "SELECT sync_state FROM order_items") == "failed");

    // Edit and retry the culprit: the whole group goes again, as a new group, parents first.
    {
        Transaction tx(round.store);
        RetryFailed(round.store, failed[1]["id"], {{"quantity", 1}}, false);
        tx.Commit();
    }
    CHECK(ListFailed(round.store).empty());
    CHECK(
        Value(
            round.store,
            "SELECT group_concat(entity_type, ',') FROM (SELECT entity_type FROM sync_outbox ORDER BY id)") ==
        "orders,order_items");
    CHECK(Value(round.store, "SELECT count(DISTINCT group_id) || '/' || count(*) FROM sync_outbox") == "1/2");
    CHECK(Value(round.store, "SELECT group_id <> '" + failed[0]["group_id"].get<std::string>() +
                                 "' FROM sync_outbox LIMIT 1") == "1");
    CHECK(Value(round.store, "SELECT json_extract(payload_json, '$.quantity') FROM sync_outbox"
                             " WHERE entity_type = 'order_items'") == "1");
}

// ---- protocol 2: the handshake and the offline pre-check --------------------------------------

namespace {

const json kRules = json::parse(R"({
  "customers": {"write_roles": ["owner", "staff"], "delete_roles": ["owner"], "status": null, "parents": []},
  "orders": {"write_roles": ["owner", "staff"], "delete_roles": ["owner"],
             "status": {"column": "status", "override_roles": ["owner"],
                        "transitions": {"pending": ["confirmed", "cancelled"], "confirmed": ["completed", "cancelled"],
                                        "completed": [], "cancelled": []}},
             "parents": [{"entity": "customers", "column": "customer_id"}]}
})");

HttpResponse Health(const json &extra) {
    json health{{"entities", {"customers", "orders", "order_items", "shop_settings"}}, {"latest_seq", 0}};
    health.update(extra);
    return Ok(health);
}

// The outcome of one local write as "ok" or the refusal's reason code.
std::string Outcome(LocalStore &store, const std::string &entity, WriteOp op, const std::string &id,
                    const json &payload, bool override = false) {
    try {
        Transaction tx(store);
        LocalWriteInTransaction(store, entity, op, id, payload, override);
        return "ok"; // rolled back: every case starts from the same rows
    } catch (const ClientError &e) {
        std::string what = e.what();
        return e.code == SHOPSYNC_FORBIDDEN ? what.substr(0, what.find(':')) : "error " + what;
    }
}

} // namespace

TEST_CASE("protocol 2: the health answer's role and rules are kept; a too-old client is told to update",
          "[engine][protocol]") {
    Round round;
    round.store.Put("entities_checked_at", "0");
    LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    SECTION("role, rules and the server's protocol are kept") {
        round.server.handler = [](const HttpRequest &r) {
            return r.path == "/rpc/sync_health" ? Health({{"role", "staff"},
                                                          {"rules", kRules},
                                                          {"protocol_version", 2},
                                                          {"min_client_protocol", 1}})
                                                : AcceptAll(r);
        };
        CHECK(round.Run().ok);
        CHECK(round.store.Get("shop_role") == "staff");
        CHECK(json::parse(round.store.Get("rules")) == kRules);
        CHECK(round.store.Get("server_protocol") == "2");
    }
    SECTION("a server that no longer serves this client's protocol stops the round before any push") {
        round.server.handler = [](const HttpRequest &r) {
            return r.path == "/rpc/sync_health" ? Health({{"protocol_version", SyncEngine::kProtocol + 1},
                                                          {"min_client_protocol", SyncEngine::kProtocol + 1}})
                                                : AcceptAll(r);
        };
        SyncReport report = round.Run();
        CHECK(report.code == SHOPSYNC_UPDATE_REQUIRED);
        CHECK(report.error.find("Update the app") != std::string::npos);
        CHECK(round.server.To("/sync/push").empty());
        CHECK(PendingCount(round.store) == 1);
    }
    SECTION("a push refused with 0A000 keeps the writes queued and says to update") {
        round.store.Put("entities_checked_at", std::to_string(UnixNow()));
        round.server.handler = [](const HttpRequest &r) {
            if (r.path == "/sync/push")
                return HttpResponse{400,
                                    R"({"code":"0A000","message":"client protocol 2 is no longer served",)"
                                    R"("hint":"Update the app; this server serves protocol 3 or newer."})",
                                    -1, ""};
            return AcceptAll(r);
        };
        SyncReport report = round.Run();
        CHECK(report.code == SHOPSYNC_UPDATE_REQUIRED);
        CHECK(report.error.find(
                  "client protocol 2 is no longer served. Update the app; this server serves protocol 3") !=
              std::string::npos);
        CHECK(PendingCount(round.store) == 1);
        CHECK(ListFailed(round.store).empty());
    }
}

TEST_CASE("offline pre-check: every role, op and status move is refused locally exactly as the server would",
          "[engine][protocol]") {
    Round round;
    round.store.Put("rules", kRules.dump());
    round.store.Exec("INSERT INTO customers (id, version, data, sync_state) VALUES"
                     " ('c1', 1, '{\"id\":\"c1\",\"name\":\"Ann\"}', 'synced')");
    const std::vector<std::string> statuses = {"pending", "confirmed", "completed", "cancelled"};
    for (const auto &s : statuses)
        round.store.Exec("INSERT INTO orders (id, version, data, sync_state) VALUES ('o-" + s +
                         "', 1, '{\"id\":\"o-" + s + "\",\"status\":\"" + s + "\"}', 'synced')");
    const std::set<std::pair<std::string, std::string>> moves = {{"pending", "confirmed"},
                                                                 {"pending", "cancelled"},
                                                                 {"confirmed", "completed"},
                                                                 {"confirmed", "cancelled"}};
    SECTION("no cached role: everything goes to the server") {
        CHECK(Outcome(round.store, "customers", WriteOp::Delete, "c1", json::object()) == "ok");
        CHECK(Outcome(round.store, "orders", WriteOp::Update, "o-completed", {{"status", "pending"}}) ==
              "ok");
    }
    for (const std::string role : {"owner", "staff", "viewer"}) {
        round.store.Put("shop_role", role);
        CAPTURE(role);
        bool viewer = role == "viewer";
        CHECK(Outcome(round.store, "customers", WriteOp::Create, "", {{"name", "Bo"}}) ==
              (viewer ? "forbidden" : "ok"));
        CHECK(Outcome(round.store, "customers", WriteOp::Update, "c1", {{"name", "Bo"}}) ==
              (viewer ? "forbidden" : "ok"));
        CHECK(Outcome(round.store, "customers", WriteOp::Delete, "c1", json::object()) ==
              (role == "owner" ? "ok" : "forbidden"));
        CHECK(Outcome(round.store, "orders", WriteOp::Delete, "o-pending", json::object()) ==
              (role == "owner" ? "ok" : "forbidden"));
        CHECK(Outcome(round.store, "orders", WriteOp::Create, "", {{"status", "pending"}}) ==
              (viewer ? "forbidden" : "ok"));
        CHECK(Outcome(round.store, "orders", WriteOp::Create, "", {{"status", "lost"}}) ==
              (viewer ? "forbidden" : "invalid_transition"));
        for (const auto &from : statuses)
            for (const auto &to : statuses)
                for (bool override : {false, true}) {
                    CAPTURE(from, to, override);
                    std::string expected = viewer                                  ? "forbidden"
                                           : from == to || moves.count({from, to}) ? "ok"
                                           : !override                             ? "invalid_transition"
                                           : role == "owner"                       ? "ok"
                                                                                   : "forbidden";
                    CHECK(Outcome(round.store, "orders", WriteOp::Update, "o-" + from, {{"status", to}},
                                  override) == expected);
                }
        CHECK(Outcome(round.store, "orders", WriteOp::Update, "o-completed", {{"status", "lost"}}, true) ==
              (viewer ? "forbidden" : "invalid_transition"));
    }
}

TEST_CASE("a child of a refused create fails as parent_failed, naming the parent's refusal", "[engine]") {
    Round round;
    std::string customer = LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    std::string order = LocalWrite(round.store, "orders", WriteOp::Create, "", {{"customer_id", customer}});
    // The server refuses the customer (its notes are too long, say) and so
    // finds no parent for the order, in the same batch or a later one.
    auto refuse = [&](const HttpRequest &r) {
        if (r.path != "/sync/push")
            return AcceptAll(r);
        json rejected = json::array();
        const json body = json::parse(r.body);
        for (const auto &e : body["events"]) {
            bool parent = e["entity"] == "customers";
            rejected.push_back(
                {{"idempotency_key", e["idempotency_key"]},
                 {"entity", e["entity"]},
                 {"entity_id", e["entity_id"]},
                 {"reason", parent ? "value_too_long" : "foreign_key_violation"},
                 {"message", parent ? "notes is too long" : "customer_id names no row of this shop"}});
        }
        return Ok({{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", rejected}});
    };
    round.server.handler = refuse;
    SECTION("in the same batch") {
        SyncReport report = round.Run();
        INFO(report.error);
        CHECK(report.rejected == 2);
    }
    SECTION("in a later batch") {
        LocalWrite(round.store, "customers", WriteOp::Create, "",
                   {{"name", "Other"}}); // keeps the order queued
        round.store.Exec("UPDATE sync_outbox SET next_retry_at = 1e12 WHERE entity_type = 'orders'");
        round.Run();
        round.store.Exec("UPDATE sync_outbox SET next_retry_at = NULL");
        round.Run();
    }
    json failed = ListFailed(round.store);
    json child;
    for (const auto &f : failed)
        if (f["entity_id"] == order)
            child = f;
    REQUIRE(child.is_object());
    CHECK(child["reason"] == "parent_failed");
    CHECK(child["cause"]["entity"] == "customers");
    CHECK(child["cause"]["entity_id"] == customer);
    CHECK(child["cause"]["reason"] == "value_too_long");
    CHECK(child["message"].get<std::string>().find("customer_id names no row") != std::string::npos);
    CHECK(Value(round.store, "SELECT last_error FROM orders").rfind("parent_failed: ", 0) == 0);
    // A refusal for a reason of its own stays that reason.
    for (const auto &f : failed)
        if (f["entity_id"] == customer)
            CHECK(f["reason"] == "value_too_long");
}

TEST_CASE("a write answered after the pull or snapshot passed its change takes the server's image",
          "[engine][issue10]") {
    // The push's answer was lost after the server committed; before the retry
    // is answered (replayed: accepted), a pull page or a rebuild's snapshot
    // already carried the row's own change — skipped then, as the row was
    // pending. The row must still end with the server's columns.
    EngineDb file;
    LocalStore store(file.path);
    std::string id = LocalWrite(store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    json events = TakeBatch(store, 100, UnixNow()); // sent; the answer is lost
    json server_row{{"id", id},      {"shop_id", "s-1"},
                    {"version", 1},  {"updated_at", "2026-11-25T10:00:00+00:00"},
                    {"name", "Ann"}, {"deleted_at", nullptr}};
    SECTION("a snapshot page (rebuild) carried it") {
        std::unordered_set<std::string> seen;
        ApplySnapshotPage(store, "customers", json::array({server_row}), seen);
    }
    SECTION("a pull page carried it") {
        ApplyPullPage(store, {{"changes",
                               {{{"seq", 5},
                                 {"entity", "customers"},
                                 {"entity_id", id},
                                 {"op", "create"},
                                 {"version", 1},
                                 {"payload", server_row}}}},
                              {"cursor", 5},
                              {"has_more", false}});
    }
    CHECK(Value(store, "SELECT sync_state FROM customers") == "pending_create"); // the push decides
    json accepted{{"idempotency_key", events[0]["idempotency_key"]},
                  {"entity", "customers"},
                  {"entity_id", id},
                  {"version", 1},
                  {"replayed", true}};
    ApplyPushResponse(store,
                      {{"accepted", {accepted}}, {"conflicts", json::array()}, {"rejected", json::array()}});
    CHECK(Value(store, "SELECT sync_state || ' ' || shop_id || ' ' || updated_at FROM customers") ==
          "synced s-1 2026-11-25T10:00:00+00:00");
    CHECK(Value(store, "SELECT server_data IS NULL FROM customers") == "1");
}

TEST_CASE("the push reports the outbox (pending, failed, oldest age, retry depth) only to protocol 3 servers",
          "[engine]") {
    Round round;
    LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    LocalWrite(round.store, "customers", WriteOp::Create, "", {{"name", "Bob"}});
    round.server.handler = [](const HttpRequest &r) {
        return r.path == "/sync/push" ? HttpResponse{503, "{}", -1, ""} : AcceptAll(r);
    };
    round.Run(); // a server of unknown protocol: no report (it might refuse the field)
    auto pushes = round.server.To("/sync/push");
    REQUIRE(pushes.size() == 1);
    CHECK_FALSE(json::parse(pushes[0].body).contains("outbox"));
    CHECK(json::parse(pushes[0].body)["protocol"] == SyncEngine::kProtocol);

    round.store.Exec("UPDATE sync_outbox SET next_retry_at = 0, created_at = created_at - 10");
    round.store.Put("server_protocol", "2");
    round.server.requests.clear();
    round.Run();
    pushes = round.server.To("/sync/push");
    REQUIRE(pushes.size() == 1);
    CHECK_FALSE(json::parse(pushes[0].body).contains("outbox"));

    round.store.Exec("UPDATE sync_outbox SET next_retry_at = 0");
    round.store.Put("server_protocol", "3");
    round.server.requests.clear();
    round.server.handler = AcceptAll;
    CHECK(round.Run().ok);
    pushes = round.server.To("/sync/push");
    REQUIRE(pushes.size() == 1);
    json outbox = json::parse(pushes[0].body)["outbox"];
    CHECK(outbox["pending"] == 2);
    CHECK(outbox["failed"] == 0);
    CHECK(outbox["retry_depth"] == 2); // the oldest event failed twice before
    CHECK(outbox["oldest_age_ms"].get<long long>() >= 10000);
    CHECK(outbox["oldest_age_ms"].get<long long>() < 60000);
    CHECK(OutboxReport(round.store, UnixNow())["pending"] == 0);
}

TEST_CASE("a rebuild writes a fresh entity's rows without reading each, and only a fresh one", "[engine]") {
    EngineDb file;
    LocalStore store(file.path);
    CHECK(IsFreshEntity(store, "customers")); // no table yet, nothing queued
    json row{{"id", "c-1"},   {"shop_id", "s-1"},
             {"version", 3},  {"updated_at", "2026-11-25T10:00:00+00:00"},
             {"name", "Ann"}, {"deleted_at", nullptr}};
    std::unordered_set<std::string> seen;
    CHECK(ApplySnapshotPage(store, "customers", json::array({row}), seen, true) == 1);
    CHECK(Value(store, "SELECT sync_state || ' ' || version FROM customers") == "synced 3");
    CHECK_FALSE(IsFreshEntity(store, "customers")); // a row is there now
    // A queued event makes an entity not fresh even with no row of it.
    LocalWrite(store, "orders", WriteOp::Create, "", {{"customer_id", "c-1"}});
    store.Exec("DELETE FROM orders");
    CHECK_FALSE(IsFreshEntity(store, "orders"));
}
