// gateway/src/db_pool.cpp — connections are opened lazily and re-opened when
// found broken, so the gateway survives a PostgreSQL restart on its own.
#include "db_pool.hpp"

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
    else if (PQstatus(conns_[slot]) != CONNECTION_OK)
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
