// gateway/src/cors.cpp — see cors.hpp.
#include "cors.hpp"

#include <algorithm>

namespace gateway {

namespace http = boost::beast::http;

// Every header a Supabase or PostgREST client sends.
static const char *kAllowHeaders =
    "authorization, apikey, content-type, accept, accept-profile, content-profile, "
    "prefer, range, x-client-info, x-supabase-api-version";
static const char *kAllowMethods = "GET, HEAD, POST, OPTIONS";
static const char *kExposeHeaders =
    "Content-Encoding, Content-Location, Content-Range, Content-Type, Content-Profile, "
    "Date, Location, Server, Transfer-Encoding, Range-Unit, Retry-After, "
    "Preference-Applied, X-Supabase-Api-Version, x-sb-error-code";

std::vector<std::string> ParseOrigins(const std::string &list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
        if (a != std::string::npos)
            out.push_back(item.substr(a, b - a + 1));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

// The Access-Control-Allow-Origin value for req, "" when it gets none.
static std::string AllowedOrigin(const std::vector<std::string> &allowed, const Request &req) {
    auto it = req.find(http::field::origin);
    if (it == req.end())
        return "";
    if (allowed.empty())
        return "*";
    std::string origin(it->value());
    return std::find(allowed.begin(), allowed.end(), origin) != allowed.end() ? origin : "";
}

void AddCorsHeaders(const std::vector<std::string> &allowed, const Request &req, Response &res) {
    std::string origin = AllowedOrigin(allowed, req);
    if (!allowed.empty())
        res.set(http::field::vary, "Origin"); // the answer depends on the Origin: caches must know
    if (origin.empty())
        return;
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::access_control_expose_headers, kExposeHeaders);
}

std::string CorsHeaderLines(const std::vector<std::string> &allowed, const Request &req) {
    std::string origin = AllowedOrigin(allowed, req);
    std::string lines = allowed.empty() ? "" : "Vary: Origin\r\n";
    if (!origin.empty())
        lines += "Access-Control-Allow-Origin: " + origin +
                 "\r\nAccess-Control-Expose-Headers: " + kExposeHeaders + "\r\n";
    return lines;
}

Response Preflight(const std::vector<std::string> &allowed, const Request &req) {
    Response res{http::status::no_content, req.version()};
    res.set(http::field::server, "shopsync-gateway");
    res.set(http::field::allow, kAllowMethods);
    res.keep_alive(req.keep_alive());
    if (!AllowedOrigin(allowed, req).empty()) {
        res.set(http::field::access_control_allow_methods, kAllowMethods);
        res.set(http::field::access_control_allow_headers, kAllowHeaders);
        res.set(http::field::access_control_max_age, "86400");
    }
    AddCorsHeaders(allowed, req, res);
    res.prepare_payload();
    return res;
}

} // namespace gateway
