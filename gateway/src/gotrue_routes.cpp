// gateway/src/gotrue_routes.cpp — see gotrue_routes.hpp.
#include "gotrue_routes.hpp"

#include "bearer.hpp"
#include "sign_in.hpp"
#include "text.hpp"

namespace gateway {

namespace http = boost::beast::http;

namespace {

Response Error(const Request &req, int status, const std::string &code, const std::string &msg) {
    Response res =
        Reply(req, status, SafeDump(nlohmann::json{{"code", status}, {"error_code", code}, {"msg", msg}}));
    res.set("x-sb-error-code", code);
    return res;
}

std::string MessageOf(const std::string &body) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    return j.is_object() && j.contains("message") && j["message"].is_string()
               ? j["message"].get<std::string>()
               : "";
}

nlohmann::json User(const std::string &id, const nlohmann::json &email, const nlohmann::json &shop_id,
                    const nlohmann::json &shop_role) {
    return {
        {"id", id},
        {"aud", "authenticated"},
        {"role", "authenticated"},
        {"email", email},
        {"phone", ""},
        {"app_metadata",
         {{"provider", "email"}, {"providers", {"email"}}, {"shop_id", shop_id}, {"shop_role", shop_role}}},
        {"user_metadata", nlohmann::json::object()},
        {"identities", nlohmann::json::array()},
        {"is_anonymous", false}};
}

// Our sign-in answer (sign_in.cpp) as a GoTrue session.
Response Session(const Request &req, const AuthReply &reply) {
    nlohmann::json ours = nlohmann::json::parse(reply.body, nullptr, false);
    if (!ours.is_object() || !ours.contains("user"))
        return Error(req, 500, "unexpected_failure",
                     "Unexpected failure, please check server logs for more information");
    nlohmann::json session{{"access_token", ours["access_token"]},
                           {"token_type", "bearer"},
                           {"expires_in", ours["expires_in"]},
                           {"expires_at", ours["expires_at"]},
                           {"refresh_token", ours["refresh_token"]},
                           {"user", User(ours["user"].value("id", ""), ours["user"]["email"], ours["shop_id"],
                                         ours["shop_role"])}};
    return Reply(req, 200, SafeDump(session));
}

// A failure of sign_in.cpp in GoTrue's words.
Response Failure(const Request &req, const std::string &route, const AuthReply &reply) {
    std::string message = MessageOf(reply.body);
    if (reply.status >= 500)
        return Error(req, reply.status, "unexpected_failure", message);
    if (reply.status == 429) {
        Response res = Error(req, 429, "over_request_rate_limit", "Request rate limit reached");
        res.set(http::field::retry_after, std::to_string(reply.retry_after > 0 ? reply.retry_after : 1));
        return res;
    }
    if (route == "signup" && reply.status == 409)
        return Error(req, 422, "user_already_exists", "User already registered");
    if (route == "signup" && message.find("password") != std::string::npos) {
        Response res = Reply(
            req, 422,
            SafeDump(nlohmann::json{
                {"code", 422},
                {"error_code", "weak_password"},
                {"msg", "Password should be 8 to 1024 characters, not only spaces."},
                {"weak_password",
                 {{"reasons", {message.find("spaces") != std::string::npos ? "characters" : "length"}}}}}));
        res.set("x-sb-error-code", "weak_password");
        return res;
    }
    if (route == "login" && reply.status == 401)
        return Error(req, 400, "invalid_credentials", "Invalid login credentials");
    if (route == "refresh" && reply.status == 401)
        return message.find("already used") != std::string::npos
                   ? Error(req, 400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
                   : Error(req, 400, "refresh_token_not_found",
                           "Invalid Refresh Token: Refresh Token Not Found");
    if (reply.status == 403)
        return Error(req, 403, "not_a_member", message);
    return Error(req, reply.status, "validation_failed", message);
}

struct GoTrue {
    Context &ctx;
    const Request &req;
    const std::string &remote;

    PooledConnection Acquire() {
        return ctx.pool.Acquire(std::chrono::milliseconds(ctx.config.acquire_timeout_ms));
    }

    Response Unavailable() {
        Response res =
            Error(req, 503, "unexpected_failure", "timed out waiting for a free database connection");
        res.set(http::field::retry_after, "1");
        return res;
    }

    AuthReply Auth(PGconn *conn, const std::string &route, const nlohmann::json &body) {
        AuthConfig auth{ctx.config.jwt_secret, ctx.config.audience, ctx.config.access_ttl_seconds, 30};
        LoginGuard guard{&ctx.login_by_account, &ctx.login_by_address, remote};
        return HandleAuth(conn, auth, route, body, guard);
    }

    // signup, then sign-in: GoTrue with auto-confirm answers a session.
    Response SignUpOrIn(const std::string &verb, const nlohmann::json &body) {
        std::string grant = QueryParam(std::string(req.target()), "grant_type");
        std::string route = verb == "signup" ? "signup" : grant == "password" ? "login" : "refresh";
        if (verb == "token" && grant != "password" && grant != "refresh_token")
            return Error(req, 400, "validation_failed", "unsupported_grant_type");
        PooledConnection conn = Acquire();
        if (!conn)
            return Unavailable();
        if (route == "signup") {
            AuthReply created = Auth(conn.get(), "signup", body);
            if (created.status != 201)
                return Failure(req, "signup", created);
            route = "login";
        }
        nlohmann::json request = body;
        if (route == "refresh" && !request.contains("shop_id"))
            request["follow_active_shop"] = true; // supabase-js cannot name a shop: api.set_active_shop does
        AuthReply reply = Auth(conn.get(), route, request);
        return reply.status == 200 ? Session(req, reply) : Failure(req, route, reply);
    }

    Response Handle() {
        std::string target(req.target());
        std::string verb = target.substr(9, target.find('?') == std::string::npos ? std::string::npos
                                                                                  : target.find('?') - 9);
        if (ctx.config.jwt_secret.empty())
            return Error(req, 501, "not_implemented",
                         "sign-in is not offered here: tokens come from the identity service");
        Bearer bearer;
        Response refusal;
        if (!VerifyBearer(ctx, req, false, &bearer, &refusal))
            return Error(req, 401, "bad_jwt", "invalid JWT: " + MessageOf(refusal.body()));
        if (verb == "user" || verb == "logout") {
            if (req.method() != (verb == "user" ? http::verb::get : http::verb::post) &&
                !(verb == "user" && req.method() == http::verb::head))
                return Error(req, 405, "validation_failed",
                             "use " + std::string(verb == "user" ? "GET" : "POST"));
            if (!bearer.caller.authenticated)
                return Error(req, 401, "no_authorization", "This endpoint requires a valid Bearer token");
            return verb == "user" ? CurrentUser(bearer) : LogOut(bearer);
        }
        if (verb != "signup" && verb != "token")
            return Error(req, 404, "not_found", "Not Found");
        if (req.method() != http::verb::post)
            return Error(req, 405, "validation_failed", "use POST");
        int wait = ctx.user_limits.Take("ip:" + remote);
        if (wait > 0) {
            Response res = Error(req, 429, "over_request_rate_limit", "Request rate limit reached");
            res.set(http::field::retry_after, std::to_string(wait));
            return res;
        }
        nlohmann::json body;
        if (!ParseJson(req.body(), &body) || !body.is_object())
            return Error(req, 400, "bad_json", "Could not parse request body as JSON");
        return SignUpOrIn(verb, body);
    }

    Response CurrentUser(const Bearer &bearer) {
        const nlohmann::json &claims = bearer.caller.claims;
        nlohmann::json meta = claims.contains("app_metadata") && claims["app_metadata"].is_object()
                                  ? claims["app_metadata"]
                                  : nlohmann::json::object();
        nlohmann::json shop;
        if (!bearer.identity.shop_id.empty())
            shop = bearer.identity.shop_id;
        nlohmann::json user = User(bearer.identity.sub, claims.value("email", nlohmann::json()), shop,
                                   claims.value("shop_role", meta.value("shop_role", nlohmann::json())));
        for (auto &[key, value] : meta.items()) // what a hook added stays visible
            if (!user["app_metadata"].contains(key))
                user["app_metadata"][key] = value;
        return Reply(req, 200, SafeDump(user));
    }

    // Revokes the token's session (its refresh-token family), or all the user's, or all but it.
    Response LogOut(const Bearer &bearer) {
        std::string scope = QueryParam(std::string(req.target()), "scope");
        if (scope.empty())
            scope = "global";
        if (scope != "global" && scope != "local" && scope != "others")
            return Error(req, 400, "validation_failed",
                         "Unsupported logout scope \"" + CutUtf8(scope, 20) + "\"");
        const nlohmann::json &claims = bearer.caller.claims;
        std::optional<std::string> session;
        if (claims.contains("session_id") && claims["session_id"].is_string())
            session = claims["session_id"].get<std::string>();
        PooledConnection conn = Acquire();
        if (!conn)
            return Unavailable();
        PgResult res = ExecParams(conn.get(), "SELECT shopsync.auth_revoke_sessions($1, $2, $3)",
                                  {bearer.identity.sub, session, scope});
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
            const char *message = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY);
            return Error(req, 500, "unexpected_failure", message ? message : PQerrorMessage(conn.get()));
        }
        Response out{http::status::no_content, req.version()};
        out.set(http::field::server, "shopsync-gateway");
        out.keep_alive(req.keep_alive());
        out.prepare_payload();
        return out;
    }
};

} // namespace

Response HandleGoTrue(Context &ctx, const Request &req, const std::string &remote) {
    return GoTrue{ctx, req, remote}.Handle();
}

} // namespace gateway
