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

bool VerifyBearer(const Context &ctx, const Request &req, bool allow_query_token, Bearer *out,
                  Response *refusal) {
    std::string token;
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
        token = from_query;
    }
    if (token.empty())
        return true; // anon
    long now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    // HS256 only with the shared secret; ES256/RS256 only with the JWKS keys;
    // anything else ("none" included) is refused by both.
    std::string alg = JwtAlgorithm(token);
    JwtResult jwt;
    if (alg == "HS256" && !ctx.config.jwt_secret.empty())
        jwt = VerifyJwt(token, ctx.config.jwt_secret, ctx.config.audience, now);
    else if (alg != "HS256" && !ctx.jwks.empty())
        jwt = ctx.jwks.Verify(token, ctx.config.audience, now);
    else
        jwt.error = "unsupported algorithm";
    if (!jwt.ok) {
        *refusal = Unauthorized(req, "JWT rejected: " + jwt.error);
        return false;
    }
    std::string error;
    if (!ReadClaims(jwt.claims, &out->identity, &error)) {
        *refusal = Unauthorized(req, "JWT rejected: " + error);
        return false;
    }
    if (out->identity.role != "authenticated") {
        *refusal = Unauthorized(req, "JWT rejected: role must be 'authenticated'");
        return false;
    }
    out->caller.authenticated = true;
    out->caller.claims = std::move(jwt.claims);
    return true;
}

} // namespace gateway
