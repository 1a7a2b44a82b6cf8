// bench/client/client_bench.cpp — the device side through the C API against a
// running gateway: local write rate, 3 × 1,000 offline writes to convergence,
// initial sync of a large shop, and write-to-arrival latency between devices.
// Prints one JSON object. Run by bench/client/run.sh, which sets up the server.
//
// usage: client_bench GATEWAY_URL WORKDIR PASSWORD OWNER STAFF1 STAFF2 SEED_OWNER SEED_ROWS
#include "shopsync/shopsync.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double Since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void Check(shopsync_client *h, int rc, const char *what) {
    if (rc != SHOPSYNC_OK)
        throw std::runtime_error(std::string(what) + ": " + shopsync_errmsg(h));
}

std::string Take(char *text) {
    std::string s = text ? text : "";
    shopsync_free(text);
    return s;
}

struct Device {
    shopsync_client *h = nullptr;
    std::string path;
    Device(const std::string &dir, const std::string &name, const std::string &url)
        : path(dir + "/" + name + ".db") {
        std::remove(path.c_str());
        Check(h, shopsync_open(path.c_str(), &h), "open");
        if (!url.empty())
            Check(h, shopsync_set_server(h, url.c_str()), "server");
    }
    ~Device() { shopsync_close(h); }
    void Login(const std::string &email, const std::string &password) {
        Check(h, shopsync_login(h, email.c_str(), password.c_str(), nullptr), "login");
    }
    json Sync() {
        char *out = nullptr;
        int rc = shopsync_sync_now(h, &out);
        json report = json::parse(Take(out));
        Check(h, rc, "sync");
        return report;
    }
    std::string Create(const std::string &entity, const json &row) {
        char *id = nullptr;
        Check(h, shopsync_create(h, entity.c_str(), row.dump().c_str(), &id), "create");
        return Take(id);
    }
    int Pending() {
        char *out = nullptr;
        Check(h, shopsync_status(h, &out), "status");
        return json::parse(Take(out))["pending"].get<int>();
    }
    // Live rows of an entity, counted straight from the device's SQLite file.
    long long Count(const std::string &entity) {
        sqlite3 *db = nullptr;
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_stmt *st = nullptr;
        std::string sql = "SELECT count(*) FROM " + entity + " WHERE deleted_at IS NULL";
        sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
        long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n;
    }
};

json LocalWriteRate(const std::string &dir) {
    Device d(dir, "writes", "");
    const int n = 10000;
    auto start = Clock::now();
    std::vector<std::string> ids;
    for (int i = 0; i < n; i++)
        ids.push_back(d.Create("customers", {{"name", "Customer " + std::to_string(i)}, {"phone", "555"}}));
    double create_s = Since(start);
    start = Clock::now();
    for (int i = 0; i < n; i++)
        Check(d.h, shopsync_update(d.h, "customers", ids[i].c_str(), "{\"notes\": \"edited\"}"), "update");
    double update_s = Since(start);
    return {{"writes", n},
            {"creates_per_s", n / create_s},
            {"updates_per_s", n / update_s},
            {"outbox_events", d.Pending()}};
}

json Convergence(const std::string &dir, const std::string &url, const std::string &password,
                 const std::vector<std::string> &emails) {
    std::vector<std::unique_ptr<Device>> devices;
    for (size_t i = 0; i < emails.size(); i++) {
        devices.push_back(std::make_unique<Device>(dir, "converge" + std::to_string(i), url));
        devices.back()->Login(emails[i], password);
        devices.back()->Sync();
    }
    long long base = devices[0]->Count("customers");
    const int per_device = 1000;
    for (size_t i = 0; i < devices.size(); i++) // offline: nothing is sent yet
        for (int k = 0; k < per_device; k++)
            devices[i]->Create("customers",
                               {{"name", "Offline " + std::to_string(i) + "-" + std::to_string(k)},
                                {"customer_code", "D" + std::to_string(i) + "-" + std::to_string(k)}});
    long long expected = base + (long long)devices.size() * per_device;
    auto start = Clock::now();
    int rounds = 0;
    bool converged = false;
    while (!converged && rounds < 20) {
        rounds++;
        std::vector<std::thread> threads;
        for (auto &d : devices)
            threads.emplace_back([&d] { d->Sync(); });
        for (auto &t : threads)
            t.join();
        converged = true;
        for (auto &d : devices)
            converged = converged && d->Pending() == 0 && d->Count("customers") == expected;
    }
    double seconds = Since(start);
    return {{"devices", devices.size()},
            {"writes_per_device", per_device},
            {"converged", converged},
            {"rounds", rounds},
            {"seconds", seconds}};
}

// The goal of issue 17: an empty device, signed in, syncs a shop of `rows`
// rows; wall time from its first sync request to a ready local database (the
// cursor stored, bootstrapped). The sign-in before it is timed on its own.
json InitialSync(const std::string &dir, const std::string &url, const std::string &password,
                 const std::string &email, long long rows) {
    Device d(dir, "initial", url);
    auto start = Clock::now();
    d.Login(email, password);
    double login_s = Since(start);
    start = Clock::now();
    json report = d.Sync();
    double seconds = Since(start);
    long long got = d.Count("customers") + d.Count("orders") + d.Count("order_items");
    if (got != rows)
        throw std::runtime_error("initial sync brought " + std::to_string(got) + " rows, not " +
                                 std::to_string(rows));
    return {{"rows", got},
            {"expected", rows},
            {"customers", d.Count("customers")},
            {"orders", d.Count("orders")},
            {"order_items", d.Count("order_items")},
            {"login_seconds", login_s},
            {"seconds", seconds},
            {"rows_per_s", got / seconds},
            {"goal_seconds", 1.0},
            {"of_goal", 1.0 / seconds}, // ≥ 1: the goal is met
            {"rebuilt", report["rebuilt"]}};
}

struct Arrivals {
    std::mutex mutex;
    std::condition_variable cv;
    long long changes = 0;
};

void OnArrival(void *context, const char *, const char *) {
    auto *a = static_cast<Arrivals *>(context);
    std::lock_guard<std::mutex> lock(a->mutex);
    a->changes++;
    a->cv.notify_all();
}

std::string Notes(Device &d, const std::string &id) {
    char *out = nullptr;
    Check(d.h, shopsync_get(d.h, "customers", id.c_str(), &out), "get");
    json row = json::parse(Take(out));
    return row.value("notes", json()).is_string() ? row["notes"].get<std::string>() : "";
}

json Propagation(const std::string &dir, const std::string &url, const std::string &password,
                 const std::string &writer_email, const std::string &reader_email,
                 const std::string &write_delay_ms, int rounds) {
    Device a(dir, "writer" + write_delay_ms, url), b(dir, "reader" + write_delay_ms, url);
    a.Login(writer_email, password);
    b.Login(reader_email, password);
    std::string id = a.Create("customers", {{"name", "Latency probe"}});
    a.Sync();
    b.Sync();
    for (Device *d : {&a, &b}) { // only local writes and pokes drive the workers here
        Check(d->h, shopsync_set_option(d->h, "interval_min", "300"), "option");
        Check(d->h, shopsync_set_option(d->h, "interval_max", "300"), "option");
    }
    Check(a.h, shopsync_set_option(a.h, "write_delay_ms", write_delay_ms.c_str()), "option");
    Arrivals arrivals;
    Check(b.h, shopsync_on_change(b.h, OnArrival, &arrivals), "callback");
    Check(a.h, shopsync_start(a.h), "start");
    Check(b.h, shopsync_start(b.h), "start");
    std::this_thread::sleep_for(std::chrono::milliseconds(500)); // event streams connect
    std::vector<double> ms;
    std::mt19937 rng(42);
    for (int i = 0; i < rounds; i++) {
        // A random pause: the writer's own poke makes its worker sync too, and a
        // write landing in that round would skip the write delay by luck.
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(250, 400)(rng)));
        std::string notes = "visit " + std::to_string(i);
        auto start = Clock::now();
        Check(a.h, shopsync_update(a.h, "customers", id.c_str(), json{{"notes", notes}}.dump().c_str()),
              "update");
        std::unique_lock<std::mutex> lock(arrivals.mutex);
        while (Since(start) < 10) {
            lock.unlock();
            bool arrived = Notes(b, id) == notes;
            lock.lock();
            if (arrived)
                break;
            arrivals.cv.wait_for(lock, std::chrono::milliseconds(20));
        }
        ms.push_back(Since(start) * 1000);
    }
    shopsync_stop(a.h);
    shopsync_stop(b.h);
    std::sort(ms.begin(), ms.end());
    return {{"rounds", rounds},
            {"write_delay_ms", std::atoi(write_delay_ms.c_str())},
            {"p50_ms", ms[ms.size() / 2]},
            {"p99_ms", ms[std::min(ms.size() - 1, (size_t)(ms.size() * 0.99))]},
            {"max_ms", ms.back()}};
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 9) {
        std::fprintf(
            stderr,
            "usage: client_bench GATEWAY_URL WORKDIR PASSWORD OWNER STAFF1 STAFF2 SEED_OWNER SEED_ROWS\n");
        return 2;
    }
    std::string url = argv[1], dir = argv[2], password = argv[3];
    std::vector<std::string> members = {argv[4], argv[5], argv[6]};
    // CLIENT_BENCH_ONLY=initial_sync: that part alone (profiling runs).
    const char *only_env = std::getenv("CLIENT_BENCH_ONLY");
    std::string only = only_env ? only_env : "";
    try {
        json out;
        if (only.empty()) {
            std::fprintf(stderr, "local write rate\n");
            out["local_writes"] = LocalWriteRate(dir);
            std::fprintf(stderr, "3 devices × 1,000 offline writes to convergence\n");
            out["convergence"] = Convergence(dir, url, password, members);
        }
        std::fprintf(stderr, "initial sync of %s rows\n", argv[8]);
        out["initial_sync"] = InitialSync(dir, url, password, argv[7], std::atoll(argv[8]));
        if (only.empty()) {
            std::fprintf(stderr, "write-to-arrival latency between two devices\n");
            out["propagation"] = Propagation(dir, url, password, members[0], members[1], "0", 100);
            out["propagation_default_delay"] =
                Propagation(dir, url, password, members[0], members[1], "200", 40);
        }
        std::printf("%s\n", out.dump().c_str());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "client_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
