// gateway/src/cors.hpp — CORS on every answer, as PostgREST does it: with no
// list of origins, any origin ("*", never with credentials: tokens travel in
// headers, not cookies); with --cors-origins, only those, echoed with
// Vary: Origin. An origin not allowed gets no CORS headers at all (the
// request is still answered; the browser keeps the answer from the page).
// Preflights (OPTIONS) are answered 204 on every path.
#pragma once

#include "http_types.hpp"

#include <string>
#include <vector>

namespace gateway {

// "a,b" -> {"a", "b"} (spaces trimmed, empty entries dropped).
std::vector<std::string> ParseOrigins(const std::string &list);

// Adds Access-Control-Allow-Origin and the exposed headers when req has an
// allowed Origin.
void AddCorsHeaders(const std::vector<std::string> &allowed, const Request &req, Response &res);

// The same headers as raw "Name: value\r\n" lines (the event stream writes its own header).
std::string CorsHeaderLines(const std::vector<std::string> &allowed, const Request &req);

// The answer to an OPTIONS request: 204, Allow, and for an allowed origin
// the methods, request headers and max age a browser's preflight asks for.
Response Preflight(const std::vector<std::string> &allowed, const Request &req);

} // namespace gateway
