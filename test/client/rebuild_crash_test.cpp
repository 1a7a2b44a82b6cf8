// test/client/rebuild_crash_test.cpp — a device killed in the middle of its
// initial sync (the process ends while one page is fetched and the one before
// it is being written) keeps a consistent database: whole pages only, not
// bootstrapped, the cursor and the outbox untouched; the next round finishes
// the rebuild, purging what the server dropped meanwhile.
#include <catch2/catch.hpp>

#include "apply.hpp"
#include "outbox.hpp"
#include "session.hpp"
#include "sqlite_statement.hpp"
#include "sync_engine.hpp"

#include <functional>
#include <sys/wait.h>
#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;

namespace {

class PagedServer : public Transport {
  public:
    std::function<HttpResponse(const HttpRequest &)> handler;
    HttpResponse Send(const HttpRequest &request) override { return handler(request); }
    int Stream(const std::string &, const std::string &, const std::function<void(const std::string &)> &,
               const std::atomic<bool> &) override {
        return 0;
    }
};

HttpResponse Ok(const json &body) {
    return {200, body.dump(), -1, ""};
}

// customers c01..cNN, two to a page, at version 1; `crash_after`: the process
// ends when the page after that id is asked for (while the page before it is
// being written to SQLite, since pages are fetched one ahead).
HttpResponse Serve(const HttpRequest &r, const std::vector<std::string> &ids, long long cursor,
                   const std::string &crash_after) {
    if (r.path == "/rpc/sync_health")
        return Ok({{"entities", {"customers"}}, {"latest_seq", cursor}});
    if (r.path == "/rpc/sync_snapshot") {
        json args = json::parse(r.body);
        std::string after = args["after"].is_string() ? args["after"].get<std::string>() : "";
        if (!crash_after.empty() && after == crash_after)
            _exit(0); // killed: no destructor, no rollback, no cleanup
        json rows = json::array();
        size_t i = 0;
        while (i < ids.size() && ids[i] <= after)
            i++;
        for (size_t k = i; k < ids.size() && k < i + 2; k++)
            rows.push_back({{"id", ids[k]},
                            {"shop_id", "s-1"},
                            {"version", 1},
                            {"name", "Customer " + ids[k] + std::string(200, 'x')},
                            {"updated_at", "2026-11-25T10:00:00+00:00"},
                            {"deleted_at", nullptr}});
        bool more = i + 2 < ids.size();
        return Ok({{"entity", "customers"},
                   {"rows", rows},
                   {"has_more", more},
                   {"next_after", more ? json(ids[i + 1]) : json()},
                   {"cursor", cursor}});
    }
    if (r.path.rfind("/sync/pull", 0) == 0)
        return Ok({{"changes", json::array()}, {"cursor", cursor}, {"has_more", false}});
    return {404, "{}", -1, ""};
}

struct Device {
    LocalStore store;
    PagedServer server;
    std::mutex refresh_mutex;
    Session session{store, server, refresh_mutex};
    std::mt19937_64 rng{7};
    explicit Device(const std::string &path) : store(path) {
        store.Put("device_id", "desk-1");
        store.Put("access_token", "token-1");
        store.Put("refresh_token", "refresh-1");
        store.Put("access_expires_at", std::to_string(UnixNow() + 3600));
    }
    SyncReport Run() { return SyncEngine(store, session, EngineOptions{}, rng).SyncOnce(); }
    std::string Value(const std::string &sql) {
        Statement st(store, sql.c_str());
        return st.Step() ? st.Text(0) : "(none)";
    }
};

std::vector<std::string> Ids(int n) {
    std::vector<std::string> ids;
    for (int i = 1; i <= n; i++)
        ids.push_back((i < 10 ? "c0" : "c") + std::to_string(i));
    return ids;
}

} // namespace

TEST_CASE("a device killed during its initial sync stays consistent and finishes on the next round",
          "[engine][crash]") {
    std::string path = "/tmp/shopsync-rebuild-crash-" + std::to_string(getpid()) + ".db";
    std::vector<std::string> ids = Ids(12);
    std::string key;
    {
        Device device(path);
        // A write made offline before the first sync, waiting out a backoff: never sent here.
        LocalWrite(device.store, "orders", WriteOp::Create, "", {{"notes", "offline"}});
        device.store.Exec("UPDATE sync_outbox SET next_retry_at = 1e12");
        key = device.Value("SELECT idempotency_key FROM sync_outbox");
    }
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) { // the device process, killed while it writes the third page
        Device device(path);
        device.server.handler = [&](const HttpRequest &r) { return Serve(r, ids, 40, "c06"); };
        device.Run();
        _exit(3); // the round ended: the crash point was never reached
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    Device device(path); // the app starts again
    CHECK(device.Value("PRAGMA integrity_check") == "ok");
    CHECK(device.store.Get("bootstrapped") != "1");
    CHECK(device.store.Get("cursor") == "0");
    int rows = std::stoi(device.Value("SELECT count(*) FROM customers"));
    CHECK((rows == 4 || rows == 6)); // whole pages: the third was being written when the process died
    CHECK(device.Value("SELECT count(*) FROM customers WHERE sync_state <> 'synced'") == "0");
    CHECK(device.Value("SELECT max(id) FROM customers") == ids[rows - 1]);
    CHECK(device.Value("SELECT group_concat(idempotency_key) FROM sync_outbox") == key);

    // Meanwhile the server purged c02 and gained c13: the next round rebuilds to exactly its rows.
    std::vector<std::string> now = Ids(13);
    now.erase(now.begin() + 1);
    device.server.handler = [&](const HttpRequest &r) { return Serve(r, now, 55, ""); };
    SyncReport report = device.Run();
    CHECK(report.error == "");
    CHECK(report.rebuilt);
    CHECK(device.store.Get("bootstrapped") == "1");
    CHECK(device.store.Get("cursor") == "55");
    CHECK(device.Value("SELECT count(*) FROM customers") == "12");
    CHECK(device.Value("SELECT count(*) FROM customers WHERE id = 'c02'") == "0");
    CHECK(device.Value("SELECT json_extract(data, '$.name') FROM customers WHERE id = 'c13'")
              .rfind("Customer c13", 0) == 0);
    CHECK(device.Value("SELECT group_concat(idempotency_key) FROM sync_outbox") == key); // untouched
    CHECK(device.Value("SELECT sync_state FROM orders") == "pending_create");
    for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
        std::remove((path + suffix).c_str());
}
