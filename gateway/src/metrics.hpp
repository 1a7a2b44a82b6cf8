// gateway/src/metrics.hpp — counters and histograms in Prometheus' text
// exposition format: requests, push outcomes, pool and streams, and the sync
// figures of the dashboards (docs/grafana-dashboard.json): the end-to-end
// sync latency (a change's commit → poke → the pull that delivers it) and
// the devices' outbox reports (retry depth, oldest pending age).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

// One unlabelled histogram; callers hold the Metrics mutex.
struct Histogram {
    std::vector<double> bounds;
    std::vector<long> counts; // per bucket, not cumulative (made cumulative at render)
    double sum = 0;
    long count = 0;
    void Observe(double value);
    void Render(std::ostream &out, const std::string &name, const std::string &help) const;
};

class Metrics {
  public:
    Metrics();
    void Request(const std::string &route, int status, double seconds);
    void PushOutcomes(long accepted, long conflicts, long rejected);
    // A push envelope's "outbox" report (protocol 3; absent: nothing observed).
    void PushEnvelope(const nlohmann::json &envelope);
    // The same from the envelope's text: only its top-level "outbox" object is
    // parsed (a scan of the text, no parse of the events).
    void PushEnvelopeText(const std::string &text);
    // A pull answer (api.sync_pull's JSON text): each change's age since its
    // changed_at, at `now`, is one sync latency observation.
    void PullAnswer(const std::string &answer,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
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
    Histogram sync_latency_, retry_depth_, outbox_age_;
};

// Seconds since the epoch of an ISO 8601 timestamp as PostgreSQL writes it in
// JSON ("2026-11-25T03:25:54.123456+00:00", offset ±HH[:MM] or Z); false if not one.
bool ParseTimestamp(std::string_view text, double *epoch_seconds);

// Calls visit with the text of each "changed_at" string of the objects in a
// pull answer's top-level "changes" array: a scan of the text, not a parse
// (a DOM of 100 changes cost the gateway more than the rest of a pull).
void ForEachChangeTime(std::string_view text, const std::function<void(std::string_view)> &visit);

// The text of the object value of `key` at the top level of a JSON object
// text (not inside any nested value or string); false when there is none.
bool TopLevelObject(const std::string &text, const std::string &key, std::string *out);

} // namespace gateway
