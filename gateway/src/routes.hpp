// gateway/src/routes.hpp — the route table:
//
//   POST /rpc/<fn>          PostgREST-compatible call of api.<fn>(named args)
//   POST /sync/push         api.sync_push(body)
//   GET  /sync/pull         api.sync_pull(cursor, limit)
//   GET  /sync/events       Server-Sent Events (event_stream.hpp)
//   POST /auth/<verb>       sign-in (sign_in.hpp)
//   GET  /health, /ready    liveness; readiness (the database answers)
//   GET  /metrics           Prometheus text
//
// HandleRequest may wait on the database: it runs on a worker thread, never
// on an I/O thread (NeedsDatabase tells which requests may run inline).
#pragma once

#include "bearer.hpp"
#include "context.hpp"
#include "http_types.hpp"

#include <string>

namespace gateway {

enum class RouteKind { Inline, Database, EventStream };

RouteKind Classify(const Request &req);

// The answer to one request (never throws: a failure is a 500). `route`
// receives the metrics label.
Response HandleRequest(Context &ctx, const Request &req, const std::string &remote, std::string *route);

// The event stream's admission: a valid token and a live membership
// (api.sync_health answers). On success *bearer is the caller; otherwise
// *refusal is the answer.
bool AdmitEventStream(Context &ctx, const Request &req, Bearer *bearer, Response *refusal);

} // namespace gateway
