// client/src/backoff.hpp — when to retry a push that failed for a reason that
// may pass (network errors, 5xx, 429): exponential backoff with full jitter.
#pragma once

#include <cstdint>
#include <random>

namespace shopsync::client {

struct BackoffPolicy {
    double base_seconds = 5;  // 5, 10, 20, 40 … before jitter
    double cap_seconds = 300; // never wait longer than this
};

// The ceiling of the wait after `attempt` failures (1-based): min(cap, base·2^(attempt-1)).
double BackoffCeiling(const BackoffPolicy &policy, int attempt);

// Full jitter: a uniform wait in [0, ceiling]. A server's Retry-After (seconds,
// or negative when absent) is a floor: the wait is never shorter.
double BackoffDelay(const BackoffPolicy &policy, int attempt, double retry_after, std::mt19937_64 &rng);

} // namespace shopsync::client
