// gateway/src/metrics.cpp
#include "metrics.hpp"

#include <sstream>

namespace gateway {

const std::vector<double> &Metrics::Buckets() {
    static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1,    2.5,   5};
    return kBuckets;
}

void Metrics::Request(const std::string &route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_[{route, status}]++;
    auto &buckets = latency_buckets_[route];
    buckets.resize(Buckets().size(), 0);
    for (size_t i = 0; i < Buckets().size(); i++)
        if (seconds <= Buckets()[i]) {
            buckets[i]++;
            break;
        }
    latency_sum_[route] += seconds;
    latency_count_[route]++;
}

void Metrics::PushOutcomes(long accepted, long conflicts, long rejected) {
    std::lock_guard<std::mutex> lock(mutex_);
    accepted_ += accepted;
    conflicts_ += conflicts;
    rejected_ += rejected;
}

std::string Metrics::Render(int pool_size, int pool_in_use) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::ostringstream out;
    out << "# HELP shopsync_http_requests_total HTTP requests by route and status.\n"
        << "# TYPE shopsync_http_requests_total counter\n";
    for (const auto &[key, count] : requests_)
        out << "shopsync_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} "
            << count << "\n";
    out << "# HELP shopsync_http_request_duration_seconds Request latency by route.\n"
        << "# TYPE shopsync_http_request_duration_seconds histogram\n";
    for (const auto &[route, buckets] : latency_buckets_) {
        long cumulative = 0;
        for (size_t i = 0; i < Buckets().size(); i++) {
            cumulative += buckets[i];
            out << "shopsync_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
                << Buckets()[i] << "\"} " << cumulative << "\n";
        }
        out << "shopsync_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
            << latency_count_.at(route) << "\n"
            << "shopsync_http_request_duration_seconds_sum{route=\"" << route << "\"} "
            << latency_sum_.at(route) << "\n"
            << "shopsync_http_request_duration_seconds_count{route=\"" << route << "\"} "
            << latency_count_.at(route) << "\n";
    }
    out << "# HELP shopsync_push_events_total Pushed events by outcome.\n"
        << "# TYPE shopsync_push_events_total counter\n"
        << "shopsync_push_events_total{outcome=\"accepted\"} " << accepted_ << "\n"
        << "shopsync_push_events_total{outcome=\"conflict\"} " << conflicts_ << "\n"
        << "shopsync_push_events_total{outcome=\"rejected\"} " << rejected_ << "\n"
        << "# HELP shopsync_db_pool_connections Database pool size and connections in use.\n"
        << "# TYPE shopsync_db_pool_connections gauge\n"
        << "shopsync_db_pool_connections{state=\"size\"} " << pool_size << "\n"
        << "shopsync_db_pool_connections{state=\"in_use\"} " << pool_in_use << "\n"
        << "# HELP shopsync_sse_streams Open Server-Sent Events streams.\n"
        << "# TYPE shopsync_sse_streams gauge\n"
        << "shopsync_sse_streams " << sse_streams.load() << "\n"
        << "# HELP shopsync_pokes_sent_total Pokes relayed to devices.\n"
        << "# TYPE shopsync_pokes_sent_total counter\n"
        << "shopsync_pokes_sent_total " << pokes_sent.load() << "\n";
    return out.str();
}

} // namespace gateway
