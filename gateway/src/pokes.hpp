// gateway/src/pokes.hpp — relays NOTIFY shopsync_changes (payload: a shop id)
// to that shop's event streams. A poke carries no data. Subscribers are
// indexed by shop and held weakly, so a stream that is going away is simply
// skipped.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace gateway {

// One open event stream. Poke runs on an I/O thread, any of them, and must
// not block; Close may be called from any thread and only schedules work.
class Subscriber {
  public:
    virtual ~Subscriber() = default;
    virtual bool Poke() = 0; // true when a poke was queued (not coalesced)
    virtual void Close(const std::string &reason) = 0;
};

class ReplicaReads;

class PokeRelay {
  public:
    explicit PokeRelay(std::string conninfo) : conninfo_(std::move(conninfo)) {}
    ~PokeRelay() { Stop(); }
    // Listens on its own thread; pokes are written on io's threads.
    void Start(boost::asio::io_context &io);
    void Stop(); // closes every subscription
    void Subscribe(const std::string &shop, Subscriber *key, std::weak_ptr<Subscriber> s);
    void Unsubscribe(const std::string &shop, Subscriber *key);
    // Pokes every stream of shop ("" = every stream): the streams are split
    // into batches posted to the I/O threads, which write them in parallel.
    void Deliver(const std::string &shop);
    std::atomic<long> delivered{0};
    // With a replica (set before Start): told the primary's WAL position
    // after each batch of notifications, before their pokes go out, and on
    // every (re)connect. The listener must then connect to the primary
    // itself (--notify-database-url when the pool goes through PgBouncer).
    ReplicaReads *replica = nullptr;

  private:
    void Run();
    std::vector<std::shared_ptr<Subscriber>> Collect(const std::string &shop);
    std::string conninfo_;
    boost::asio::io_context *io_ = nullptr;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::unordered_map<std::string, std::unordered_map<Subscriber *, std::weak_ptr<Subscriber>>> subscribers_;
};

} // namespace gateway
