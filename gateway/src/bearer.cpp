// gateway/src/bearer.cpp — see bearer.hpp.
#include "bearer.hpp"

#include "jwt.hpp"

#include <chrono>

namespace gateway {

namespace http = boost::beast::http;

Response Reply(const Request &req, int status, const std::string &body, const std::string &type) {
    Response res{static_cast<http::status>(status), req.version()};
    res.set(http::field::server, "shopsync-gateway");
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = body;
    res.prepare_payload();
    return res;
}

Response TryLater(const Request &req, int status, int retry_after_seconds, const std::string &message) {
    Response res = Reply(
        req, status,
        ErrorJson(status == 429 ? "PGRST429" : "PGRST503", message, "", "Retry after the given seconds."));
    res.set(http::field::retry_after, std::to_string(retry_after_seconds));
    return res;
}

std::string QueryParam(const std::string &target, const std::string &name) {
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

static Response Unauthorized(const Request &req, const std::string &why) {
    Response res = Reply(req, 401, ErrorJson("PGRST301", why));
    res.set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
    return res;
}

// Verifies one token: its signature (HS256 with the secret, ES256/RS256
// with the JWKS keys; "none" and anything else refused) and expiry. An anon
// key (role "anon", as Supabase's) needs no audience: it becomes an anon
// caller. Every other token needs the audience and role "authenticated".
static bool VerifyToken(const Context &ctx, const std::string &token, Bearer *out, std::string *error) {
    long now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::string alg = JwtAlgorithm(token);
    JwtResult jwt;
    if (alg == "HS256" && !ctx.config.jwt_secret.empty())
        jwt = VerifyJwt(token, ctx.config.jwt_secret, "", now);
    else if (alg != "HS256" && !ctx.jwks.empty())
        jwt = ctx.jwks.Verify(token, "", now);
    else
        jwt.error = "unsupported algorithm";
    if (!jwt.ok) {
        *error = jwt.error;
        return false;
    }
    Identity identity;
    if (!ReadClaims(jwt.claims, &identity, error))
        return false;
    if (identity.role == "anon") {
        out->caller.authenticated = false;
        out->caller.claims = std::move(jwt.claims);
        return true;
    }
    JwtResult audience = CheckClaims(jwt.claims, ctx.config.audience, now, 5);
    if (!audience.ok) {
        *error = audience.error;
        return false;
    }
    if (identity.role != "authenticated") {
        *error = "role must be 'authenticated' (or 'anon')";
        return false;
    }
    out->identity = std::move(identity);
    out->caller.authenticated = true;
    out->caller.claims = std::move(jwt.claims);
    return true;
}

bool VerifyBearer(const Context &ctx, const Request &req, bool allow_query_token, Bearer *out,
                  Response *refusal) {
    std::string token, error;
    // Supabase's clients send the project key as `apikey` on every call: it
    // must be a key of ours (anon, or a user's token), and stands in for a
    // missing Authorization header, as Supabase's API gateway does.
    auto apikey = req.find("apikey");
    if (apikey != req.end()) {
        Bearer key;
        if (!VerifyToken(ctx, std::string(apikey->value()), &key, &error)) {
            *refusal = Unauthorized(req, "Invalid API key: " + error);
            return false;
        }
    }
    auto auth = req.find(http::field::authorization);
    if (auth != req.end()) {
        std::string value(auth->value());
        if (value.rfind("Bearer ", 0) != 0) {
            *refusal =
                Reply(req, 401, ErrorJson("PGRST301", "the Authorization header must be 'Bearer <token>'"));
            return false;
        }
        token = value.substr(7);
    } else {
        std::string from_query = QueryParam(std::string(req.target()), "access_token");
        if (!from_query.empty() && !allow_query_token) {
            *refusal = Reply(req, 401,
                             ErrorJson("PGRST301", "?access_token= is accepted on /sync/events only", "",
                                       "Send the token in an Authorization: Bearer header."));
            return false;
        }
        token = from_query.empty() && apikey != req.end() ? std::string(apikey->value()) : from_query;
    }
    if (token.empty())
        return true; // anon
    if (!VerifyToken(ctx, token, out, &error)) {
        *refusal = Unauthorized(req, "JWT rejected: " + error);
        return false;
    }
    return true;
}

} // namespace gateway
