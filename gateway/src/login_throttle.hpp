// gateway/src/login_throttle.hpp — growing delays after failed sign-ins,
// kept per key (an account's email, a client address): from the
// `free_failures`-th failure on, the next attempt must wait, twice as long
// after each further failure (1 s, 2 s, 4 s … up to max_delay). A success
// clears the key.
// In memory: a restart forgets, which an attacker cannot cause from outside.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace gateway {

class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;
    LoginThrottle(int free_failures, int max_delay_seconds)
        : free_failures_(free_failures), max_delay_(max_delay_seconds) {}
    // 0 when key may try now, else the seconds to wait (Retry-After).
    int RetryAfter(const std::string &key, Clock::time_point now = Clock::now());
    void Failed(const std::string &key, Clock::time_point now = Clock::now());
    void Succeeded(const std::string &key);

  private:
    struct Entry {
        int failures = 0;
        Clock::time_point not_before, last;
    };
    void Forget(Clock::time_point now); // drops entries quiet for an hour
    int free_failures_, max_delay_;
    std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

} // namespace gateway
