// client/src/transport.hpp — how the device talks HTTP to the sync endpoint.
// An interface, so the sync engine is tested against a scripted fake server;
// curl_transport.cpp is the real one.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shopsync::client {

struct HttpRequest {
    HttpRequest() = default;
    HttpRequest(std::string method, std::string path, std::string body, std::string bearer)
        : method(std::move(method)), path(std::move(path)), body(std::move(body)), bearer(std::move(bearer)) {
    }
    std::string method = "GET";
    std::string path;   // with the query string, e.g. "/sync/pull?cursor=7&limit=500"
    std::string body;   // JSON, sent with POST
    std::string bearer; // access token, or empty
    std::vector<std::pair<std::string, std::string>> headers; // more headers (apikey, Content-Profile)
};

struct HttpResponse {
    int status = 0; // 0: no answer (the network failed; see error)
    std::string body;
    double retry_after = -1; // seconds from a Retry-After header, or -1
    std::string error;       // why there was no answer
};

struct TransportOptions {
    bool verify_tls = true;
    std::string ca_file;
    double timeout_seconds = 30;
};

class Transport {
  public:
    virtual ~Transport() = default;
    virtual HttpResponse Send(const HttpRequest &request) = 0;
    // Holds a Server-Sent Events stream open, calling on_event(name) for each
    // event (and "open" once the first bytes arrive), until `stop` is set or the stream ends. Returns the
    // HTTP status (0 for a network failure) once it ends.
    virtual int Stream(const std::string &path, const std::string &bearer,
                       const std::function<void(const std::string &event)> &on_event,
                       const std::atomic<bool> &stop) = 0;
};

std::unique_ptr<Transport> MakeCurlTransport(const std::string &base_url, const TransportOptions &options);

// A transport that sends nothing (every request: no answer), for the local
// half of a call when no server is set: set_tokens, logout without a server.
std::unique_ptr<Transport> MakeOfflineTransport();

} // namespace shopsync::client
