// client/src/curl_transport.cpp — Transport over libcurl: TLS verification on
// unless turned off, keep-alive reuse of one connection, Retry-After read.
#include "transport.hpp"

#include <curl/curl.h>

#include <mutex>

namespace shopsync::client {

namespace {

void GlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t CollectBody(char *data, size_t size, size_t count, void *out) {
    static_cast<std::string *>(out)->append(data, size * count);
    return size * count;
}

size_t ReadRetryAfter(char *data, size_t size, size_t count, void *out) {
    std::string line(data, size * count);
    const std::string name = "retry-after:";
    if (line.size() > name.size()) {
        std::string head = line.substr(0, name.size());
        for (char &c : head)
            c = (char)tolower((unsigned char)c);
        if (head == name) {
            try {
                *static_cast<double *>(out) = std::stod(line.substr(name.size()));
            } catch (...) { // an HTTP date: treat as absent
            }
        }
    }
    return size * count;
}

struct StreamState {
    bool opened = false;
    std::string pending;
    std::string event;
    const std::function<void(const std::string &)> *on_event;
    const std::atomic<bool> *stop;
};

// Splits the SSE byte stream into events; a blank line ends one.
size_t ParseEvents(char *data, size_t size, size_t count, void *arg) {
    auto *state = static_cast<StreamState *>(arg);
    if (!state->opened) { // the stream is up: pokes sent while it was down are lost, say so
        state->opened = true;
        (*state->on_event)("open");
    }
    state->pending.append(data, size * count);
    size_t end;
    while ((end = state->pending.find('\n')) != std::string::npos) {
        std::string line = state->pending.substr(0, end);
        state->pending.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.rfind("event:", 0) == 0) {
            state->event = line.substr(6);
            state->event.erase(0, state->event.find_first_not_of(' '));
        } else if (line.empty() && !state->event.empty()) {
            (*state->on_event)(state->event);
            state->event.clear();
        }
    }
    return size * count;
}

int StopRequested(void *arg, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<StreamState *>(arg)->stop->load() ? 1 : 0; // non-zero aborts the transfer
}

class CurlTransport : public Transport {
  public:
    CurlTransport(std::string base_url, TransportOptions options)
        : base_url_(std::move(base_url)), options_(std::move(options)) {
        GlobalInit();
        while (!base_url_.empty() && base_url_.back() == '/')
            base_url_.pop_back();
        easy_ = curl_easy_init();
    }
    ~CurlTransport() override { curl_easy_cleanup(easy_); }

    HttpResponse Send(const HttpRequest &request) override {
        std::lock_guard<std::mutex> lock(mutex_);
        HttpResponse response;
        if (easy_ == nullptr) {
            response.error = "libcurl could not start";
            return response;
        }
        curl_easy_reset(easy_);
        Common(easy_, request.path);
        curl_slist *headers = Headers(request.bearer, "application/json");
        for (const auto &[name, value] : request.headers)
            headers = curl_slist_append(headers, (name + ": " + value).c_str());
        curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, (long)(options_.timeout_seconds * 1000));
        if (request.method == "POST") {
            curl_easy_setopt(easy_, CURLOPT_POST, 1L);
            curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request.body.c_str());
            curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE, (long)request.body.size());
        }
        curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, CollectBody);
        curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &response.body);
        curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, ReadRetryAfter);
        curl_easy_setopt(easy_, CURLOPT_HEADERDATA, &response.retry_after);
        CURLcode rc = curl_easy_perform(easy_);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
            response.error = curl_easy_strerror(rc);
            response.body.clear();
            return response;
        }
        long status = 0;
        curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
        response.status = (int)status;
        return response;
    }

    int Stream(const std::string &path, const std::string &bearer,
               const std::function<void(const std::string &)> &on_event,
               const std::atomic<bool> &stop) override {
        CURL *easy = curl_easy_init(); // its own handle: a stream lives beside requests
        if (easy == nullptr)
            return 0;
        StreamState state{false, "", "", &on_event, &stop};
        Common(easy, path);
        curl_slist *headers = Headers(bearer, "text/event-stream");
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, ParseEvents);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
        curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, StopRequested);
        curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &state);
        // The server sends a keep-alive comment every few seconds: silence means a dead link.
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 60L);
        CURLcode rc = curl_easy_perform(easy);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(headers);
        curl_easy_cleanup(easy);
        (void)rc; // a stream always ends somehow; the status says whether it ever opened
        return (int)status;
    }

  private:
    void Common(CURL *easy, const std::string &path) {
        std::string url = base_url_ + path;
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L); // threads: no SIGALRM for timeouts
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
        if (!options_.ca_file.empty())
            curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "shopsync-client/" SHOPSYNC_VERSION);
        curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    }

    static curl_slist *Headers(const std::string &bearer, const char *accept) {
        curl_slist *headers = nullptr;
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, (std::string("Accept: ") + accept).c_str());
        headers = curl_slist_append(headers, "Expect:"); // no 100-continue round trip
        if (!bearer.empty())
            headers = curl_slist_append(headers, ("Authorization: Bearer " + bearer).c_str());
        return headers;
    }

    std::string base_url_;
    TransportOptions options_;
    std::mutex mutex_;
    CURL *easy_ = nullptr;
};

} // namespace

std::unique_ptr<Transport> MakeCurlTransport(const std::string &base_url, const TransportOptions &options) {
    return std::make_unique<CurlTransport>(base_url, options);
}

} // namespace shopsync::client
