// gateway/src/replica.hpp — serves sync_pull and sync_snapshot from a
// streaming replica (--replica-database-url) without its lag ever showing
// to a device. Words: the replay LSN is how far the replica has applied the
// primary's WAL; a shop's mark is the primary's WAL position after a commit
// that changed the shop (read by the poke listener when the shop's NOTIFY
// arrives); the barrier is the primary's WAL position when the listener
// (re)connected, which covers every commit it was not told about. A read goes
// to the replica only when the replica has replayed past the barrier and the
// caller's shop's mark (every shop's, when the token names none), waiting up
// to --replica-max-wait-ms for it; otherwise, and whenever the replica answers
// cursor_expired or cannot answer, the primary serves it.
#pragma once

#include "db_pool.hpp"
#include "rpc.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace gateway {

// "16/B374D848" -> its 64-bit position; 0 for anything else.
uint64_t ParseLsn(const char *text);

class ReplicaReads {
  public:
    ReplicaReads(std::string conninfo, int pool_size, int max_wait_ms);
    ~ReplicaReads();
    void Start(); // the replay-LSN poller
    void Stop();

    // From the poke listener (primary): commits of shops, then their pokes;
    // Barrier on every (re)connect, Unknown when a mark could not be read.
    void Marks(const std::vector<std::string> &shops, uint64_t lsn);
    void Barrier(uint64_t lsn);
    void Unknown();

    // The call's answer from the replica, or nothing: the primary must serve it.
    std::optional<RpcResult> Call(const Caller &caller, const std::string &shop, const std::string &sql,
                                  const std::vector<std::optional<std::string>> &params,
                                  int statement_timeout_ms);
    std::string Metrics() const; // Prometheus lines

  private:
    bool WaitFresh(const std::string &shop);
    void Poll();
    DbPool pool_;
    std::string conninfo_;
    int max_wait_ms_;
    std::atomic<uint64_t> replayed_{0};
    std::thread poller_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable advanced_;
    int waiting_ = 0;    // reads waiting for the replica
    bool known_ = false; // a barrier was read since the listener last lost track
    uint64_t barrier_ = 0, newest_ = 0;
    std::unordered_map<std::string, uint64_t> marks_;
    std::atomic<long> served_{0}, waited_{0}, to_primary_stale_{0}, to_primary_expired_{0},
        to_primary_unavailable_{0};
};

} // namespace gateway
