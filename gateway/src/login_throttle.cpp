// gateway/src/login_throttle.cpp — see login_throttle.hpp.
#include "login_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace gateway {

int LoginThrottle::RetryAfter(const std::string &key, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.not_before <= now)
        return 0;
    double wait = std::chrono::duration<double>(it->second.not_before - now).count();
    return std::max(1, (int)std::ceil(wait));
}

void LoginThrottle::Failed(const std::string &key, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() > 100000)
        Forget(now);
    Entry &e = entries_[key];
    e.failures++;
    e.last = now;
    int over = e.failures - free_failures_ + 1;
    if (over > 0) {
        long delay = over >= 20 ? max_delay_ : std::min<long>(max_delay_, 1L << (over - 1));
        e.not_before = now + std::chrono::seconds(delay);
    }
}

void LoginThrottle::Succeeded(const std::string &key) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(key);
}

void LoginThrottle::Forget(Clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();)
        if (now - it->second.last > std::chrono::hours(1) && it->second.not_before <= now)
            it = entries_.erase(it);
        else
            ++it;
}

} // namespace gateway
