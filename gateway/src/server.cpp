// gateway/src/server.cpp — routing and the per-connection loop.
//
//   POST /rpc/<fn>          PostgREST-compatible call of api.<fn>(named args)
//   POST /sync/push         api.sync_push(body)
//   GET  /sync/pull         api.sync_pull(cursor, limit)
//   GET  /sync/events       Server-Sent Events: "poke" when the shop changes
//   GET  /health, /ready    liveness; readiness (the database answers)
//   GET  /metrics           Prometheus text
#include "server.hpp"

#include "auth.hpp"
#include "claims.hpp"
#include "text.hpp"
#include "jwt.hpp"
#include "rpc.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <iostream>
#include <thread>

namespace gateway {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

static Jwks LoadJwks(const std::string &path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read JWKS file " + path);
    std::stringstream text;
    text << in.rdbuf();
    return Jwks::Parse(text.str());
}

Server::Server(Config config)
    : config_(std::move(config)), pool_(config_.database_url, config_.pool_size),
      jwks_(config_.jwks_file.empty() ? Jwks() : LoadJwks(config_.jwks_file)), pokes_(config_.database_url),
      user_limits_(config_.user_rate, config_.user_burst),
      device_limits_(config_.device_rate, config_.device_burst) {}

static Response Reply(const Request &req, int status, const std::string &body,
                      const std::string &type = "application/json; charset=utf-8") {
    Response res{static_cast<http::status>(status), req.version()};
    res.set(http::field::server, "shopsync-gateway");
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = body;
    res.prepare_payload();
    return res;
}

static std::string QueryParam(const std::string &target, const std::string &name) {
    size_t q = target.find('?');
    if (q == std::string::npos)
        return "";
    std::string query = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string::npos ? "" : pair.substr(eq + 1);
        if (amp == std::string::npos)
            break;
        pos = amp + 1;
    }
    return "";
}

static bool IsInteger(const std::string &s) {
    if (s.empty() || s.size() > 18)
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

struct RequestHandler {
    Server &server;
    const Request &req;
    std::string path;
    std::string remote;
    Caller caller;
    std::string route = "other";
    Identity identity;

    // Reads the bearer token (or ?access_token= for EventSource). Returns an
    // error response when a token is present but invalid.
    bool Authenticate(Response *refusal) {
        std::string token;
        auto auth = req.find(http::field::authorization);
        if (auth != req.end()) {
            std::string value(auth->value());
            if (value.rfind("Bearer ", 0) != 0) {
                *refusal = Reply(req, 401,
                                 ErrorJson("PGRST301", "the Authorization header must be 'Bearer <token>'"));
                return false;
            }
            token = value.substr(7);
        } else {
            token = QueryParam(std::string(req.target()), "access_token");
        }
        if (token.empty())
            return true; // anon
        long now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        // HS256 only with the shared secret; ES256/RS256 only with the JWKS keys;
        // anything else ("none" included) is refused by both.
        std::string alg = JwtAlgorithm(token);
        JwtResult jwt;
        if (alg == "HS256" && !server.config_.jwt_secret.empty())
            jwt = VerifyJwt(token, server.config_.jwt_secret, server.config_.audience, now);
        else if (alg != "HS256" && !server.jwks_.empty())
            jwt = server.jwks_.Verify(token, server.config_.audience, now);
        else
            jwt.error = "unsupported algorithm";
        if (!jwt.ok) {
            *refusal = Reply(req, 401, ErrorJson("PGRST301", "JWT rejected: " + jwt.error));
            refusal->set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
            return false;
        }
        std::string claims_error;
        if (!ReadClaims(jwt.claims, &identity, &claims_error)) {
            *refusal = Reply(req, 401, ErrorJson("PGRST301", "JWT rejected: " + claims_error));
            return false;
        }
        if (identity.role != "authenticated") {
            *refusal = Reply(req, 401, ErrorJson("PGRST301", "JWT rejected: role must be 'authenticated'"));
            return false;
        }
        caller.authenticated = true;
        caller.claims = jwt.claims;
        return true;
    }

    std::string Subject() const { return caller.authenticated ? identity.sub : ""; }
    std::string Shop() const { return caller.authenticated ? identity.shop_id : ""; }

    bool RateLimited(const std::string &key, RateLimiter &limiter, Response *refusal) {
        int wait = limiter.Take(key);
        if (wait == 0)
            return false;
        *refusal =
            Reply(req, 429, ErrorJson("PGRST429", "too many requests", "", "Retry after the given seconds."));
        refusal->set(http::field::retry_after, std::to_string(wait));
        return true;
    }

    Response Call(const std::string &sql, const std::vector<std::optional<std::string>> &params) {
        PooledConnection conn =
            server.pool_.Acquire(std::chrono::milliseconds(server.config_.acquire_timeout_ms));
        if (!conn)
            return Reply(req, 503, ErrorJson("PGRST003", "timed out waiting for a free database connection"));
        RpcResult r = CallApi(conn.get(), caller, sql, params, server.config_.statement_timeout_ms);
        return Reply(req, r.status, r.body);
    }

    Response Handle() {
        std::string target(req.target());
        path = target.substr(0, target.find('?'));
        if (path == "/health") {
            route = "/health";
            return Reply(req, 200, R"({"status":"ok"})");
        }
        if (path == "/ready") {
            route = "/ready";
            PooledConnection conn =
                server.pool_.Acquire(std::chrono::milliseconds(server.config_.acquire_timeout_ms));
            bool ok = false;
            if (conn) {
                PGresult *res = PQexec(conn.get(), "SELECT 1");
                ok = PQresultStatus(res) == PGRES_TUPLES_OK;
                PQclear(res);
            }
            return Reply(req, ok ? 200 : 503,
                         ok ? R"({"status":"ready"})" : R"({"status":"database unreachable"})");
        }
        if (path == "/metrics") {
            route = "/metrics";
            return Reply(req, 200, server.metrics_.Render(server.pool_.size(), server.pool_.in_use()),
                         "text/plain; version=0.0.4");
        }
        if (path.rfind("/auth/", 0) == 0) {
            route = path;
            if (req.method() != http::verb::post)
                return Reply(req, 405, ErrorJson("PGRST117", "use POST for " + path));
            Response refusal;
            if (RateLimited("ip:" + remote, server.user_limits_, &refusal))
                return refusal;
            nlohmann::json body;
            if (!ParseJson(req.body(), &body))
                return Reply(req, 400, ErrorJson("PGRST102", "Empty or invalid json"));
            PooledConnection conn =
                server.pool_.Acquire(std::chrono::milliseconds(server.config_.acquire_timeout_ms));
            if (!conn)
                return Reply(req, 503,
                             ErrorJson("PGRST003", "timed out waiting for a free database connection"));
            if (server.config_.jwt_secret.empty())
                return Reply(req, 501,
                             ErrorJson("PGRST501",
                                       "sign-in is not offered here: tokens come from the identity service"));
            AuthConfig auth{server.config_.jwt_secret, server.config_.audience,
                            server.config_.access_ttl_seconds, 30};
            AuthReply reply = HandleAuth(conn.get(), auth, path.substr(6), body);
            return Reply(req, reply.status, reply.body);
        }
        bool rpc = path.rfind("/rpc/", 0) == 0;
        bool sync = path == "/sync/push" || path == "/sync/pull";
        if (!rpc && !sync)
            return Reply(req, 404, ErrorJson("PGRST125", "no route for " + CutUtf8(path, 100)));
        route = rpc ? "/rpc" : path;

        Response refusal;
        if (!Authenticate(&refusal))
            return refusal;
        if (sync && !caller.authenticated)
            return Reply(req, 401, ErrorJson("PGRST301", "a bearer token is required"));
        if (caller.authenticated && RateLimited("user:" + Subject(), server.user_limits_, &refusal))
            return refusal;

        if (path == "/sync/pull") {
            if (req.method() != http::verb::get)
                return Reply(req, 405, ErrorJson("PGRST117", "use GET for /sync/pull"));
            std::string cursor = QueryParam(target, "cursor"), limit = QueryParam(target, "limit");
            if (cursor.empty())
                cursor = "0";
            if (limit.empty())
                limit = "100";
            if (!IsInteger(cursor) || !IsInteger(limit))
                return Reply(req, 400, ErrorJson("22023", "cursor and limit must be non-negative integers"));
            return Call("SELECT api.sync_pull($1::bigint, $2::int)::text", {cursor, limit});
        }
        if (req.method() != http::verb::post)
            return Reply(req, 405, ErrorJson("PGRST117", "use POST for " + path));
        nlohmann::json body = nlohmann::json::object();
        if (!req.body().empty() && !ParseJson(req.body(), &body))
            return Reply(req, 400, ErrorJson("PGRST102", "Empty or invalid json"));
        if (path == "/sync/push") {
            if (body.is_object() && body.contains("device_id") && body["device_id"].is_string() &&
                RateLimited("device:" + Shop() + ":" + body["device_id"].get<std::string>(),
                            server.device_limits_, &refusal))
                return refusal;
            Response res = Call("SELECT api.sync_push($1::jsonb)::text", {req.body()});
            if (res.result_int() == 200) {
                nlohmann::json out = nlohmann::json::parse(res.body(), nullptr, false);
                if (out.is_object())
                    server.metrics_.PushOutcomes((long)out["accepted"].size(), (long)out["conflicts"].size(),
                                                 (long)out["rejected"].size());
            }
            return res;
        }
        std::string sql, error;
        std::vector<std::optional<std::string>> params;
        if (!BuildRpcCall(path.substr(5), body, &sql, &params, &error))
            return Reply(req, 400, ErrorJson("PGRST100", error));
        return Call(sql, params);
    }
};

// Writes raw bytes; false when the peer has gone.
static bool WriteAll(int fd, const std::string &data) {
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += (size_t)n;
    }
    return true;
}

void Server::Serve(int fd) {
    active_++;
    timeval timeout{30, 0}; // an idle keep-alive connection is closed after 30 s
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    int nodelay = 1; // responses go out in several writes: no Nagle delay between them
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay));
    boost::asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code ec;
    socket.assign(tcp::v4(), fd, ec);
    beast::flat_buffer buffer;
    while (!ec && !stopping_) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(config_.max_body_bytes);
        http::read(socket, buffer, parser, ec);
        if (ec == http::error::body_limit) {
            Request req;
            req.version(11);
            Response res =
                Reply(req, 413,
                      ErrorJson("PGRST413", "the request body is larger than " +
                                                std::to_string(config_.max_body_bytes) + " bytes"));
            res.keep_alive(false);
            http::write(socket, res, ec);
            metrics_.Request("other", 413, 0);
            break;
        }
        if (ec)
            break;
        Request req = parser.release();
        auto start = Clock::now();
        boost::system::error_code peer_ec;
        auto peer = socket.remote_endpoint(peer_ec);
        RequestHandler handler{*this, req, "", peer_ec ? "unknown" : peer.address().to_string(), {}, "other", {}};
        try {
        std::string target(req.target());
        if (target.substr(0, target.find('?')) == "/sync/events") {
            // Server-Sent Events: authenticate, check membership, then hold the stream.
            Response refusal;
            if (!handler.Authenticate(&refusal) || !handler.caller.authenticated) {
                if (handler.caller.authenticated == false && refusal.result_int() != 401)
                    refusal = Reply(req, 401, ErrorJson("PGRST301", "a bearer token is required"));
                http::write(socket, refusal, ec);
                metrics_.Request("/sync/events", refusal.result_int(), 0);
                break;
            }
            Response check = handler.Call("SELECT api.sync_health()::text", {});
            if (check.result_int() != 200) {
                http::write(socket, check, ec);
                metrics_.Request("/sync/events", check.result_int(), 0);
                break;
            }
            std::string shop = handler.Shop();
            metrics_.Request("/sync/events", 200, 0);
            Subscription subscription;
            pokes_.Subscribe(shop, &subscription);
            metrics_.sse_streams++;
            bool alive = WriteAll(
                fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                    "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n: connected\n\n");
            while (alive && !stopping_ && !subscription.closed()) {
                if (subscription.Wait(std::chrono::seconds(config_.keepalive_seconds))) {
                    alive = WriteAll(fd, "event: poke\ndata: changed\n\n");
                    metrics_.pokes_sent++;
                } else {
                    alive = WriteAll(fd, ": keepalive\n\n");
                }
            }
            pokes_.Unsubscribe(shop, &subscription);
            metrics_.sse_streams--;
            break;
        }
        Response res = handler.Handle();
        metrics_.Request(handler.route, res.result_int(),
                         std::chrono::duration<double>(Clock::now() - start).count());
        http::write(socket, res, ec);
        if (!res.keep_alive())
            break;
        } catch (const std::exception &e) {
            // One bad request ends its own connection, never the process.
            std::cerr << "shopsync-gateway: request failed: " << e.what() << std::endl;
            Response res = Reply(req, 500, ErrorJson("PGRST500", "internal error"));
            res.keep_alive(false);
            http::write(socket, res, ec);
            metrics_.Request(handler.route, 500, 0);
            break;
        }
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    active_--;
}

int Server::Run() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(config_.port);
    if (inet_pton(AF_INET, config_.host.c_str(), &addr.sin_addr) != 1) {
        std::cerr << "shopsync-gateway: invalid listen address " << config_.host << "\n";
        return 2;
    }
    if (bind(listen_fd_, (sockaddr *)&addr, sizeof(addr)) != 0 || listen(listen_fd_, 512) != 0) {
        std::cerr << "shopsync-gateway: cannot listen on " << config_.host << ":" << config_.port << ": "
                  << strerror(errno) << "\n";
        return 2;
    }
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, (sockaddr *)&addr, &len);
    bound_port_ = ntohs(addr.sin_port);
    pokes_.Start();
    std::cerr << "shopsync-gateway: listening on " << config_.host << ":" << bound_port_ << std::endl;
    while (!stopping_) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) {
            if (stopping_)
                break;
            continue;
        }
        std::thread([this, fd] { Serve(fd); }).detach();
    }
    // Graceful: event streams are closed, in-flight requests get up to 10 s.
    pokes_.Stop();
    for (int i = 0; i < 100 && active_ > 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::cerr << "shopsync-gateway: stopped" << std::endl;
    return 0;
}

void Server::Shutdown() {
    stopping_ = true;
    if (listen_fd_ >= 0)
        ::shutdown(listen_fd_, SHUT_RDWR);
}

} // namespace gateway
