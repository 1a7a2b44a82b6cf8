// gateway/src/rate_limit.hpp — token buckets per key (a user, a device).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gateway {

class RateLimiter {
  public:
    // `rate` tokens per second, up to `burst`. rate <= 0 disables limiting.
    RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}
    // Takes a token for key; 0 when allowed, else seconds to wait (Retry-After).
    int Take(const std::string &key,
             std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point last;
    };
    double rate_, burst_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace gateway
