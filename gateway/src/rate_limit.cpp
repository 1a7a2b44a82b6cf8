// gateway/src/rate_limit.cpp
#include "rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace gateway {

int RateLimiter::Take(const std::string &key, std::chrono::steady_clock::time_point now) {
    if (rate_ <= 0)
        return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    if (buckets_.size() > 100000) // forget idle keys rather than grow without bound
        buckets_.clear();
    auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
    Bucket &b = it->second;
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last = now;
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
    }
    return std::max(1, (int)std::ceil((1 - b.tokens) / rate_));
}

} // namespace gateway
