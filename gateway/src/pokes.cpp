// gateway/src/pokes.cpp — one dedicated connection LISTENs; it reconnects after
// a server restart and then pokes everyone, since notifications may be lost.
#include "pokes.hpp"

#include "replica.hpp"

#include <boost/asio/post.hpp>
#include <libpq-fe.h>
#include <sys/select.h>

namespace gateway {

// The primary's WAL insert position: every commit notified so far is before it.
static uint64_t InsertLsn(PGconn *conn) {
    PGresult *res = PQexec(conn, "SELECT pg_current_wal_insert_lsn()::text");
    uint64_t lsn = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
                       ? ParseLsn(PQgetvalue(res, 0, 0))
                       : 0;
    PQclear(res);
    return lsn;
}

void PokeRelay::Start(boost::asio::io_context &io) {
    io_ = &io;
    thread_ = std::thread([this] { Run(); });
}

void PokeRelay::Stop() {
    stopping_ = true;
    if (thread_.joinable())
        thread_.join();
    for (auto &s : Collect(""))
        s->Close("the gateway is shutting down");
}

// Live subscribers of one shop ("" = all), taken under the lock. Called
// outside it: a stream released here may unsubscribe in its destructor.
std::vector<std::shared_ptr<Subscriber>> PokeRelay::Collect(const std::string &shop) {
    std::vector<std::shared_ptr<Subscriber>> out;
    std::lock_guard<std::mutex> lock(mutex_);
    auto take = [&out](const std::unordered_map<Subscriber *, std::weak_ptr<Subscriber>> &subs) {
        for (auto &[key, weak] : subs)
            if (auto s = weak.lock())
                out.push_back(std::move(s));
    };
    if (!shop.empty()) {
        auto it = subscribers_.find(shop);
        if (it != subscribers_.end()) {
            out.reserve(it->second.size());
            take(it->second);
        }
        return out;
    }
    for (auto &[name, subs] : subscribers_)
        take(subs);
    return out;
}

void PokeRelay::Subscribe(const std::string &shop, Subscriber *key, std::weak_ptr<Subscriber> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    subscribers_[shop][key] = s;
    if (stopping_)
        key->Close("the gateway is shutting down"); // the caller holds a reference
}

void PokeRelay::Unsubscribe(const std::string &shop, Subscriber *key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = subscribers_.find(shop);
    if (it == subscribers_.end())
        return;
    it->second.erase(key);
    if (it->second.empty())
        subscribers_.erase(it);
}

// The streams are written in batches, one posted handler each, so both I/O
// threads take part and a busy one never holds up the rest; each stream
// writes the poke straight to its socket (EventStream::Poke).
void PokeRelay::Deliver(const std::string &shop) {
    constexpr size_t kBatch = 256;
    auto all = std::make_shared<std::vector<std::shared_ptr<Subscriber>>>(Collect(shop));
    for (size_t first = 0; first < all->size(); first += kBatch) {
        auto batch = [this, all, first] {
            size_t last = std::min(all->size(), first + kBatch);
            long queued = 0;
            for (size_t i = first; i < last; i++) {
                queued += (*all)[i]->Poke() ? 1 : 0;
                (*all)[i].reset(); // a stream gone meanwhile is released here, not by the last batch
            }
            delivered += queued;
        };
        if (io_ != nullptr)
            boost::asio::post(*io_, batch);
        else
            batch();
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
            if (replica != nullptr) {
                uint64_t lsn = InsertLsn(conn); // after LISTEN: covers every commit not notified to us
                if (lsn == 0) {
                    replica->Unknown();
                    PQfinish(conn);
                    conn = nullptr;
                    std::this_thread::sleep_for(std::chrono::milliseconds(500));
                    continue;
                }
                replica->Barrier(lsn);
            }
            if (was_connected)
                Deliver(""); // changes during the outage were not notified
            was_connected = true;
        }
        int fd = PQsocket(conn);
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        timeval timeout{0, 200 * 1000};
        if (select(fd + 1, &readable, nullptr, nullptr, &timeout) < 0)
            continue;
        if (!PQconsumeInput(conn)) {
            if (replica != nullptr)
                replica->Unknown();
            continue; // broken: reconnect at the top
        }
        std::vector<std::string> shops;
        auto drain = [&] {
            while (PGnotify *n = PQnotifies(conn)) {
                if (n->extra[0] != '\0') // "" would mean every shop
                    shops.emplace_back(n->extra);
                PQfreemem(n);
            }
        };
        // Notifications that arrive with the LSN's answer are queued by
        // libpq, not left on the socket: drained here, not after a select.
        for (drain(); !shops.empty(); drain()) {
            if (replica != nullptr) { // the marks go in before the pokes go out
                uint64_t lsn = InsertLsn(conn);
                if (lsn != 0)
                    replica->Marks(shops, lsn);
                else
                    replica->Unknown();
            }
            for (const auto &shop : shops)
                Deliver(shop);
            shops.clear();
        }
    }
    if (conn != nullptr)
        PQfinish(conn);
}

} // namespace gateway
