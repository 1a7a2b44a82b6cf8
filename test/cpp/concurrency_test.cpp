// test/cpp/concurrency_test.cpp — invariants 2, 3, 4 and 5 under real
// concurrency: several libpq connections push (or write plain SQL) to the
// same shop at once while a reader follows api.sync_pull by cursor.
// Needs a cluster with the extension (test/cpp/run.sh starts one).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pg_session.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using json = nlohmann::json;
using shopsync_test::PgError;
using shopsync_test::PgSession;
using shopsync_test::RandomUuid;

namespace {

using Shop = shopsync_test::TestShop;

Shop MakeShop(const std::string &name) {
    static std::mt19937_64 rng(std::random_device{}());
    return shopsync_test::MakeShop(rng, name);
}

json Event(std::mt19937_64 &rng, const std::string &entity_id, const std::string &op, int base,
           const json &payload) {
    return json{{"idempotency_key", RandomUuid(rng)},
                {"entity", "customers"},
                {"entity_id", entity_id},
                {"op", op},
                {"base_version", base},
                {"payload", payload}};
}

std::string Push(PgSession &db, const Shop &shop, const std::string &device, const json &events) {
    json body{{"device_id", device}, {"events", events}};
    return db.Call(shop.owner, shop.id, "SELECT api.sync_push($1::jsonb)", {body.dump()});
}

// Follows the shop's log by cursor until told to stop and the log is drained.
struct Follower {
    std::vector<long long> seqs;                         // in the order seen
    std::map<std::string, std::set<long long>> versions; // entity_id → versions seen
    bool gap = false;

    void Run(const Shop &shop, std::atomic<bool> &writers_done) {
        PgSession db;
        long long cursor = 0;
        for (;;) {
            bool done = writers_done.load(); // read before pulling: the last pull then sees everything
            json page = json::parse(
                db.Call(shop.owner, shop.id, "SELECT api.sync_pull($1, 100)", {std::to_string(cursor)}));
            for (const auto &change : page["changes"]) {
                long long seq = change["seq"].get<long long>();
                if (seq != cursor + 1)
                    gap = true;
                cursor = seq;
                seqs.push_back(seq);
                versions[change["entity_id"].get<std::string>()].insert(change["version"].get<long long>());
            }
            if (!page["has_more"].get<bool>()) {
                if (done)
                    return;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }
    }
};

// Runs body on a thread; an exception there is kept for the test to report,
// instead of terminating the process.
struct Worker {
    std::thread thread;
    std::string error;
    template <typename Body> explicit Worker(Body body) {
        thread = std::thread([this, body] {
            try {
                body();
            } catch (const std::exception &e) {
                error = e.what();
            }
        });
    }
    void Join() {
        thread.join();
        INFO("worker failed: " << error);
        REQUIRE(error.empty());
    }
};

} // namespace

TEST_CASE("concurrent pushers never make a pull skip a change (invariant 5)", "[concurrency]") {
    Shop shop = MakeShop("concurrent pushers");
    const int kWriters = 4, kBatches = 25, kBatchSize = 20;
    std::atomic<bool> writers_done{false};
    std::mutex accepted_mutex;
    std::map<std::string, std::set<long long>> accepted; // entity_id → accepted versions

    Follower follower;
    Worker reader([&] { follower.Run(shop, writers_done); });
    std::vector<std::unique_ptr<Worker>> writers;
    for (int w = 0; w < kWriters; w++)
        writers.push_back(std::make_unique<Worker>([&, w] {
            std::mt19937_64 rng(1000 + w);
            PgSession db;
            std::vector<std::string> mine;
            for (int b = 0; b < kBatches; b++) {
                json events = json::array();
                for (int i = 0; i < kBatchSize; i++) {
                    if (i % 2 == 0 || mine.empty()) { // creates, and updates of rows created before
                        mine.push_back(RandomUuid(rng));
                        events.push_back(
                            Event(rng, mine.back(), "create", 0, {{"name", "w" + std::to_string(w)}}));
                    } else {
                        events.push_back(
                            Event(rng, mine[rng() % mine.size()], "update", 1, {{"phone", "1"}}));
                    }
                }
                json response = json::parse(Push(db, shop, "writer-" + std::to_string(w), events));
                std::lock_guard<std::mutex> lock(accepted_mutex);
                for (const auto &a : response["accepted"])
                    accepted[a["entity_id"].get<std::string>()].insert(a["version"].get<long long>());
            }
        }));
    for (auto &w : writers)
        w->Join();
    writers_done = true;
    reader.Join();

    PgSession admin;
    long long logged =
        std::stoll(admin.Value("SELECT count(*) FROM shopsync.change_log WHERE shop_id = $1", {shop.id}));
    CHECK_FALSE(follower.gap);
    REQUIRE(follower.seqs.size() == (size_t)logged);
    for (size_t i = 0; i < follower.seqs.size(); i++)
        REQUIRE(follower.seqs[i] == (long long)i + 1); // gapless, in order, each once
    size_t accepted_count = 0;
    for (const auto &[id, versions] : accepted) {
        accepted_count += versions.size();
        for (long long v : versions)
            REQUIRE(follower.versions[id].count(v) == 1); // every accepted event was pulled (invariant 2)
    }
    CHECK(accepted_count == (size_t)logged); // and nothing else was logged
    CHECK(accepted_count > (size_t)(kWriters * kBatches * kBatchSize / 2));
}

TEST_CASE("plain SQL writers that commit late still appear in seq order", "[concurrency]") {
    Shop shop = MakeShop("late committers");
    const int kWriters = 4, kTransactions = 15;
    std::atomic<bool> writers_done{false};
    Follower follower;
    Worker reader([&] { follower.Run(shop, writers_done); });
    std::vector<std::unique_ptr<Worker>> writers;
    for (int w = 0; w < kWriters; w++)
        writers.push_back(std::make_unique<Worker>([&, w] {
            PgSession db;
            for (int t = 0; t < kTransactions; t++) {
                db.Query("BEGIN");
                db.Query("INSERT INTO shopsync.customers (shop_id, name) VALUES ($1, $2)",
                         {shop.id, "sql-" + std::to_string(w)});
                db.Query("SELECT pg_sleep(0.002 * (random() * 3))"); // commit late, in random order
                db.Query("COMMIT");
            }
        }));
    for (auto &w : writers)
        w->Join();
    writers_done = true;
    reader.Join();
    CHECK_FALSE(follower.gap);
    REQUIRE(follower.seqs.size() == (size_t)(kWriters * kTransactions));
    for (size_t i = 0; i < follower.seqs.size(); i++)
        REQUIRE(follower.seqs[i] == (long long)i + 1);
}

// A push refused with PT409 (its keys were stored by another push while it
// ran) changed nothing; the device sends it again, as the client core does.
std::string PushUntilStored(PgSession &db, const Shop &shop, const std::string &device, const json &events,
                            int *refusals) {
    for (;;) {
        try {
            return Push(db, shop, device, events);
        } catch (const PgError &e) {
            if (e.sqlstate != "PT409")
                throw;
            ++*refusals;
        }
    }
}

TEST_CASE("one idempotency key sent at once from two connections applies once (invariant 3)",
          "[concurrency]") {
    Shop shop = MakeShop("same key");
    std::mt19937_64 rng(42);
    for (int round = 0; round < 10; round++) {
        std::string id = RandomUuid(rng);
        json events = json::array({Event(rng, id, "create", 0, {{"name", "once"}})});
        std::atomic<int> ready{0};
        std::string responses[2];
        int refusals[2] = {0, 0};
        std::vector<std::unique_ptr<Worker>> senders;
        for (int s = 0; s < 2; s++)
            senders.push_back(std::make_unique<Worker>([&, s] {
                PgSession db;
                ready++;
                while (ready.load() < 2) {
                }
                responses[s] = PushUntilStored(db, shop, "dev-" + std::to_string(s), events, &refusals[s]);
            }));
        for (auto &t : senders)
            t->Join();
        PgSession admin;
        REQUIRE(admin.Value("SELECT count(*) FROM shopsync.change_log WHERE entity_id = $1", {id}) == "1");
        json a = json::parse(responses[0])["accepted"], b = json::parse(responses[1])["accepted"];
        REQUIRE(a.size() == 1);
        REQUIRE(b.size() == 1);
        CHECK(a[0]["version"] == b[0]["version"]);
        CHECK(a[0]["replayed"].get<bool>() != b[0]["replayed"].get<bool>()); // one applied, one replayed
        CHECK(refusals[0] + refusals[1] <= 1); // only the one that lost the race is refused, once
    }
}

TEST_CASE("a batch whose key another push stores meanwhile is refused whole (PT409), then replays",
          "[concurrency]") {
    Shop shop = MakeShop("key race");
    std::mt19937_64 rng(5);
    std::string shared_id = RandomUuid(rng), own_id = RandomUuid(rng);
    json shared = Event(rng, shared_id, "create", 0, {{"name", "shared"}});
    // The first push of the key stays uncommitted.
    PgSession holder;
    holder.Query("BEGIN");
    holder.ActAs(shop.owner, shop.id);
    json body{{"device_id", "dev-1"}, {"events", json::array({shared})}};
    holder.Value("SELECT api.sync_push($1::jsonb)", {body.dump()});

    // The same key again, in a batch with an event of its own: it looks the
    // key up (not stored yet), applies, and waits where it stores its keys.
    json batch = json::array({shared, Event(rng, own_id, "create", 0, {{"name", "own"}})});
    PgSession other;
    std::string pid = other.Value("SELECT pg_backend_pid()");
    std::string sqlstate;
    Worker racer([&] {
        try {
            Push(other, shop, "dev-2", batch);
        } catch (const PgError &e) {
            sqlstate = e.sqlstate;
        }
    });
    PgSession admin;
    bool waiting = false;
    for (int i = 0; i < 100 && !waiting; i++) {
        waiting =
            admin.Value("SELECT count(*) > 0 FROM pg_locks WHERE pid = $1 AND NOT granted", {pid}) == "t";
        if (!waiting)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(waiting);
    holder.Query("COMMIT");
    racer.Join();
    CHECK(sqlstate == "PT409");
    // Nothing of the refused batch stayed: not its own row, no log entry, no key.
    CHECK(admin.Value("SELECT count(*) FROM shopsync.customers WHERE id = $1", {own_id}) == "0");
    CHECK(admin.Value("SELECT count(*) FROM shopsync.change_log WHERE entity_id IN ($1, $2)",
                      {shared_id, own_id}) == "1");
    CHECK(admin.Value("SELECT count(*) FROM shopsync.idempotency_keys WHERE shop_id = $1", {shop.id}) == "1");
    // Sent again: the shared event replays, its own event applies once.
    json again = json::parse(Push(other, shop, "dev-2", batch));
    REQUIRE(again["accepted"].size() == 2);
    CHECK(again["accepted"][0]["replayed"] == true);
    CHECK(again["accepted"][1]["replayed"] == false);
    CHECK(admin.Value("SELECT count(*) FROM shopsync.change_log WHERE entity_id IN ($1, $2)",
                      {shared_id, own_id}) == "2");
}

TEST_CASE("two shops push at once without blocking or seeing each other (invariant 4)", "[concurrency]") {
    Shop a = MakeShop("shop A"), b = MakeShop("shop B");
    std::mt19937_64 rng(7);
    PgSession holder, other;
    // Shop A's push stays uncommitted, holding shop A's cursor lock.
    holder.Query("BEGIN");
    holder.ActAs(a.owner, a.id);
    json body{{"device_id", "a-1"},
              {"events", json::array({Event(rng, RandomUuid(rng), "create", 0, {{"name", "A"}})})}};
    holder.Value("SELECT api.sync_push($1::jsonb)", {body.dump()});

    other.Query("SET statement_timeout = '3s'"); // a block would fail the push below
    json pushed = json::parse(
        Push(other, b, "b-1", json::array({Event(rng, RandomUuid(rng), "create", 0, {{"name", "B"}})})));
    CHECK(pushed["accepted"].size() == 1);
    json pulled = json::parse(other.Call(b.owner, b.id, "SELECT api.sync_pull($1)", {"0"}));
    REQUIRE(pulled["changes"].size() == 1);
    CHECK(pulled["changes"][0]["payload"]["name"] == "B");

    // Shop A's own second writer does wait for the first (commit order).
    other.Query("SET statement_timeout = '300ms'");
    bool blocked = false;
    try {
        Push(other, a, "a-2", json::array({Event(rng, RandomUuid(rng), "create", 0, {{"name", "A2"}})}));
    } catch (const PgError &e) {
        blocked = e.sqlstate == "57014";
    }
    CHECK(blocked);
    holder.Query("COMMIT");
}

TEST_CASE("pushes of one shop run side by side and queue only to draw their seqs (DESIGN §3)",
          "[concurrency]") {
    Shop shop = MakeShop("side by side");
    std::mt19937_64 rng(11);
    json replayed = json::array({Event(rng, RandomUuid(rng), "create", 0, {{"name", "stored"}})});
    PgSession first;
    Push(first, shop, "dev-0", replayed);

    // A push stays uncommitted: it holds the shop's cursor row lock.
    PgSession holder;
    holder.Query("BEGIN");
    holder.ActAs(shop.owner, shop.id);
    std::string held_id = RandomUuid(rng);
    json body{{"device_id", "dev-1"},
              {"events", json::array({Event(rng, held_id, "create", 0, {{"name", "held"}})})}};
    holder.Value("SELECT api.sync_push($1::jsonb)", {body.dump()});

    // A batch that only replays draws no seq: it never waits.
    PgSession other;
    other.Query("SET statement_timeout = '3s'");
    json again = json::parse(Push(other, shop, "dev-0", replayed));
    REQUIRE(again["accepted"].size() == 1);
    CHECK(again["accepted"][0]["replayed"] == true);

    // A batch with a new row applies it, and waits only where it draws its seq:
    // while it waits, it already holds its write locks on the entity and key tables.
    std::string waiting_id = RandomUuid(rng);
    std::string pid = other.Value("SELECT pg_backend_pid()");
    std::string response;
    Worker waiter([&] {
        response = Push(other, shop, "dev-2",
                        json::array({Event(rng, waiting_id, "create", 0, {{"name", "waits"}})}));
    });
    PgSession admin;
    bool applied_then_waiting = false;
    for (int i = 0; i < 100 && !applied_then_waiting; i++) {
        applied_then_waiting =
            admin.Value("SELECT bool_or(NOT granted) AND bool_or(granted AND relation = "
                        "'shopsync.customers'::regclass)"
                        " AND bool_or(granted AND relation = 'shopsync.idempotency_keys'::regclass)"
                        " FROM pg_locks WHERE pid = $1",
                        {pid}) == "t";
        if (!applied_then_waiting)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(applied_then_waiting);
    holder.Query("COMMIT");
    waiter.Join();
    CHECK(json::parse(response)["accepted"].size() == 1);
    // Commit order is seq order.
    CHECK(std::stoll(admin.Value("SELECT seq FROM shopsync.change_log WHERE entity_id = $1", {held_id})) <
          std::stoll(admin.Value("SELECT seq FROM shopsync.change_log WHERE entity_id = $1", {waiting_id})));
}
