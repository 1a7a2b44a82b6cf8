// gateway/src/pokes.hpp — relays NOTIFY shopsync_changes (payload: a shop id)
// to that shop's event streams. A poke carries no data. Subscribers are held
// weakly, so a stream that is going away is simply skipped.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gateway {

// One open event stream. Poke and Close are called from the relay's thread
// (under its lock) and must only schedule work, never block.
class Subscriber {
  public:
    virtual ~Subscriber() = default;
    virtual void Poke() = 0;
    virtual void Close(const std::string &reason) = 0;
};

class PokeRelay {
  public:
    explicit PokeRelay(std::string conninfo) : conninfo_(std::move(conninfo)) {}
    ~PokeRelay() { Stop(); }
    void Start();
    void Stop(); // closes every subscription
    void Subscribe(const std::string &shop, Subscriber *key, std::weak_ptr<Subscriber> s);
    void Unsubscribe(const std::string &shop, Subscriber *key);
    std::atomic<long> delivered{0};

  private:
    void Run();
    void Deliver(const std::string &shop);
    void DeliverAll();
    std::vector<std::shared_ptr<Subscriber>> Collect(const std::string &shop);
    std::string conninfo_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::map<std::string, std::map<Subscriber *, std::weak_ptr<Subscriber>>> subscribers_;
};

} // namespace gateway
