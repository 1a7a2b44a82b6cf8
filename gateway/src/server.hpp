// gateway/src/server.hpp — the HTTP side: routes, auth, limits, SSE.
//
// Boost.Beast (Debian's libboost-dev) with one thread per connection: Beast
// is the HTTP/1.1 parser most C++ servers trust, and a thread per
// connection keeps each request a straight line of code — an SSE stream
// simply holds its thread while it waits for pokes.
#pragma once

#include "db_pool.hpp"
#include "jwks.hpp"
#include "metrics.hpp"
#include "pokes.hpp"
#include "rate_limit.hpp"

#include <atomic>
#include <string>

namespace gateway {

struct Config {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::string database_url;
    std::string jwt_secret; // HS256; also signs the tokens /auth issues
    std::string jwks_file;  // ES256 / RS256 public keys
    std::string audience = "authenticated";
    int pool_size = 8;
    size_t max_body_bytes = 1 << 20;
    double user_rate = 50, user_burst = 100;    // requests per second per user
    double device_rate = 20, device_burst = 40; // pushes per second per device
    int statement_timeout_ms = 5000;
    int acquire_timeout_ms = 2000;
    int keepalive_seconds = 15; // SSE comment interval
    int access_ttl_seconds = 900;
};

class Server {
  public:
    explicit Server(Config config);
    // Listens and serves until Shutdown(); returns the exit status.
    int Run();
    // Stops accepting, closes event streams, lets in-flight requests finish.
    void Shutdown();
    unsigned short bound_port() const { return bound_port_; }

  private:
    void Serve(int fd);
    Config config_;
    DbPool pool_;
    Jwks jwks_;
    PokeRelay pokes_;
    Metrics metrics_;
    RateLimiter user_limits_, device_limits_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> active_{0};
    std::atomic<unsigned short> bound_port_{0};
    int listen_fd_ = -1;

    friend struct RequestHandler;
};

} // namespace gateway
