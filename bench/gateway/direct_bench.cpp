// bench/gateway/direct_bench.cpp — the gateway's workload over direct libpq,
// for the gateway/direct ratio: N connections for S seconds, each request
// one transaction with claims, as the gateway does.
// Usage: direct_bench push|pull CONNECTIONS SECONDS USER SHOP [USER SHOP …]
// (connection c acts as the (c mod n)-th user and shop)
#include "../../test/cpp/pg_session.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

using namespace shopsync_test;
using Clock = std::chrono::steady_clock;

int main(int argc, char **argv) {
    if (argc < 6 || argc % 2 != 0) {
        fprintf(stderr, "usage: direct_bench push|pull CONNECTIONS SECONDS USER SHOP [USER SHOP ...]\n");
        return 2;
    }
    std::string mode = argv[1];
    std::vector<std::pair<std::string, std::string>> members;
    for (int i = 4; i + 1 < argc; i += 2)
        members.emplace_back(argv[i], argv[i + 1]);
    int connections = atoi(argv[2]), seconds = atoi(argv[3]);
    std::vector<std::vector<double>> latencies(connections);
    auto stop = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; c++)
        threads.emplace_back([&, c] {
            std::mt19937_64 rng(c + 1);
            const auto &[user, shop] = members[c % members.size()];
            PgSession db;
            while (Clock::now() < stop) {
                std::string sql, param;
                if (mode == "push") {
                    param = "{\"device_id\":\"direct\",\"events\":[";
                    for (int i = 0; i < 100; i++)
                        param += std::string(i ? "," : "") + "{\"idempotency_key\":\"" + RandomUuid(rng) +
                                 "\",\"entity\":\"customers\",\"entity_id\":\"" + RandomUuid(rng) +
                                 "\",\"op\":\"create\",\"base_version\":0,\"payload\":{\"name\":\"Bench\"}}";
                    param += "]}";
                    sql = "SELECT api.sync_push($1::jsonb)::text";
                } else {
                    param = "0";
                    sql = "SELECT api.sync_pull($1::bigint, 100)::text";
                }
                auto start = Clock::now();
                db.Call(user, shop, sql, {param});
                latencies[c].push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            }
        });
    for (auto &t : threads)
        t.join();
    std::vector<double> all;
    for (auto &l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    printf("{\"requests_per_s\": %.1f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"requests\": %zu}\n",
           all.size() / (double)seconds, all[all.size() / 2], all[all.size() * 99 / 100], all.size());
    return 0;
}
