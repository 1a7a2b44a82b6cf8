// gateway/src/pokes.hpp — relays NOTIFY shopsync_changes (payload: a shop id)
// to that shop's Server-Sent Events subscribers. A poke carries no data.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace gateway {

// One open event stream. Wait() returns true when the shop changed.
class Subscription {
  public:
    bool Wait(std::chrono::milliseconds timeout);
    void Poke();
    void Close();
    bool closed() const { return closed_; }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int pending_ = 0;
    bool closed_ = false;
};

class PokeRelay {
  public:
    explicit PokeRelay(std::string conninfo) : conninfo_(std::move(conninfo)) {}
    ~PokeRelay() { Stop(); }
    void Start();
    void Stop(); // closes every subscription
    void Subscribe(const std::string &shop, Subscription *s);
    void Unsubscribe(const std::string &shop, Subscription *s);
    std::atomic<long> delivered{0};

  private:
    void Run();
    void Deliver(const std::string &shop);
    void DeliverAll();
    std::string conninfo_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::map<std::string, std::set<Subscription *>> subscribers_;
};

} // namespace gateway
