// gateway/src/rpc.hpp — calling an api function as PostgREST does: one
// transaction, the caller's role, request.jwt.claims, a statement timeout.
#pragma once

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gateway {

struct RpcResult {
    int status = 200;
    std::string body;     // the function's JSON, or PostgREST's error JSON
    std::string sqlstate; // on error
};

struct Caller {
    bool authenticated = false; // false: anon
    nlohmann::json claims;      // verified JWT claims
};

// Runs `sql` (one SELECT returning one JSON text) with params for caller.
RpcResult CallApi(PGconn *conn, const Caller &caller, const std::string &sql,
                  const std::vector<std::optional<std::string>> &params, int statement_timeout_ms);

using PgResult = std::unique_ptr<PGresult, void (*)(PGresult *)>;

// One statement with text parameters (nullopt = NULL).
PgResult ExecParams(PGconn *conn, const std::string &sql,
                    const std::vector<std::optional<std::string>> &params);

// HTTP status PostgREST answers for a SQLSTATE.
int StatusForSqlState(const std::string &sqlstate, bool authenticated);

// PostgREST-style error body.
std::string ErrorJson(const std::string &code, const std::string &message, const std::string &details = "",
                      const std::string &hint = "");

// "SELECT to_json(api.fn(a := $1, b := $2))::text" for a JSON object of
// named arguments; false (and an error message) on a bad name or body.
bool BuildRpcCall(const std::string &function, const nlohmann::json &args, std::string *sql,
                  std::vector<std::optional<std::string>> *params, std::string *error);

// A push envelope read without building it (a DOM of 100 events costs more
// than the rest of the gateway's work on a push): false unless text is one
// valid JSON value at most kMaxJsonDepth deep; *device_id is the top-level
// "device_id" when it is a string.
bool ScanPushEnvelope(const std::string &text, std::optional<std::string> *device_id);

// The lengths of a push answer's accepted, conflicts and rejected arrays,
// counted without building it; false when it is not a JSON object.
bool CountPushOutcomes(const std::string &text, long *accepted, long *conflicts, long *rejected);

} // namespace gateway
