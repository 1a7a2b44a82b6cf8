// gateway/src/replica.cpp — see replica.hpp. The replay LSN is polled on one
// direct connection: every 50 ms when idle, every 2 ms while a read waits.
#include "replica.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <limits>

namespace gateway {

static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

uint64_t ParseLsn(const char *text) {
    unsigned int high = 0, low = 0;
    char extra = 0;
    if (text == nullptr || std::sscanf(text, "%X/%X%c", &high, &low, &extra) != 2)
        return 0;
    return ((uint64_t)high << 32) | low;
}

ReplicaReads::ReplicaReads(std::string conninfo, int pool_size, int max_wait_ms)
    : pool_(conninfo, pool_size), conninfo_(std::move(conninfo)), max_wait_ms_(max_wait_ms) {}

ReplicaReads::~ReplicaReads() {
    Stop();
}

void ReplicaReads::Start() {
    poller_ = std::thread([this] { Poll(); });
}

void ReplicaReads::Stop() {
    stopping_ = true;
    advanced_.notify_all();
    if (poller_.joinable())
        poller_.join();
}

void ReplicaReads::Marks(const std::vector<std::string> &shops, uint64_t lsn) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &shop : shops) {
        uint64_t &mark = marks_[shop];
        mark = std::max(mark, lsn);
    }
    newest_ = std::max(newest_, lsn);
}

void ReplicaReads::Barrier(uint64_t lsn) {
    std::lock_guard<std::mutex> lock(mutex_);
    barrier_ = std::max(barrier_, lsn);
    newest_ = std::max(newest_, lsn);
    known_ = true;
}

void ReplicaReads::Unknown() {
    std::lock_guard<std::mutex> lock(mutex_);
    known_ = false; // until the listener reconnects and reads a new barrier
}

// true once the replica has replayed every commit the caller's shop may
// have been told about; waits up to max_wait_ms_ for it.
bool ReplicaReads::WaitFresh(const std::string &shop) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto required = [&] {
        if (!known_)
            return kNever;
        if (shop.empty())
            return newest_;
        auto it = marks_.find(shop);
        return std::max(barrier_, it == marks_.end() ? 0 : it->second);
    };
    if (replayed_ >= required())
        return true;
    waiting_++;
    advanced_.notify_all(); // the poller speeds up
    bool fresh = advanced_.wait_for(lock, std::chrono::milliseconds(max_wait_ms_),
                                    [&] { return stopping_ || replayed_ >= required(); });
    waiting_--;
    if (fresh && !stopping_)
        waited_++;
    return fresh && !stopping_;
}

void ReplicaReads::Poll() {
    PGconn *conn = nullptr;
    while (!stopping_) {
        if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
            if (conn != nullptr)
                PQfinish(conn);
            conn = PQconnectdb(conninfo_.c_str());
        }
        uint64_t lsn = 0;
        if (PQstatus(conn) == CONNECTION_OK) {
            PGresult *res = PQexec(conn, "SELECT pg_last_wal_replay_lsn()::text");
            if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
                lsn = ParseLsn(PQgetvalue(res, 0, 0));
            PQclear(res);
        }
        std::unique_lock<std::mutex> lock(mutex_);
        if (lsn < replayed_) // another replica, or one rebuilt from an older copy: trust no old mark
            barrier_ = std::max(barrier_, newest_);
        replayed_ = lsn;
        advanced_.notify_all();
        if (waiting_ > 0) {
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        } else {
            advanced_.wait_for(lock, std::chrono::milliseconds(50),
                               [&] { return stopping_.load() || waiting_ > 0; });
        }
    }
    if (conn != nullptr)
        PQfinish(conn);
}

std::optional<RpcResult> ReplicaReads::Call(const Caller &caller, const std::string &shop,
                                            const std::string &sql,
                                            const std::vector<std::optional<std::string>> &params,
                                            int statement_timeout_ms) {
    if (!WaitFresh(shop)) {
        to_primary_stale_++;
        return std::nullopt;
    }
    PooledConnection conn = pool_.Acquire(std::chrono::milliseconds(50));
    if (!conn) {
        to_primary_unavailable_++;
        return std::nullopt;
    }
    RpcResult r = CallApi(conn.get(), caller, sql, params, statement_timeout_ms);
    if (r.status == 200) {
        served_++;
        return r;
    }
    // cursor_expired here may only mean the device saw a fresher server;
    // any other refusal (a membership the replica lacks, a recovery
    // conflict, the replica away) is the primary's to give, too.
    if (r.sqlstate == "PT410")
        to_primary_expired_++;
    else
        to_primary_unavailable_++;
    return std::nullopt;
}

std::string ReplicaReads::Metrics() const {
    std::string out = "# HELP shopsync_replica_reads_total Pulls and snapshots by where they were served.\n"
                      "# TYPE shopsync_replica_reads_total counter\n";
    auto line = [&out](const char *where, long n) {
        out +=
            std::string("shopsync_replica_reads_total{served=\"") + where + "\"} " + std::to_string(n) + "\n";
    };
    line("replica", served_.load());
    line("replica_after_wait", waited_.load());
    line("primary_replica_behind", to_primary_stale_.load());
    line("primary_cursor_expired_on_replica", to_primary_expired_.load());
    line("primary_replica_unavailable", to_primary_unavailable_.load());
    return out;
}

} // namespace gateway
