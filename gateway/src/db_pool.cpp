// gateway/src/db_pool.cpp — connections are opened lazily and re-opened when
// found broken, so the gateway survives a PostgreSQL restart on its own.
#include "db_pool.hpp"

#include <poll.h>

namespace gateway {

PooledConnection::~PooledConnection() {
    if (conn_ != nullptr)
        pool_->Release(slot_);
}

DbPool::DbPool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), conns_(size, nullptr) {
    for (int i = size - 1; i >= 0; i--)
        free_.push_back(i);
}

DbPool::~DbPool() {
    for (PGconn *c : conns_)
        if (c != nullptr)
            PQfinish(c);
}

int DbPool::in_use() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return (int)(conns_.size() - free_.size());
}

// An idle connection has nothing to read. If its socket is readable, the
// server sent its goodbye (a restart, an admin's termination) or closed it:
// reconnect now rather than fail the caller's first statement with a 503.
bool DbPool::Stale(PGconn *conn) {
    pollfd p{PQsocket(conn), POLLIN, 0};
    if (p.fd < 0)
        return true;
    return poll(&p, 1, 0) != 0;
}

PooledConnection DbPool::Acquire(std::chrono::milliseconds wait) {
    int slot;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!available_.wait_for(lock, wait, [this] { return !free_.empty(); }))
            return PooledConnection(this, -1, nullptr);
        slot = free_.back();
        free_.pop_back();
    }
    // The slot is ours alone now; connecting happens outside the lock.
    if (conns_[slot] == nullptr)
        conns_[slot] = PQconnectdb(conninfo_.c_str());
    else if (PQpipelineStatus(conns_[slot]) != PQ_PIPELINE_OFF) { // left mid-pipeline by a failure
        PQfinish(conns_[slot]);
        conns_[slot] = PQconnectdb(conninfo_.c_str());
    } else if (PQstatus(conns_[slot]) != CONNECTION_OK || Stale(conns_[slot]))
        PQreset(conns_[slot]);
    return PooledConnection(this, slot, conns_[slot]);
}

void DbPool::Release(int slot) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(slot);
    }
    available_.notify_one();
}

} // namespace gateway
