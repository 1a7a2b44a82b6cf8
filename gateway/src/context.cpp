// gateway/src/context.cpp — see context.hpp.
#include "context.hpp"

#include "event_stream.hpp"

#include <boost/asio/post.hpp>

#include <fstream>
#include <sstream>

namespace gateway {

static Jwks LoadJwks(const std::string &path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read JWKS file " + path);
    std::stringstream text;
    text << in.rdbuf();
    return Jwks::Parse(text.str());
}

Context::Context(Config c)
    : config(std::move(c)), pool(config.database_url, config.pool_size),
      jwks(config.jwks_file.empty() ? Jwks() : LoadJwks(config.jwks_file)),
      pokes(config.notify_database_url.empty() ? config.database_url : config.notify_database_url),
      user_limits(config.user_rate, config.user_burst),
      device_limits(config.device_rate, config.device_burst),
      shop_creation_limits(config.shop_create_per_hour / 3600.0, config.shop_create_per_hour),
      workers(config.pool_size) {
    if (!config.replica_database_url.empty()) {
        replica = std::make_unique<ReplicaReads>(config.replica_database_url, config.pool_size,
                                                 config.replica_max_wait_ms);
        pokes.replica = replica.get();
    }
}

Context::~Context() {
    workers.join();
}

bool Context::Offload(std::function<void()> job) {
    if (queued_calls.fetch_add(1) >= config.max_queued_calls) {
        queued_calls--;
        return false;
    }
    boost::asio::post(workers, [this, job = std::move(job)] {
        queued_calls--;
        try {
            job();
        } catch (...) {
            // job answers its own failures; nothing may end a worker thread
        }
    });
    return true;
}

int StreamRegistry::Reserve(const std::string &user, int per_user, int total) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (total_ >= total)
        return 503;
    PerUser &u = by_user_[user];
    if (u.reserved >= per_user)
        return 429;
    u.reserved++;
    total_++;
    return 0;
}

void StreamRegistry::Attach(const std::string &user, const std::shared_ptr<EventStream> &s) {
    std::lock_guard<std::mutex> lock(mutex_);
    by_user_[user].streams[s.get()] = s;
}

void StreamRegistry::Remove(const std::string &user, const EventStream *s) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = by_user_.find(user);
    if (it == by_user_.end())
        return;
    it->second.streams.erase(s);
    it->second.reserved--;
    total_--;
    if (it->second.reserved <= 0)
        by_user_.erase(it);
}

std::map<std::string, std::vector<std::shared_ptr<EventStream>>> StreamRegistry::Snapshot() {
    std::map<std::string, std::vector<std::shared_ptr<EventStream>>> out;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[user, u] : by_user_)
        for (auto &[key, weak] : u.streams)
            if (auto s = weak.lock())
                out[user].push_back(std::move(s));
    return out;
}

} // namespace gateway
