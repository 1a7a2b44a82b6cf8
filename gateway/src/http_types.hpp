// gateway/src/http_types.hpp — the request and response types every route
// uses, and the one way to build a response.
#pragma once

#include <boost/beast/http.hpp>

#include <string>

namespace gateway {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A complete response (Server, Content-Type, keep-alive as asked, length).
Response Reply(const Request &req, int status, const std::string &body,
               const std::string &type = "application/json; charset=utf-8");

// 429/503 with Retry-After and a PostgREST-style body.
Response TryLater(const Request &req, int status, int retry_after_seconds, const std::string &message);

} // namespace gateway
