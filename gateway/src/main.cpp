// gateway/src/main.cpp — shopsync-gateway: flags, environment, signals.
#include "cors.hpp"
#include "jwt.hpp"
#include "server.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <climits>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <thread>

static const char *kUsage = R"(shopsync-gateway — the thin ShopSync RPC server (PostgREST-compatible).

Usage: shopsync-gateway [options]

  --listen HOST:PORT        where to listen (env LISTEN; default 127.0.0.1:8080; port 0 = any free port)
  --database-url URL        libpq connection string of a non-superuser login role (env DATABASE_URL)
  --notify-database-url URL the poke listener's connection, straight to the primary: LISTEN cannot pass
                            PgBouncer's transaction pooling (env NOTIFY_DATABASE_URL; default --database-url)
  --replica-database-url URL
                            serve pulls and snapshots from this streaming replica when it has replayed
                            everything the caller's shop was poked about, else from --database-url
                            (env REPLICA_DATABASE_URL; default: none)
  --replica-max-wait-ms N   how long a read waits for the replica to catch up before the primary serves it
                            (env REPLICA_MAX_WAIT_MS; default 100)
  --pool-size N             database connections (env POOL_SIZE; default 8)
  --max-body-bytes N        larger request bodies get 413 (env MAX_BODY_BYTES; default 1048576)
  --user-rate R             requests per second per user, burst 2R (env USER_RATE; default 50; 0 = off)
  --device-rate R           pushes per second per device, burst 2R (env DEVICE_RATE; default 20; 0 = off)
  --statement-timeout-ms N  per-call statement timeout (env STATEMENT_TIMEOUT_MS; default 5000)
  --keepalive-seconds N     SSE keep-alive comment interval (env KEEPALIVE_SECONDS; default 15)
  --access-token-ttl N      seconds an access token from /auth/login lasts (env ACCESS_TOKEN_TTL; default 900)
  --io-threads N            threads doing network I/O (env IO_THREADS; default: one per core, at least 2)
  --max-connections N       open request connections (event streams count under --max-streams); more get
                            503 + Retry-After (env MAX_CONNECTIONS; default 10000)
  --max-streams N           event streams in all; more get 503 (env MAX_STREAMS; default 20000)
  --max-streams-per-user N  event streams per user; more get 429 (env MAX_STREAMS_PER_USER; default 10)
  --header-timeout N        seconds from a request's first byte to its last header line (env HEADER_TIMEOUT; default 10)
  --body-timeout N          seconds to read a body or write an answer (env BODY_TIMEOUT; default 30)
  --idle-timeout N          seconds a keep-alive connection may wait for a request (env IDLE_TIMEOUT; default 30)
  --stream-recheck N        seconds between membership checks of open event streams (env STREAM_RECHECK; default 30)
  --trusted-proxy-header H  behind a reverse proxy: the client address is the last one in header H, e.g.
                            X-Forwarded-For (env TRUSTED_PROXY_HEADER; default: none, the peer's address)
  --shop-create-rate N      create_shop calls per user per hour, burst N (env SHOP_CREATE_RATE; default 10; 0 = off)
  --static-dir DIR          serve the files of DIR (a built front end, e.g. dashboard/dist) on every other GET
                            path, index.html for paths naming no file (env STATIC_DIR; default: none)
  --cors-origins A,B        browser origins allowed to call (env CORS_ORIGINS; default: any origin, "*",
                            without credentials)
  --anon-key                print an anon key (role "anon", signed with JWT_SECRET, valid 10 years) and exit:
                            the key Supabase clients send as apikey
  --help                    this text

Secrets come from the environment only, so they never show in a process
list: JWT_SECRET (HS256, at least 32 bytes; also signs the tokens of the
/auth endpoints) and/or JWKS_FILE (a JWKS of EC P-256 / RSA public keys for
ES256 / RS256 tokens, as Supabase's asymmetric keys). Tokens must carry
aud "authenticated", an exp in the future and role "authenticated"; an nbf
is honoured; sub, role and shop_id must be strings. The token goes in an
Authorization: Bearer header; ?access_token= is accepted on /sync/events only.
GET /metrics: with METRICS_TOKEN set (environment only) it wants
"Authorization: Bearer $METRICS_TOKEN"; without, it answers loopback peers
only (and not requests that came through the trusted proxy header).
Sign-in: failed logins slow down per account (after 5) and per client
address (after 20): 1 s, 2 s, 4 s … up to 15 min between attempts (429 with
Retry-After). New passwords need 8 to 1024 characters, not only spaces.
A refresh token presented again within 30 s of its use (a lost answer) gets
the same successor; later, it revokes every session of that login.
Database calls run on POOL_SIZE worker threads (one connection each); the
I/O threads never wait on the database, so thread count stays fixed however
many clients and event streams there are. An event stream closes when its
token expires or its user stops being a member of its shop.
SIGTERM or SIGINT: stop accepting, close event streams, finish in-flight requests.
)";

static std::string Env(const char *name, const std::string &fallback) {
    const char *v = std::getenv(name);
    return v && *v ? v : fallback;
}

int main(int argc, char **argv) {
    gateway::Config config;
    std::string listen = Env("LISTEN", "127.0.0.1:8080");
    config.database_url = Env("DATABASE_URL", "");
    config.notify_database_url = Env("NOTIFY_DATABASE_URL", "");
    config.replica_database_url = Env("REPLICA_DATABASE_URL", "");
    config.jwt_secret = Env("JWT_SECRET", "");
    config.jwks_file = Env("JWKS_FILE", "");
    config.pool_size = std::atoi(Env("POOL_SIZE", "8").c_str());
    config.max_body_bytes = std::strtoul(Env("MAX_BODY_BYTES", "1048576").c_str(), nullptr, 10);
    config.user_rate = std::atof(Env("USER_RATE", "50").c_str());
    config.device_rate = std::atof(Env("DEVICE_RATE", "20").c_str());
    config.statement_timeout_ms = std::atoi(Env("STATEMENT_TIMEOUT_MS", "5000").c_str());
    config.keepalive_seconds = std::atoi(Env("KEEPALIVE_SECONDS", "15").c_str());
    config.access_ttl_seconds = std::atoi(Env("ACCESS_TOKEN_TTL", "900").c_str());
    config.trusted_proxy_header = Env("TRUSTED_PROXY_HEADER", "");
    config.metrics_token = Env("METRICS_TOKEN", "");
    config.shop_create_per_hour = std::atof(Env("SHOP_CREATE_RATE", "10").c_str());
    config.static_dir = Env("STATIC_DIR", "");
    config.cors_origins = gateway::ParseOrigins(Env("CORS_ORIGINS", ""));
    bool print_anon_key = false;
    // Integer settings with a flag and an environment variable each.
    struct IntOption {
        const char *flag, *env;
        int *target;
    };
    const IntOption int_options[] = {
        {"--io-threads", "IO_THREADS", &config.io_threads},
        {"--replica-max-wait-ms", "REPLICA_MAX_WAIT_MS", &config.replica_max_wait_ms},
        {"--max-connections", "MAX_CONNECTIONS", &config.max_connections},
        {"--max-streams", "MAX_STREAMS", &config.max_streams},
        {"--max-streams-per-user", "MAX_STREAMS_PER_USER", &config.max_streams_per_user},
        {"--header-timeout", "HEADER_TIMEOUT", &config.header_timeout_seconds},
        {"--body-timeout", "BODY_TIMEOUT", &config.body_timeout_seconds},
        {"--idle-timeout", "IDLE_TIMEOUT", &config.idle_timeout_seconds},
        {"--stream-recheck", "STREAM_RECHECK", &config.stream_recheck_seconds},
    };
    for (const IntOption &o : int_options)
        if (const char *v = std::getenv(o.env); v && *v)
            *o.target = std::atoi(v);
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "shopsync-gateway: " << arg << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--listen") {
            listen = next();
        } else if (arg == "--database-url") {
            config.database_url = next();
        } else if (arg == "--notify-database-url") {
            config.notify_database_url = next();
        } else if (arg == "--replica-database-url") {
            config.replica_database_url = next();
        } else if (arg == "--pool-size") {
            config.pool_size = std::atoi(next().c_str());
        } else if (arg == "--max-body-bytes") {
            config.max_body_bytes = std::strtoul(next().c_str(), nullptr, 10);
        } else if (arg == "--user-rate") {
            config.user_rate = std::atof(next().c_str());
        } else if (arg == "--device-rate") {
            config.device_rate = std::atof(next().c_str());
        } else if (arg == "--statement-timeout-ms") {
            config.statement_timeout_ms = std::atoi(next().c_str());
        } else if (arg == "--access-token-ttl") {
            config.access_ttl_seconds = std::atoi(next().c_str());
        } else if (arg == "--trusted-proxy-header") {
            config.trusted_proxy_header = next();
        } else if (arg == "--cors-origins") {
            config.cors_origins = gateway::ParseOrigins(next());
        } else if (arg == "--anon-key") {
            print_anon_key = true;
        } else if (arg == "--shop-create-rate") {
            config.shop_create_per_hour = std::atof(next().c_str());
        } else if (arg == "--static-dir") {
            config.static_dir = next();
        } else if (arg == "--keepalive-seconds") {
            config.keepalive_seconds = std::atoi(next().c_str());
        } else if (auto o = std::find_if(std::begin(int_options), std::end(int_options),
                                         [&](const IntOption &o) { return arg == o.flag; });
                   o != std::end(int_options)) {
            *o->target = std::atoi(next().c_str());
        } else {
            std::cerr << "shopsync-gateway: unknown option " << arg << " (see --help)\n";
            return 2;
        }
    }
    if (print_anon_key) {
        if (config.jwt_secret.size() < 32) {
            std::cerr << "shopsync-gateway: --anon-key needs JWT_SECRET (at least 32 bytes)\n";
            return 2;
        }
        long now = (long)std::time(nullptr);
        std::cout << gateway::SignJwt({{"role", "anon"},
                                       {"iss", "shopsync"},
                                       {"iat", now},
                                       {"exp", now + 10L * 365 * 24 * 3600}},
                                      config.jwt_secret)
                  << "\n";
        return 0;
    }
    config.user_burst = config.user_rate * 2;
    config.device_burst = config.device_rate * 2;
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "shopsync-gateway: --listen wants HOST:PORT\n";
        return 2;
    }
    config.host = listen.substr(0, colon);
    config.port = (unsigned short)std::atoi(listen.c_str() + colon + 1);
    if (config.database_url.empty()) {
        std::cerr << "shopsync-gateway: DATABASE_URL (or --database-url) is required\n";
        return 2;
    }
    if (config.jwt_secret.empty() && config.jwks_file.empty()) {
        std::cerr << "shopsync-gateway: set JWT_SECRET (HS256) and/or JWKS_FILE (ES256/RS256 public keys)\n";
        return 2;
    }
    if (!config.jwt_secret.empty() && config.jwt_secret.size() < 32) {
        std::cerr << "shopsync-gateway: JWT_SECRET must be at least 32 bytes\n";
        return 2;
    }
    if (config.pool_size < 1 || config.max_body_bytes < 1024 || config.keepalive_seconds < 1) {
        std::cerr << "shopsync-gateway: pool size, body limit or keep-alive out of range\n";
        return 2;
    }
    if (config.io_threads < 0 || config.max_connections < 1 || config.max_streams < 0 ||
        config.max_streams_per_user < 0 || config.header_timeout_seconds < 1 ||
        config.body_timeout_seconds < 1 || config.idle_timeout_seconds < 1 ||
        config.stream_recheck_seconds < 1 || config.replica_max_wait_ms < 0) {
        std::cerr << "shopsync-gateway: a thread count, cap or timeout is out of range\n";
        return 2;
    }
    if (!config.static_dir.empty()) { // canonical, so served paths can be checked against it
        char real[PATH_MAX];
        struct stat st {};
        if (realpath(config.static_dir.c_str(), real) == nullptr || stat(real, &st) != 0 ||
            !S_ISDIR(st.st_mode)) {
            std::cerr << "shopsync-gateway: --static-dir " << config.static_dir << " is not a directory\n";
            return 2;
        }
        config.static_dir = real;
    }
    // Every connection is a descriptor: take the hard limit, as servers do.
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    // Signals are taken by one thread with sigwait; every other thread blocks them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    std::unique_ptr<gateway::Server> owned;
    try {
        owned = std::make_unique<gateway::Server>(config);
    } catch (const std::exception &e) {
        std::cerr << "shopsync-gateway: " << e.what() << "\n";
        return 2;
    }
    gateway::Server &server = *owned;
    std::thread waiter([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        server.Shutdown();
    });
    waiter.detach();
    return server.Run();
}
