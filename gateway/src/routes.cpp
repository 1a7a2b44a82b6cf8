// gateway/src/routes.cpp — see routes.hpp.
#include "routes.hpp"

#include "cors.hpp"
#include "gotrue_routes.hpp"
#include "postgrest_errors.hpp"
#include "rpc.hpp"
#include "rpc_request.hpp"
#include "sign_in.hpp"
#include "static_files.hpp"
#include "text.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <iostream>
#include <set>

namespace gateway {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

static std::string PathOf(const Request &req) {
    std::string target(req.target());
    return target.substr(0, target.find('?'));
}

// The api function an /rpc/<fn> or /rest/v1/rpc/<fn> path names; "" for other paths.
static std::string RpcFunction(const std::string &path) {
    if (path.rfind("/rpc/", 0) == 0)
        return path.substr(5);
    if (path.rfind("/rest/v1/rpc/", 0) == 0)
        return path.substr(13);
    return "";
}

RouteKind Classify(const Request &req) {
    std::string path = PathOf(req);
    if (req.method() == boost::beast::http::verb::options)
        return RouteKind::Inline; // a preflight, on any path
    if (path == "/sync/events")
        return RouteKind::EventStream;
    if (path == "/ready" || path == "/sync/push" || path == "/sync/pull" || !RpcFunction(path).empty() ||
        path.rfind("/auth/", 0) == 0)
        return RouteKind::Database;
    return RouteKind::Inline;
}

static bool IsInteger(const std::string &s) {
    if (s.empty() || s.size() > 18)
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

static Response NoConnection(const Request &req) {
    Response res = Reply(req, 503, ErrorJson("PGRST003", "timed out waiting for a free database connection"));
    res.set(http::field::retry_after, "1");
    return res;
}

namespace {

// The client's address: the peer, or behind a trusted proxy the last
// address of its header (the one that proxy added).
static std::string ClientAddress(const Context &ctx, const Request &req, const std::string &peer) {
    if (ctx.config.trusted_proxy_header.empty())
        return peer;
    auto it = req.find(ctx.config.trusted_proxy_header);
    if (it == req.end())
        return peer;
    std::string value(it->value());
    std::string last = value.substr(value.rfind(',') == std::string::npos ? 0 : value.rfind(',') + 1);
    size_t a = last.find_first_not_of(" \t"), b = last.find_last_not_of(" \t");
    return a == std::string::npos ? peer : CutUtf8(last.substr(a, b - a + 1), 64);
}

static bool IsLoopback(const std::string &address) {
    return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

struct Handler {
    Context &ctx;
    const Request &req;
    const std::string &peer;
    std::string remote; // the client's address (ClientAddress)
    std::string path;
    std::string route = "other";
    Bearer bearer;

    bool RateLimited(const std::string &key, RateLimiter &limiter, Response *refusal) {
        int wait = limiter.Take(key);
        if (wait == 0)
            return false;
        *refusal = TryLater(req, 429, wait, "too many requests");
        return true;
    }

    PooledConnection Acquire() {
        return ctx.pool.Acquire(std::chrono::milliseconds(ctx.config.acquire_timeout_ms));
    }

    Response Call(const std::string &sql, const std::vector<std::optional<std::string>> &params) {
        PooledConnection conn = Acquire();
        if (!conn)
            return NoConnection(req);
        RpcResult r = CallApi(conn.get(), bearer.caller, sql, params, ctx.config.statement_timeout_ms);
        return Reply(req, r.status, r.body);
    }

    // Pulls and snapshots from the streaming replica when it has everything
    // the caller's shop was poked about (replica.hpp); nothing: the primary's.
    std::optional<RpcResult> FromReplica(const std::string &function, const std::string &sql,
                                         const std::vector<std::optional<std::string>> &params) {
        if (!ctx.replica || !bearer.caller.authenticated ||
            (function != "sync_pull" && function != "sync_snapshot"))
            return std::nullopt;
        return ctx.replica->Call(bearer.caller, bearer.identity.shop_id, sql, params,
                                 ctx.config.statement_timeout_ms);
    }

    Response Ready() {
        PooledConnection conn = Acquire();
        bool ok = false;
        if (conn) {
            PGresult *res = PQexec(conn.get(), "SELECT 1");
            ok = PQresultStatus(res) == PGRES_TUPLES_OK;
            PQclear(res);
        }
        return Reply(req, ok ? 200 : 503,
                     ok ? R"({"status":"ready"})" : R"({"status":"database unreachable"})");
    }

    Response SignIn() {
        if (req.method() != http::verb::post)
            return Reply(req, 405, ErrorJson("PGRST117", "use POST for " + CutUtf8(path, 100)));
        Response refusal;
        if (RateLimited("ip:" + remote, ctx.user_limits, &refusal))
            return refusal;
        nlohmann::json body;
        if (!ParseJson(req.body(), &body))
            return Reply(req, 400, ErrorJson("PGRST102", "Empty or invalid json"));
        if (ctx.config.jwt_secret.empty())
            return Reply(
                req, 501,
                ErrorJson("PGRST501", "sign-in is not offered here: tokens come from the identity service"));
        PooledConnection conn = Acquire();
        if (!conn)
            return NoConnection(req);
        AuthConfig auth{ctx.config.jwt_secret, ctx.config.audience, ctx.config.access_ttl_seconds, 30};
        LoginGuard guard{&ctx.login_by_account, &ctx.login_by_address, remote};
        AuthReply reply = HandleAuth(conn.get(), auth, path.substr(6), body, guard);
        Response res = Reply(req, reply.status, reply.body);
        if (reply.retry_after > 0)
            res.set(http::field::retry_after, std::to_string(reply.retry_after));
        return res;
    }

    Response Handle() {
        std::string target(req.target());
        path = PathOf(req);
        if (req.method() == http::verb::options) {
            route = "preflight";
            return Preflight(ctx.config.cors_origins, req);
        }
        if (path == "/health") {
            route = "/health";
            return Reply(req, 200, R"({"status":"ok"})");
        }
        if (path == "/ready") {
            route = "/ready";
            return Ready();
        }
        if (path == "/metrics") {
            route = "/metrics";
            if (!MetricsAllowed())
                return Reply(req, ctx.config.metrics_token.empty() ? 403 : 401,
                             ErrorJson("PGRST301", ctx.config.metrics_token.empty()
                                                       ? "/metrics answers loopback clients only"
                                                       : "/metrics wants the metrics token as a bearer"));
            return Reply(req, 200, ctx.metrics.Render(ctx.pool.size(), ctx.pool.in_use()) + ExtraMetrics(),
                         "text/plain; version=0.0.4");
        }
        if (path.rfind("/auth/v1/", 0) == 0) {
            route = "/auth/v1";
            return HandleGoTrue(ctx, req, remote);
        }
        if (path.rfind("/auth/", 0) == 0) {
            // Metrics labels come from a fixed set: unknown paths must not grow them.
            std::string verb = path.substr(6);
            route = verb == "signup" || verb == "login" || verb == "refresh" || verb == "logout"
                        ? path
                        : "/auth/other";
            return SignIn();
        }
        std::string function = RpcFunction(path);
        bool rpc = !function.empty();
        bool sync = path == "/sync/push" || path == "/sync/pull";
        if (!rpc && !sync && !ctx.config.static_dir.empty()) {
            route = "static";
            return ServeStatic(ctx.config.static_dir, req, path);
        }
        if (!rpc && !sync)
            return Reply(req, 404, ErrorJson("PGRST125", "no route for " + CutUtf8(path, 100)));
        route = !rpc ? path : path[1] == 'r' && path[2] == 'e' ? "/rest/v1/rpc" : "/rpc";

        Response refusal;
        RpcRequest call;
        if (rpc && !ReadRpcRequest(req, function, &call, &refusal))
            return refusal;
        if (!VerifyBearer(ctx, req, false, &bearer, &refusal))
            return refusal;
        bool authenticated = bearer.caller.authenticated;
        if (sync && !authenticated)
            return Reply(req, 401, ErrorJson("PGRST301", "a bearer token is required"));
        if (authenticated && RateLimited("user:" + bearer.identity.sub, ctx.user_limits, &refusal))
            return refusal;

        if (rpc)
            return Rpc(function, call);
        if (path == "/sync/pull") {
            if (req.method() != http::verb::get && req.method() != http::verb::head)
                return Reply(req, 405, ErrorJson("PGRST117", "use GET for /sync/pull"));
            std::string cursor = QueryParam(target, "cursor"), limit = QueryParam(target, "limit");
            if (cursor.empty())
                cursor = "0";
            if (limit.empty())
                limit = "100";
            if (!IsInteger(cursor) || !IsInteger(limit))
                return Reply(req, 400, ErrorJson("22023", "cursor and limit must be non-negative integers"));
            const std::string sql = "SELECT api.sync_pull($1::bigint, $2::int)::text";
            if (auto r = FromReplica("sync_pull", sql, {cursor, limit}))
                return ObservePull(Reply(req, r->status, r->body));
            return ObservePull(Call(sql, {cursor, limit}));
        }
        if (req.method() != http::verb::post)
            return Reply(req, 405, ErrorJson("PGRST117", "use POST for " + CutUtf8(path, 100)));
        std::optional<std::string> device;
        if (!req.body().empty() && !ScanPushEnvelope(req.body(), &device))
            return Reply(req, 400, ErrorJson("PGRST102", "Empty or invalid json"));
        return Push(device, req.body());
    }

    // api.<function>(named arguments), found in the schema cache as PostgREST finds it.
    Response Rpc(const std::string &function, const RpcRequest &call) {
        if (!call.args.is_object())
            return Reply(req, 400,
                         ErrorJson("PGRST100", "the body must be a JSON object of named arguments"));
        // Names that cannot be identifiers are a bad request; well-formed but unknown ones, PGRST202.
        std::string sql, error;
        std::vector<std::optional<std::string>> params;
        if (!BuildRpcCall(function, call.args, &sql, &params, &error))
            return Reply(req, 400, ErrorJson("PGRST100", error));
        std::set<std::string> names;
        std::vector<std::string> listed;
        for (const auto &item : call.args.items()) {
            names.insert(item.key());
            listed.push_back(item.key());
        }
        PooledConnection conn = Acquire();
        if (!conn)
            return NoConnection(req);
        ApiFunction found;
        if (!ctx.functions.Find(conn.get(), function, names, &found))
            return Reply(req, 404, NoFunctionError(function, listed, ctx.functions.Names()));
        if (call.read_only && found.is_volatile)
            return Reply(req, 405, ReadOnlyCallError(function));
        Response refusal;
        // The PostgREST spelling of a push obeys the same per-device limit.
        if (function == "sync_push" && call.args.contains("body") &&
            DeviceLimited(call.args["body"], &refusal))
            return refusal;
        if (function == "create_shop" &&
            RateLimited("shop:" + (bearer.caller.authenticated ? bearer.identity.sub : "ip:" + remote),
                        ctx.shop_creation_limits, &refusal))
            return refusal;
        std::optional<RpcResult> replica = FromReplica(function, sql, params);
        RpcResult r = replica
                          ? std::move(*replica)
                          : CallApi(conn.get(), bearer.caller, sql, params, ctx.config.statement_timeout_ms);
        Response res = Reply(req, r.status, r.body);
        if (call.profile_named)
            res.set("Content-Profile", "api");
        if (function == "sync_pull")
            return ObservePull(std::move(res));
        if (function == "sync_push" && call.args.contains("body"))
            return ObservePush(std::move(res), call.args["body"]);
        return res;
    }

    // Sync figures for /metrics (metrics.hpp): a served pull's changes, a
    // served push's outcomes and its envelope's outbox report.
    Response ObservePull(Response res) {
        if (res.result_int() == 200)
            ctx.metrics.PullAnswer(res.body());
        return res;
    }
    Response ObservePush(Response res, const nlohmann::json &envelope) {
        if (res.result_int() != 200)
            return res;
        nlohmann::json out = nlohmann::json::parse(res.body(), nullptr, false);
        if (out.is_object())
            ctx.metrics.PushOutcomes((long)out.value("accepted", nlohmann::json::array()).size(),
                                     (long)out.value("conflicts", nlohmann::json::array()).size(),
                                     (long)out.value("rejected", nlohmann::json::array()).size());
        ctx.metrics.PushEnvelope(envelope);
        return res;
    }

    // true (and the 429) when the envelope's device is over its push rate.
    bool DeviceLimited(const nlohmann::json &envelope, Response *refusal) {
        if (!envelope.is_object() || !envelope.contains("device_id") || !envelope["device_id"].is_string())
            return false;
        return DeviceLimited(std::optional<std::string>(envelope["device_id"].get<std::string>()), refusal);
    }
    bool DeviceLimited(const std::optional<std::string> &device, Response *refusal) {
        return device &&
               RateLimited("device:" + bearer.identity.shop_id + ":" + *device, ctx.device_limits, refusal);
    }

    // /sync/push: the per-device limit, then api.sync_push.
    Response Push(const std::optional<std::string> &device, const std::string &text) {
        Response refusal;
        if (DeviceLimited(device, &refusal))
            return refusal;
        Response res = Call("SELECT api.sync_push($1::jsonb)::text", {text});
        long accepted, conflicts, rejected;
        if (res.result_int() == 200 && CountPushOutcomes(res.body(), &accepted, &conflicts, &rejected))
            ctx.metrics.PushOutcomes(accepted, conflicts, rejected);
        if (res.result_int() == 200)
            ctx.metrics.PushEnvelopeText(text); // the outbox report only, without parsing the events
        return res;
    }

    // With a metrics token: that bearer. Without: a loopback peer not
    // speaking for someone else through the trusted proxy.
    bool MetricsAllowed() const {
        const std::string &secret = ctx.config.metrics_token;
        if (!secret.empty()) {
            auto it = req.find(http::field::authorization);
            std::string given = it == req.end() ? "" : std::string(it->value());
            std::string expected = "Bearer " + secret;
            return given.size() == expected.size() &&
                   CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
        }
        if (!ctx.config.trusted_proxy_header.empty() &&
            req.find(ctx.config.trusted_proxy_header) != req.end())
            return false;
        return IsLoopback(peer);
    }

    std::string ExtraMetrics() const {
        return "# HELP shopsync_connections Open client connections.\n"
               "# TYPE shopsync_connections gauge\n"
               "shopsync_connections " +
               std::to_string(ctx.connections.load()) +
               "\n"
               "# HELP shopsync_queued_calls Database calls waiting for a worker.\n"
               "# TYPE shopsync_queued_calls gauge\n"
               "shopsync_queued_calls " +
               std::to_string(ctx.queued_calls.load()) + "\n" + (ctx.replica ? ctx.replica->Metrics() : "");
    }
};

} // namespace

Response HandleRequest(Context &ctx, const Request &req, const std::string &remote, std::string *route) {
    auto start = Clock::now();
    Handler handler{ctx, req, remote, ClientAddress(ctx, req, remote), "", "other", {}};
    Response res;
    try {
        res = handler.Handle();
    } catch (const std::exception &e) {
        // One bad request ends its own connection, never the process.
        std::cerr << "shopsync-gateway: request failed: " << e.what() << std::endl;
        res = Reply(req, 500, ErrorJson("PGRST500", "internal error"));
        res.keep_alive(false);
    }
    *route = handler.route;
    ctx.metrics.Request(handler.route, res.result_int(),
                        std::chrono::duration<double>(Clock::now() - start).count());
    return res;
}

bool AdmitEventStream(Context &ctx, const Request &req, Bearer *bearer, Response *refusal) {
    if (!VerifyBearer(ctx, req, true, bearer, refusal))
        return false;
    if (!bearer->caller.authenticated) {
        *refusal = Reply(req, 401, ErrorJson("PGRST301", "a bearer token is required"));
        return false;
    }
    PooledConnection conn = ctx.pool.Acquire(std::chrono::milliseconds(ctx.config.acquire_timeout_ms));
    if (!conn) {
        *refusal = NoConnection(req);
        return false;
    }
    RpcResult r = CallApi(conn.get(), bearer->caller, "SELECT api.sync_health()::text", {},
                          ctx.config.statement_timeout_ms);
    if (r.status != 200) {
        *refusal = Reply(req, r.status, r.body);
        return false;
    }
    return true;
}

} // namespace gateway
