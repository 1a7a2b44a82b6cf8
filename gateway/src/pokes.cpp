// gateway/src/pokes.cpp — one dedicated connection LISTENs; it reconnects after
// a server restart and then pokes everyone, since notifications may be lost.
#include "pokes.hpp"

#include <libpq-fe.h>
#include <sys/select.h>

namespace gateway {

bool Subscription::Wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return pending_ > 0 || closed_; });
    bool poked = pending_ > 0;
    pending_ = 0;
    return poked;
}

void Subscription::Poke() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_++;
    }
    cv_.notify_one();
}

void Subscription::Close() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
    }
    cv_.notify_one();
}

void PokeRelay::Start() {
    thread_ = std::thread([this] { Run(); });
}

void PokeRelay::Stop() {
    stopping_ = true;
    if (thread_.joinable())
        thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[shop, subs] : subscribers_)
        for (Subscription *s : subs)
            s->Close();
}

void PokeRelay::Subscribe(const std::string &shop, Subscription *s) {
    std::lock_guard<std::mutex> lock(mutex_);
    subscribers_[shop].insert(s);
    if (stopping_)
        s->Close();
}

void PokeRelay::Unsubscribe(const std::string &shop, Subscription *s) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = subscribers_.find(shop);
    if (it == subscribers_.end())
        return;
    it->second.erase(s);
    if (it->second.empty())
        subscribers_.erase(it);
}

void PokeRelay::Deliver(const std::string &shop) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = subscribers_.find(shop);
    if (it == subscribers_.end())
        return;
    for (Subscription *s : it->second) {
        s->Poke();
        delivered++;
    }
}

void PokeRelay::DeliverAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[shop, subs] : subscribers_)
        for (Subscription *s : subs) {
            s->Poke();
            delivered++;
        }
}

void PokeRelay::Run() {
    PGconn *conn = nullptr;
    bool was_connected = false;
    while (!stopping_) {
        if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
            if (conn != nullptr)
                PQfinish(conn);
            conn = PQconnectdb(conninfo_.c_str());
            PGresult *res =
                PQstatus(conn) == CONNECTION_OK ? PQexec(conn, "LISTEN shopsync_changes") : nullptr;
            bool ok = res != nullptr && PQresultStatus(res) == PGRES_COMMAND_OK;
            PQclear(res);
            if (!ok) {
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                continue;
            }
            if (was_connected)
                DeliverAll(); // changes during the outage were not notified
            was_connected = true;
        }
        int fd = PQsocket(conn);
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        timeval timeout{0, 200 * 1000};
        if (select(fd + 1, &readable, nullptr, nullptr, &timeout) < 0)
            continue;
        if (!PQconsumeInput(conn))
            continue; // broken: reconnect at the top
        while (PGnotify *n = PQnotifies(conn)) {
            Deliver(n->extra);
            PQfreemem(n);
        }
    }
    if (conn != nullptr)
        PQfinish(conn);
}

} // namespace gateway
