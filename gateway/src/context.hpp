// gateway/src/context.hpp — what every part of the server shares: settings,
// the database pool and its worker threads, keys, pokes, metrics, limits and
// the counters behind the caps on connections and event streams.
#pragma once

#include "db_pool.hpp"
#include "jwks.hpp"
#include "metrics.hpp"
#include "login_throttle.hpp"
#include "pokes.hpp"
#include "rate_limit.hpp"
#include "replica.hpp"
#include "schema_cache.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gateway {

struct Config {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::string database_url;
    std::string notify_database_url;  // the poke listener's, straight to the primary ("": database_url)
    std::string replica_database_url; // pulls and snapshots from a streaming replica ("": none)
    int replica_max_wait_ms = 100;    // how long a read waits for the replica to catch up
    std::string jwt_secret;           // HS256; also signs the tokens /auth issues
    std::string jwks_file;            // ES256 / RS256 public keys
    std::string audience = "authenticated";
    int pool_size = 8;
    int io_threads = 0; // 0: one per core, at least 2
    size_t max_body_bytes = 1 << 20;
    double user_rate = 50, user_burst = 100;    // requests per second per user
    double device_rate = 20, device_burst = 40; // pushes per second per device
    int statement_timeout_ms = 5000;
    int acquire_timeout_ms = 2000;
    int keepalive_seconds = 15; // SSE comment interval
    int access_ttl_seconds = 900;
    int header_timeout_seconds = 10; // from a request's first byte to its last header line
    int body_timeout_seconds = 30;   // to read a body, and to write an answer
    int idle_timeout_seconds = 30;   // a keep-alive connection with no request
    int max_connections = 10000;
    int max_streams = 20000;
    int max_streams_per_user = 10;
    int stream_recheck_seconds = 30;       // how often open streams re-check membership
    int max_queued_calls = 1000;           // database calls waiting for a worker; more get 503
    std::string trusted_proxy_header;      // e.g. X-Forwarded-For: its last address is the client's
    std::string metrics_token;             // /metrics wants it as a bearer; unset: loopback peers only
    double shop_create_per_hour = 10;      // api.create_shop calls per user (burst as many)
    std::string static_dir;                // canonical; when set, other GET paths serve its files
    std::vector<std::string> cors_origins; // empty: any origin ("*")
};

class EventStream;

// Open event streams by user: the per-user cap and the membership re-check.
class StreamRegistry {
  public:
    // Reserves a place for one more stream of user: 0, or the HTTP status
    // that refuses it (429: the user's cap; 503: the gateway's).
    int Reserve(const std::string &user, int per_user, int total);
    void Attach(const std::string &user, const std::shared_ptr<EventStream> &s);
    // Gives back the reservation (and forgets s, if attached).
    void Remove(const std::string &user, const EventStream *s);
    // A snapshot: user -> live streams.
    std::map<std::string, std::vector<std::shared_ptr<EventStream>>> Snapshot();
    int total() const { return total_; }

  private:
    std::mutex mutex_;
    struct PerUser {
        int reserved = 0;
        std::map<const EventStream *, std::weak_ptr<EventStream>> streams;
    };
    std::map<std::string, PerUser> by_user_;
    std::atomic<int> total_{0};
};

struct Context {
    explicit Context(Config c);
    ~Context();
    Config config;
    DbPool pool;
    Jwks jwks;
    std::unique_ptr<ReplicaReads> replica; // null without --replica-database-url; outlives pokes
    PokeRelay pokes;
    Metrics metrics;
    RateLimiter user_limits, device_limits, shop_creation_limits;
    LoginThrottle login_by_account{5, 900}, login_by_address{20, 900};
    StreamRegistry streams;
    SchemaCache functions; // the api functions, for /rpc calls
    std::atomic<int> connections{0};
    std::atomic<int> queued_calls{0};
    std::atomic<int> active_requests{0};
    std::atomic<bool> stopping{false};
    boost::asio::thread_pool workers; // pool_size threads: the only ones that wait on libpq
    boost::asio::io_context io;       // run by the I/O threads; never blocks

    // Runs job on a worker thread. false (job dropped) when max_queued_calls
    // jobs already wait: the caller answers 503 at once.
    bool Offload(std::function<void()> job);
};

} // namespace gateway
