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
#include <unordered_map>
#include <algorithm>
#include <condition_variable>
#include <mutex>

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

// One connection's pushes as a shop owner. Rows it created are kept by id
// (a hash map: the client's bookkeeping must not grow with the run and eat
// the CPU the server needs).
struct Pusher {
    const Shop &shop;
    std::string function;
    int conflict_pct;
    std::mt19937_64 rng;
    PgSession db;
    std::vector<std::string> ids;
    std::unordered_map<std::string, long> versions;
    Totals t;
    int batch = 0;

    Pusher(const Shop &s, std::string f, int pct, unsigned seed)
        : shop(s), function(std::move(f)), conflict_pct(pct), rng(seed) {}

    void Push() {
        json events = json::array();
        std::set<std::string> touched;
        for (int i = 0; i < 100; i++) {
            json ev{{"idempotency_key", RandomUuid(rng)}, {"entity", "customers"}};
            if (i % 2 == 0 || ids.size() < 60) {
                ev["entity_id"] = RandomUuid(rng);
                ev["op"] = "create";
                ev["base_version"] = 0;
                ev["payload"] = {{"name", "Customer"}, {"phone", "555-0100"}, {"email", "c@example.com"}};
            } else {
                const std::string &id = ids[rng() % ids.size()];
                if (!touched.insert(id).second)
                    continue; // one edit per row per batch keeps base versions known
                bool stale = (int)(rng() % 100) < conflict_pct;
                long version = versions[id];
                ev["entity_id"] = id;
                ev["op"] = "update";
                ev["base_version"] = stale ? version - 1 : version;
                ev["payload"] = {{"notes", "edited " + std::to_string(batch)}};
            }
            events.push_back(ev);
        }
        batch++;
        json body{{"device_id", "bench"}, {"events", events}};
        json response =
            json::parse(db.Call(shop.owner, shop.id, "SELECT " + function + "($1::jsonb)", {body.dump()}));
        t.events += events.size();
        t.accepted += response["accepted"].size();
        t.conflicts += response["conflicts"].size();
        t.rejected += response["rejected"].size();
        for (const auto &a : response["accepted"]) {
            std::string id = a["entity_id"];
            auto it = versions.find(id);
            if (it == versions.end()) {
                ids.push_back(id);
                versions.emplace(id, a["version"].get<long>());
            } else {
                it->second = a["version"];
            }
        }
        for (const auto &c : response["conflicts"]) {
            auto it = versions.find(c["entity_id"].get<std::string>());
            if (it != versions.end())
                it->second = c["server_version"];
        }
    }
};

// Every connection first pushes `warm` untimed batches (its backend's plans and
// caches, the rows it will update), then all start together; the clock runs
// from that start until the last connection has pushed `batches` more.
Totals PushLoop(const Shop &shop, const std::string &function, int batches, int conflict_pct, unsigned seed) {
    Pusher p(shop, function, conflict_pct, seed);
    for (int b = 0; b < batches; b++)
        p.Push();
    return p.t;
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
               int conflict_pct, int batches, int warm = 0) {
    auto shops = MakeShops(same_shop ? 1 : connections);
    std::vector<Totals> totals(connections);
    std::mutex m;
    std::condition_variable cv;
    int ready = 0;
    bool go = false;
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; c++)
        threads.emplace_back([&, c] {
            Pusher p(shops[same_shop ? 0 : c], function, conflict_pct, 1000 + c);
            for (int b = 0; b < warm; b++)
                p.Push();
            p.t = Totals{};
            {
                std::unique_lock<std::mutex> lock(m);
                ready++;
                cv.notify_all();
                cv.wait(lock, [&] { return go; });
            }
            for (int b = 0; b < batches; b++)
                p.Push();
            totals[c] = p.t;
        });
    Clock::time_point start;
    {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return ready == connections; });
        start = Clock::now();
        go = true;
        cv.notify_all();
    }
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

double Median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
    // Per connection and round: BENCH_WARM untimed batches, then BENCH_BATCHES
    // timed ones; BENCH_ROUNDS rounds per configuration, the figures are medians.
    auto env_int = [](const char *name, int fallback) {
        const char *v = std::getenv(name);
        return v && *v ? std::atoi(v) : fallback;
    };
    int batches = env_int("BENCH_BATCHES", 40), warm = env_int("BENCH_WARM", 5),
        rounds = env_int("BENCH_ROUNDS", 5);
    bool push_only = env_int("BENCH_PUSH_ONLY", 0) != 0; // for profiling work: no PL/pgSQL, no pull
    const char *cxx = "api.sync_push", *plpgsql = "bench.sync_push_plpgsql", *ceiling = "bench.push_ceiling";

    // Warm up every path (plans, caches), then refresh statistics.
    RunPush("warm-up", cxx, 2, false, 0, 10);
    if (!push_only)
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
    if (env_int("BENCH_CONFIG", -1) >= 0) // one of them only (profiling)
        configs = {configs.at(env_int("BENCH_CONFIG", 0))};
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 1)
        load[0] = -1;
    json out{{"machine", Machine()},
             {"load_average", load[0]},
             {"batch_size", 100},
             {"batches_per_connection", batches},
             {"warm_up_batches_per_connection", warm},
             {"rounds", rounds},
             {"push", json::array()}};
    printf("\npush throughput, batches of 100 events, %d timed batches per connection after %d untimed, "
           "median of %d rounds (%s)\n",
           batches, warm, rounds, Machine().c_str());
    printf("%-28s %14s %16s %8s %14s %10s %14s %10s\n", "configuration", "C++ events/s", "PL/pgSQL ev/s",
           "ratio", "ceiling ev/s", "of ceiling", "(min-max)", "conflicts");
    for (const auto &c : configs) {
        // The extension and its ceiling take turns, round by round, the one
        // going first alternating, so both see the same machine; each round
        // gives one ratio, and the figure is the median of those.
        std::vector<double> ext_rates, top_rates, ratios;
        long conflicts = 0, accepted = 0;
        for (int round = 0; round < rounds; round++) {
            Result a, top;
            if (round % 2 == 0) {
                a = RunPush("c++", cxx, c.connections, c.same_shop, c.conflict_pct, batches, warm);
                top = RunPush("ceiling", ceiling, c.connections, c.same_shop, c.conflict_pct, batches, warm);
            } else {
                top = RunPush("ceiling", ceiling, c.connections, c.same_shop, c.conflict_pct, batches, warm);
                a = RunPush("c++", cxx, c.connections, c.same_shop, c.conflict_pct, batches, warm);
            }
            ext_rates.push_back(a.events_per_s());
            top_rates.push_back(top.events_per_s());
            ratios.push_back(a.events_per_s() / top.events_per_s());
            conflicts += a.totals.conflicts;
            accepted += a.totals.accepted;
        }
        double ext = Median(ext_rates), top = Median(top_rates), of_ceiling = Median(ratios);
        double b_rate = 0;
        Result b{};
        if (!push_only) {
            b = RunPush("plpgsql", plpgsql, c.connections, c.same_shop, c.conflict_pct, batches, warm);
            b_rate = b.events_per_s();
        }
        char label[64];
        snprintf(label, sizeof(label), "%d conn, %s, %d%% stale", c.connections,
                 c.same_shop ? "one shop" : "own shops", c.conflict_pct);
        double ratio = b_rate > 0 ? ext / b_rate : 0;
        char spread[32];
        snprintf(spread, sizeof(spread), "(%.2f-%.2f)", *std::min_element(ratios.begin(), ratios.end()),
                 *std::max_element(ratios.begin(), ratios.end()));
        printf("%-28s %14.0f %16.0f %7.2fx %14.0f %9.2fx %14s %10ld\n", label, ext, b_rate, ratio, top,
               of_ceiling, spread, conflicts);
        fflush(stdout);
        out["push"].push_back({{"configuration", label},
                               {"cxx_events_per_s", ext},
                               {"plpgsql_events_per_s", b_rate},
                               {"ratio", ratio},
                               {"ceiling_events_per_s", top},
                               {"ratio_to_ceiling", of_ceiling},
                               {"ratios_to_ceiling_per_round", ratios},
                               {"cxx_accepted", accepted},
                               {"cxx_conflicts", conflicts},
                               {"plpgsql_accepted", b.totals.accepted},
                               {"plpgsql_conflicts", b.totals.conflicts}});
    }
    if (push_only) {
        std::ofstream("bench/results/extension.json") << out.dump(2) << "\n";
        return 0;
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
