// gateway/src/metrics.hpp — counters and latency histograms in Prometheus'
// text exposition format.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace gateway {

class Metrics {
  public:
    void Request(const std::string &route, int status, double seconds);
    void PushOutcomes(long accepted, long conflicts, long rejected);
    std::atomic<int> sse_streams{0};
    std::atomic<long> pokes_sent{0};
    // Renders everything; pool figures are read at render time.
    std::string Render(int pool_size, int pool_in_use) const;

  private:
    static const std::vector<double> &Buckets();
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, long> requests_;
    std::map<std::string, std::vector<long>> latency_buckets_; // per route, cumulative at render
    std::map<std::string, double> latency_sum_;
    std::map<std::string, long> latency_count_;
    long accepted_ = 0, conflicts_ = 0, rejected_ = 0;
};

} // namespace gateway
