// bench/push_pull/push_pull_bench.cpp — push and pull throughput of the
// extension, against the PL/pgSQL baseline (plpgsql_push.sql), in one run.
//
// Each connection pushes batches of 100 events as a shop owner: half creates,
// half updates of rows it created (a share of them with a stale base_version
// when conflicts are asked for). Reports events/s per implementation and
// configuration, the C++/PL/pgSQL ratio, and pull changes/s; writes JSON.
#include "../../test/cpp/pg_session.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

using json = nlohmann::json;
using shopsync_test::PgSession;
using shopsync_test::RandomUuid;
using Clock = std::chrono::steady_clock;

namespace {

struct Shop {
    std::string id, owner;
};

std::vector<Shop> MakeShops(int n) {
    static std::mt19937_64 rng(99);
    PgSession admin;
    std::vector<Shop> shops;
    for (int i = 0; i < n; i++) {
        Shop s{RandomUuid(rng), RandomUuid(rng)};
        admin.Query("INSERT INTO shopsync.shops (id, name) VALUES ($1, 'bench')", {s.id});
        admin.Query("INSERT INTO shopsync.shop_members VALUES ($1, $2, 'owner')", {s.id, s.owner});
        shops.push_back(s);
    }
    return shops;
}

struct Totals {
    long events = 0, accepted = 0, conflicts = 0, rejected = 0;
};

// One connection's work: `batches` pushes of 100 events through `function`.
Totals PushLoop(const Shop &shop, const std::string &function, int batches, int conflict_pct, unsigned seed) {
    std::mt19937_64 rng(seed);
    PgSession db;
    std::vector<std::pair<std::string, long>> rows; // id, version
    Totals t;
    for (int b = 0; b < batches; b++) {
        json events = json::array();
        std::set<std::string> touched;
        for (int i = 0; i < 100; i++) {
            json ev{{"idempotency_key", RandomUuid(rng)}, {"entity", "customers"}};
            if (i % 2 == 0 || rows.size() < 60) {
                ev["entity_id"] = RandomUuid(rng);
                ev["op"] = "create";
                ev["base_version"] = 0;
                ev["payload"] = {{"name", "Customer"}, {"phone", "555-0100"}, {"email", "c@example.com"}};
            } else {
                auto &row = rows[rng() % rows.size()];
                if (!touched.insert(row.first).second)
                    continue; // one edit per row per batch keeps base versions known
                bool stale = (int)(rng() % 100) < conflict_pct;
                ev["entity_id"] = row.first;
                ev["op"] = "update";
                ev["base_version"] = stale ? row.second - 1 : row.second;
                ev["payload"] = {{"notes", "edited " + std::to_string(b)}};
            }
            events.push_back(ev);
        }
        json body{{"device_id", "bench"}, {"events", events}};
        json response =
            json::parse(db.Call(shop.owner, shop.id, "SELECT " + function + "($1::jsonb)", {body.dump()}));
        t.events += events.size();
        t.accepted += response["accepted"].size();
        t.conflicts += response["conflicts"].size();
        t.rejected += response["rejected"].size();
        for (const auto &a : response["accepted"]) {
            std::string id = a["entity_id"];
            long version = a["version"];
            bool known = false;
            for (auto &row : rows)
                if (row.first == id) {
                    row.second = version;
                    known = true;
                    break;
                }
            if (!known)
                rows.emplace_back(id, version);
        }
        for (const auto &c : response["conflicts"])
            for (auto &row : rows)
                if (row.first == c["entity_id"].get<std::string>())
                    row.second = c["server_version"];
    }
    return t;
}

struct Result {
    std::string name;
    int connections;
    bool same_shop;
    int conflict_pct;
    Totals totals;
    double seconds;
    double events_per_s() const { return totals.events / seconds; }
};

Result RunPush(const std::string &name, const std::string &function, int connections, bool same_shop,
               int conflict_pct, int batches) {
    auto shops = MakeShops(same_shop ? 1 : connections);
    std::vector<Totals> totals(connections);
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; c++)
        threads.emplace_back([&, c] {
            totals[c] = PushLoop(shops[same_shop ? 0 : c], function, batches, conflict_pct, 1000 + c);
        });
    for (auto &t : threads)
        t.join();
    Result r{name,         connections, same_shop,
             conflict_pct, {},          std::chrono::duration<double>(Clock::now() - start).count()};
    for (const auto &t : totals) {
        r.totals.events += t.events;
        r.totals.accepted += t.accepted;
        r.totals.conflicts += t.conflicts;
        r.totals.rejected += t.rejected;
    }
    return r;
}

void Add(Result *into, const Result &r) {
    into->seconds += r.seconds;
    into->totals.events += r.totals.events;
    into->totals.accepted += r.totals.accepted;
    into->totals.conflicts += r.totals.conflicts;
    into->totals.rejected += r.totals.rejected;
}

std::string Machine() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, model = "unknown CPU";
    while (std::getline(cpuinfo, line))
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores";
}

} // namespace

int main() {
    int batches = std::getenv("BENCH_BATCHES") ? std::atoi(std::getenv("BENCH_BATCHES")) : 40;
    const char *cxx = "api.sync_push", *plpgsql = "bench.sync_push_plpgsql", *ceiling = "bench.push_ceiling";

    // Warm up both paths (plans, caches), then refresh statistics.
    RunPush("warm-up", cxx, 2, false, 0, 10);
    RunPush("warm-up", plpgsql, 2, false, 0, 10);
    RunPush("warm-up", ceiling, 2, false, 0, 10);
    PgSession admin;
    admin.Query("ANALYZE");

    struct Config {
        int connections;
        bool same_shop;
        int conflict_pct;
    };
    std::vector<Config> configs = {
        {1, false, 0}, {1, false, 10}, {8, false, 0}, {8, false, 10}, {8, true, 0}};
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 1)
        load[0] = -1;
    json out{{"machine", Machine()},
             {"load_average", load[0]},
             {"batch_size", 100},
             {"batches_per_connection", batches},
             {"push", json::array()}};
    printf("\npush throughput, batches of 100 events, %d batches per connection (%s)\n", batches,
           Machine().c_str());
    printf("%-28s %14s %16s %8s %14s %10s %10s\n", "configuration", "C++ events/s", "PL/pgSQL ev/s", "ratio",
           "ceiling ev/s", "of ceiling", "conflicts");
    for (const auto &c : configs) {
        // The extension and its ceiling take turns (three rounds each) so that
        // both see the same machine; the PL/pgSQL baseline runs once.
        Result a{"c++", c.connections, c.same_shop, c.conflict_pct, {}, 0};
        Result top{"ceiling", c.connections, c.same_shop, c.conflict_pct, {}, 0};
        for (int round = 0; round < 3; round++) {
            Add(&a, RunPush("c++", cxx, c.connections, c.same_shop, c.conflict_pct, (batches + 2) / 3));
            Add(&top,
                RunPush("ceiling", ceiling, c.connections, c.same_shop, c.conflict_pct, (batches + 2) / 3));
        }
        Result b = RunPush("plpgsql", plpgsql, c.connections, c.same_shop, c.conflict_pct, batches);
        char label[64];
        snprintf(label, sizeof(label), "%d conn, %s, %d%% stale", c.connections,
                 c.same_shop ? "one shop" : "own shops", c.conflict_pct);
        double ratio = a.events_per_s() / b.events_per_s();
        double of_ceiling = a.events_per_s() / top.events_per_s();
        printf("%-28s %14.0f %16.0f %7.2fx %14.0f %9.2fx %10ld\n", label, a.events_per_s(), b.events_per_s(),
               ratio, top.events_per_s(), of_ceiling, a.totals.conflicts);
        out["push"].push_back({{"configuration", label},
                               {"cxx_events_per_s", a.events_per_s()},
                               {"plpgsql_events_per_s", b.events_per_s()},
                               {"ratio", ratio},
                               {"ceiling_events_per_s", top.events_per_s()},
                               {"ratio_to_ceiling", of_ceiling},
                               {"cxx_accepted", a.totals.accepted},
                               {"cxx_conflicts", a.totals.conflicts},
                               {"plpgsql_accepted", b.totals.accepted},
                               {"plpgsql_conflicts", b.totals.conflicts}});
    }

    // Pull: drain one shop's log from 0, 1000 changes a page; snapshot: all
    // of its customers, 1000 rows a page. Extension and ceiling take turns,
    // three drains each, so that both see the same machine.
    auto shops = MakeShops(1);
    PushLoop(shops[0], cxx, 300, 0, 7);
    PgSession db;
    const Shop &shop = shops[0];
    auto drain_pull = [&](const std::string &function) {
        long rows = 0, cursor = 0;
        for (;;) {
            json page = json::parse(
                db.Call(shop.owner, shop.id, "SELECT " + function + "($1, 1000)", {std::to_string(cursor)}));
            rows += page["changes"].size();
            cursor = page["cursor"];
            if (!page["has_more"].get<bool>())
                return rows;
        }
    };
    auto drain_snapshot = [&](const std::string &call) {
        long rows = 0;
        std::string after;
        for (;;) {
            std::vector<std::string> params = {after};
            json page = json::parse(
                db.Call(shop.owner, shop.id, "SELECT " + call + "NULLIF($1, '')::uuid, 1000)", params));
            rows += page["rows"].size();
            if (!page["has_more"].get<bool>())
                return rows;
            after = page["next_after"];
        }
    };
    struct Pair {
        long rows = 0;
        double ext_seconds = 0, ceiling_seconds = 0;
    };
    auto compare = [&](const std::function<long(const std::string &)> &drain, const std::string &ext,
                       const std::string &top) {
        Pair p;
        drain(ext); // warm-up
        drain(top);
        for (int round = 0; round < 3; round++) {
            auto t0 = Clock::now();
            p.rows += drain(ext);
            auto t1 = Clock::now();
            drain(top);
            auto t2 = Clock::now();
            p.ext_seconds += std::chrono::duration<double>(t1 - t0).count();
            p.ceiling_seconds += std::chrono::duration<double>(t2 - t1).count();
        }
        return p;
    };
    auto report = [&](const char *name, const Pair &p) {
        double ext = p.rows / p.ext_seconds, top = p.rows / p.ceiling_seconds;
        printf("%-9s %10.0f rows/s, ceiling %10.0f rows/s: %.2fx of ceiling (%ld rows, pages of 1000)\n",
               name, ext, top, ext / top, p.rows);
        out[name] = {{"rows", p.rows},
                     {"seconds", p.ext_seconds},
                     {"changes_per_s", ext},
                     {"ceiling_changes_per_s", top},
                     {"ratio_to_ceiling", ext / top}};
    };
    printf("\n");
    report("pull", compare(drain_pull, "api.sync_pull", "bench.pull_ceiling"));
    report("snapshot", compare(drain_snapshot, "api.sync_snapshot('customers', ", "bench.snapshot_ceiling("));

    std::ofstream("bench/results/extension.json") << out.dump(2) << "\n";
    printf("results: bench/results/extension.json\n");
    return 0;
}
