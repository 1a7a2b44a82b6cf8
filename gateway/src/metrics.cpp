// gateway/src/metrics.cpp — see metrics.hpp.
#include "metrics.hpp"

#include "json_scan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <sstream>

namespace gateway {

using shopsync::json_scan::IsSpace;
using shopsync::json_scan::StringEnd;

void Histogram::Observe(double value) {
    counts.resize(bounds.size(), 0);
    for (size_t i = 0; i < bounds.size(); i++)
        if (value <= bounds[i]) {
            counts[i]++;
            break;
        }
    sum += value;
    count++;
}

void Histogram::Render(std::ostream &out, const std::string &name, const std::string &help) const {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
    long cumulative = 0;
    for (size_t i = 0; i < bounds.size(); i++) {
        cumulative += i < counts.size() ? counts[i] : 0;
        out << name << "_bucket{le=\"" << bounds[i] << "\"} " << cumulative << "\n";
    }
    out << name << "_bucket{le=\"+Inf\"} " << count << "\n"
        << name << "_sum " << sum << "\n"
        << name << "_count " << count << "\n";
}

Metrics::Metrics() {
    // From a poke's round trip (tens of ms) to a device that was offline for a day.
    sync_latency_.bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400};
    retry_depth_.bounds = {0, 1, 2, 3, 5, 8, 13, 21};
    outbox_age_.bounds = {1, 5, 15, 60, 300, 900, 3600, 21600, 86400};
}

// Reads `count` decimal digits at text[*at]; false when one is not a digit.
static bool Digits(std::string_view text, size_t *at, int count, int *out) {
    if (*at + count > text.size())
        return false;
    int v = 0;
    for (int i = 0; i < count; i++) {
        char c = text[*at + i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *at += count;
    *out = v;
    return true;
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
static long DaysFromCivil(long y, int m, int d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// Hand-read, not sscanf: a pull answer carries a hundred of these.
bool ParseTimestamp(std::string_view text, double *epoch_seconds) {
    size_t at = 0;
    int y, mo, d, h, mi, s;
    auto literal = [&](char c) { return at < text.size() && text[at++] == c; };
    if (!Digits(text, &at, 4, &y) || !literal('-') || !Digits(text, &at, 2, &mo) || !literal('-') ||
        !Digits(text, &at, 2, &d) || !literal('T') || !Digits(text, &at, 2, &h) || !literal(':') ||
        !Digits(text, &at, 2, &mi) || !literal(':') || !Digits(text, &at, 2, &s))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60)
        return false;
    double fraction = 0, scale = 1;
    if (at < text.size() && text[at] == '.') {
        for (at++; at < text.size() && text[at] >= '0' && text[at] <= '9'; at++) {
            fraction = fraction * 10 + (text[at] - '0');
            scale *= 10;
        }
    }
    int offset = 0;
    if (at < text.size() && text[at] == 'Z' && at + 1 == text.size()) {
        at++;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        int sign = text[at++] == '-' ? -1 : 1, oh, om = 0;
        if (!Digits(text, &at, 2, &oh))
            return false;
        if (at < text.size() && (text[at] != ':' || !Digits(text, &++at, 2, &om)))
            return false;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return false; // no zone: not a time PostgreSQL wrote for a timestamptz
    }
    if (at != text.size())
        return false;
    *epoch_seconds =
        (double)(DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) + fraction / scale - offset;
    return true;
}

void Metrics::PushEnvelope(const nlohmann::json &envelope) {
    if (!envelope.is_object() || !envelope.contains("outbox") || !envelope["outbox"].is_object())
        return;
    const nlohmann::json &outbox = envelope["outbox"];
    // A count the server would accept: a non-negative integer (else not observed).
    auto count = [&](const char *key, double *out) {
        if (!outbox.contains(key) || !outbox[key].is_number_integer() || outbox[key].get<long long>() < 0)
            return false;
        *out = (double)outbox[key].get<long long>();
        return true;
    };
    double depth, age_ms;
    std::lock_guard<std::mutex> lock(mutex_);
    if (count("retry_depth", &depth))
        retry_depth_.Observe(depth);
    if (count("oldest_age_ms", &age_ms))
        outbox_age_.Observe(age_ms / 1000.0);
}

bool TopLevelObject(const std::string &text, const std::string &key, std::string *out) {
    const std::string quoted = "\"" + key + "\"";
    int depth = 0;
    for (size_t i = 0; i < text.size(); i++) {
        char c = text[i];
        if (c == '"') {
            size_t start = i;
            i = StringEnd(text, i);
            if (depth != 1 || text.compare(start, i + 1 - start, quoted) != 0)
                continue;
            size_t j = i + 1;
            while (j < text.size() && std::isspace((unsigned char)text[j]))
                j++;
            if (j >= text.size() || text[j] != ':')
                continue; // a string value equal to the key, not the key
            for (j++; j < text.size() && std::isspace((unsigned char)text[j]); j++) {
            }
            if (j >= text.size() || text[j] != '{')
                return false;
            int inner = 0;
            for (size_t k = j; k < text.size(); k++) {
                if (text[k] == '"') {
                    k = StringEnd(text, k);
                } else if (text[k] == '{') {
                    inner++;
                } else if (text[k] == '}' && --inner == 0) {
                    *out = text.substr(j, k + 1 - j);
                    return true;
                }
            }
            return false;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
    }
    return false;
}

void Metrics::PushEnvelopeText(const std::string &text) {
    std::string outbox;
    if (!TopLevelObject(text, "outbox", &outbox))
        return;
    nlohmann::json parsed = nlohmann::json::parse(outbox, nullptr, false);
    if (parsed.is_object())
        PushEnvelope(nlohmann::json{{"outbox", parsed}});
}

void ForEachChangeTime(std::string_view text, const std::function<void(std::string_view)> &visit) {
    size_t i = text.find_first_not_of(" \t\r\n");
    if (i == std::string_view::npos || text[i] != '{')
        return; // not an object (an error text, "null"): nothing to observe
    int depth = 0;
    bool changes_key = false, in_changes = false; // the last top-level key; inside its array
    for (; i < text.size(); i++) {
        char c = text[i];
        if (c == '"') {
            size_t end = StringEnd(text, i);
            size_t start = i;
            i = end;
            // Only keys of the top level and of a change matter: strings
            // deeper in (payloads) are skipped whole.
            if (depth != 1 && !(depth == 3 && in_changes))
                continue;
            size_t j = end + 1;
            while (j < text.size() && IsSpace(text[j]))
                j++;
            if (j >= text.size() || text[j] != ':')
                continue; // a value, not a key
            std::string_view key = text.substr(start + 1, end - start - 1);
            if (depth == 1) {
                changes_key = key == "changes";
                continue;
            }
            if (key != "changed_at")
                continue;
            for (j++; j < text.size() && IsSpace(text[j]); j++) {
            }
            if (j < text.size() && text[j] == '"') {
                size_t value_end = StringEnd(text, j);
                if (value_end < text.size()) // a cut text ends the scan
                    visit(text.substr(j + 1, value_end - j - 1));
                i = value_end;
            }
        } else if (c == '{' || c == '[') {
            depth++;
            if (depth == 2 && c == '[' && changes_key)
                in_changes = true;
        } else if (c == '}' || c == ']') {
            if (depth == 2 && in_changes)
                return; // the changes are over; the rest (cursor, has_more) says nothing
            depth--;
        }
    }
}

void Metrics::PullAnswer(const std::string &answer, std::chrono::system_clock::time_point now) {
    double at = std::chrono::duration<double>(now.time_since_epoch()).count();
    std::vector<double> ages;
    ForEachChangeTime(answer, [&](std::string_view changed_at) {
        double committed;
        if (ParseTimestamp(changed_at, &committed))
            ages.push_back(std::max(0.0, at - committed)); // clocks apart: never negative
    });
    if (ages.empty())
        return;
    std::lock_guard<std::mutex> lock(mutex_);
    for (double age : ages)
        sync_latency_.Observe(age);
}

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
    sync_latency_.Render(out, "shopsync_sync_latency_seconds",
                         "Age of each change when a pull delivers it: its commit, the poke, the pull.");
    retry_depth_.Render(
        out, "shopsync_push_retry_depth",
        "Attempts already made to send a device's oldest waiting event, per push (outbox report).");
    outbox_age_.Render(out, "shopsync_push_outbox_age_seconds",
                       "Age of a device's oldest waiting event, per push (outbox report).");
    return out.str();
}

} // namespace gateway
