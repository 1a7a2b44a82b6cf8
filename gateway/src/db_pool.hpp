// gateway/src/db_pool.hpp — a fixed-size pool of libpq connections.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace gateway {

class DbPool;

// A borrowed connection; goes back to the pool when destroyed.
class PooledConnection {
  public:
    PooledConnection(DbPool *pool, int slot, PGconn *conn) : pool_(pool), slot_(slot), conn_(conn) {}
    PooledConnection(PooledConnection &&other) noexcept
        : pool_(other.pool_), slot_(other.slot_), conn_(other.conn_) {
        other.conn_ = nullptr;
    }
    PooledConnection(const PooledConnection &) = delete;
    ~PooledConnection();
    PGconn *get() const { return conn_; }
    explicit operator bool() const { return conn_ != nullptr; }

  private:
    DbPool *pool_;
    int slot_;
    PGconn *conn_;
};

class DbPool {
  public:
    DbPool(std::string conninfo, int size);
    ~DbPool();
    // Waits up to `wait` for a free connection; an empty handle when none came
    // (the caller answers 503 instead of hanging). Connections open on first
    // use, and one found broken or closed by the server (it restarted) is
    // reconnected first.
    PooledConnection Acquire(std::chrono::milliseconds wait);
    int size() const { return (int)conns_.size(); }
    int in_use() const;

  private:
    friend class PooledConnection;
    void Release(int slot);
    static bool Stale(PGconn *conn);
    std::string conninfo_;
    std::vector<PGconn *> conns_; // by slot; null until first use
    std::vector<int> free_;       // free slots
    mutable std::mutex mutex_;
    std::condition_variable available_;
};

} // namespace gateway
