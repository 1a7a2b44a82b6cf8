// client/src/backoff.cpp
#include "backoff.hpp"

#include <algorithm>
#include <cmath>

namespace shopsync::client {

double BackoffCeiling(const BackoffPolicy &policy, int attempt) {
    if (attempt < 1)
        return 0;
    double exponent = std::min(attempt - 1, 30); // 2^30·base is far past any cap
    return std::min(policy.cap_seconds, policy.base_seconds * std::pow(2.0, exponent));
}

double BackoffDelay(const BackoffPolicy &policy, int attempt, double retry_after, std::mt19937_64 &rng) {
    std::uniform_real_distribution<double> uniform(0.0, BackoffCeiling(policy, attempt));
    double delay = uniform(rng);
    return retry_after >= 0 ? std::max(delay, retry_after) : delay;
}

} // namespace shopsync::client
