// gateway/src/rpc.cpp — the transaction around every api call.
#include "rpc.hpp"

#include "text.hpp"

#include <map>
#include <memory>
#include <regex>

namespace gateway {

int StatusForSqlState(const std::string &s, bool authenticated) {
    if (s.size() == 5 && s[0] == 'P' && s[1] == 'T' && isdigit(s[2]) && isdigit(s[3]) && isdigit(s[4]))
        return std::stoi(s.substr(2)); // PTxyz: the function asks for HTTP xyz
    if (s == "42501")
        return authenticated ? 403 : 401;
    if (s == "42883" || s == "42P01")
        return 404;
    if (s == "23503" || s == "23505")
        return 409;
    if (s == "25006")
        return 405;
    if (s == "57014")
        return 504;
    auto cls = s.substr(0, 2);
    if (cls == "08" || cls == "53")
        return 503;
    if (cls == "28" || cls == "0L" || cls == "0P")
        return 403;
    if (cls == "22" || cls == "23" || s == "P0001")
        return 400;
    if (cls == "09" || cls == "25" || cls == "2D" || cls == "38" || cls == "39" || cls == "3B" ||
        cls == "40" || cls == "54" || cls == "55" || cls == "57" || cls == "58" || cls == "F0" ||
        cls == "HV" || cls == "P0" || cls == "XX")
        return 500;
    return 400;
}

std::string ErrorJson(const std::string &code, const std::string &message, const std::string &details,
                      const std::string &hint) {
    nlohmann::json j{{"code", code}, {"message", message}, {"details", nullptr}, {"hint", nullptr}};
    if (!details.empty())
        j["details"] = details;
    if (!hint.empty())
        j["hint"] = hint;
    return SafeDump(j);
}

using Result = PgResult;

PgResult ExecParams(PGconn *conn, const std::string &sql,
                    const std::vector<std::optional<std::string>> &params) {
    std::vector<const char *> values;
    for (const auto &p : params)
        values.push_back(p ? p->c_str() : nullptr);
    return PgResult(
        PQexecParams(conn, sql.c_str(), (int)values.size(), nullptr, values.data(), nullptr, nullptr, 0),
        PQclear);
}

static RpcResult Failure(PGconn *conn, PGresult *res, bool authenticated) {
    RpcResult r;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (state == nullptr) { // the connection itself failed (e.g. the server restarted)
        r.sqlstate = "08006";
        r.status = 503;
        r.body = ErrorJson("08006", "the database is not reachable right now", PQerrorMessage(conn));
        return r;
    }
    auto field = [res](int f) {
        const char *v = PQresultErrorField(res, f);
        return std::string(v ? v : "");
    };
    r.sqlstate = state;
    r.status = StatusForSqlState(r.sqlstate, authenticated);
    r.body = ErrorJson(r.sqlstate, field(PG_DIAG_MESSAGE_PRIMARY), field(PG_DIAG_MESSAGE_DETAIL),
                       field(PG_DIAG_MESSAGE_HINT));
    return r;
}

// Sends one statement of the pipeline; false when the connection is gone.
static bool Send(PGconn *conn, const std::string &sql,
                 const std::vector<std::optional<std::string>> &params) {
    std::vector<const char *> values;
    for (const auto &p : params)
        values.push_back(p ? p->c_str() : nullptr);
    return PQsendQueryParams(conn, sql.c_str(), (int)values.size(), nullptr, values.data(), nullptr, nullptr,
                             0) == 1;
}

// BEGIN, the caller's settings, the call and COMMIT go out as one libpq
// pipeline: one round trip instead of four, and the COMMIT is queued right
// behind the call, so locks the call takes (a shop's push lock) are held for
// the call's execution only, not for a round trip to the gateway and back.
RpcResult CallApi(PGconn *conn, const Caller &caller, const std::string &sql,
                  const std::vector<std::optional<std::string>> &params, int statement_timeout_ms) {
    std::string role = caller.authenticated ? "authenticated" : "anon";
    bool sent = PQenterPipelineMode(conn) == 1 && Send(conn, "BEGIN", {}) &&
                Send(conn,
                     "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true),"
                     " set_config('statement_timeout', $3, true)",
                     {role, caller.authenticated ? SafeDump(caller.claims) : std::string("{}"),
                      std::to_string(statement_timeout_ms)}) &&
                Send(conn, sql, params) && Send(conn, "COMMIT", {}) && PQpipelineSync(conn) == 1;
    // Results: one per statement (each followed by a null), then the sync.
    // The first failure decides the answer; statements after it come back
    // PGRES_PIPELINE_ABORTED.
    RpcResult r;
    bool failed = !sent, have_body = false;
    for (int statement = 0; sent && statement < 4; statement++) {
        Result res(PQgetResult(conn), PQclear);
        if (!res) { // the connection broke
            failed = true;
            if (r.sqlstate.empty())
                r = Failure(conn, nullptr, caller.authenticated);
            break;
        }
        ExecStatusType status = PQresultStatus(res.get());
        bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
        if (!ok && !failed && status != PGRES_PIPELINE_ABORTED) {
            failed = true;
            r = Failure(conn, res.get(), caller.authenticated);
        } else if (!ok && !failed) {
            failed = true;
            r = Failure(conn, nullptr, caller.authenticated);
        }
        if (statement == 2 && ok) {
            have_body = true;
            r.body = PQntuples(res.get()) > 0 && !PQgetisnull(res.get(), 0, 0) ? PQgetvalue(res.get(), 0, 0)
                                                                               : "null";
        }
        while (PGresult *rest = PQgetResult(conn)) // the null that ends this statement's results
            PQclear(rest);
    }
    if (PQstatus(conn) == CONNECTION_OK) {
        // Up to the sync (PGRES_PIPELINE_SYNC), then out of pipeline mode.
        for (int i = 0; i < 16 && PQexitPipelineMode(conn) != 1; i++)
            PQclear(PQgetResult(conn));
    }
    if (!sent && r.sqlstate.empty())
        r = Failure(conn, nullptr, caller.authenticated);
    if (failed) {
        // A failed statement leaves the BEGIN's transaction aborted: end it.
        if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
            PQclear(PQexec(conn, "ROLLBACK"));
        return r;
    }
    (void)have_body;
    r.status = 200;
    return r;
}

namespace {

// SAX reader behind ScanPushEnvelope and CountPushOutcomes: tracks depth
// (refusing deeper than kMaxJsonDepth), the top-level key being read and,
// per top-level array, how many items it holds.
struct TopLevelReader : nlohmann::json_sax<nlohmann::json> {
    int depth = 0;
    bool top_is_object = false;
    std::string top_key;                  // current top-level key
    std::optional<std::string> device_id; // top-level "device_id" string
    std::map<std::string, long> items;    // top-level key -> items of its array
    bool Value() {
        if (depth == 2 && items.count(top_key))
            items[top_key]++;
        return true;
    }
    bool Open(bool object) {
        if (depth == 0)
            top_is_object = object;
        Value();
        return ++depth <= kMaxJsonDepth;
    }
    bool null() override { return Value(); }
    bool boolean(bool) override { return Value(); }
    bool number_integer(number_integer_t) override { return Value(); }
    bool number_unsigned(number_unsigned_t) override { return Value(); }
    bool number_float(number_float_t, const string_t &) override { return Value(); }
    bool string(string_t &v) override {
        if (depth == 1 && top_key == "device_id")
            device_id = v;
        return Value();
    }
    bool binary(binary_t &) override { return Value(); }
    bool start_object(std::size_t) override { return Open(true); }
    bool end_object() override { return --depth, true; }
    bool start_array(std::size_t) override { return Open(false); }
    bool end_array() override { return --depth, true; }
    bool key(string_t &k) override {
        if (depth == 1)
            top_key = k;
        return true;
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &) override {
        return false;
    }
};

} // namespace

bool ScanPushEnvelope(const std::string &text, std::optional<std::string> *device_id) {
    TopLevelReader reader;
    if (!nlohmann::json::sax_parse(text, &reader))
        return false;
    if (reader.top_is_object)
        *device_id = reader.device_id;
    return true;
}

bool CountPushOutcomes(const std::string &text, long *accepted, long *conflicts, long *rejected) {
    TopLevelReader reader;
    reader.items = {{"accepted", 0}, {"conflicts", 0}, {"rejected", 0}};
    if (!nlohmann::json::sax_parse(text, &reader) || !reader.top_is_object)
        return false;
    *accepted = reader.items["accepted"];
    *conflicts = reader.items["conflicts"];
    *rejected = reader.items["rejected"];
    return true;
}

bool BuildRpcCall(const std::string &function, const nlohmann::json &args, std::string *sql,
                  std::vector<std::optional<std::string>> *params, std::string *error) {
    static const std::regex kName("^[a-z_][a-z0-9_]{0,62}$");
    if (!std::regex_match(function, kName)) {
        *error = "invalid function name";
        return false;
    }
    if (!args.is_object()) {
        *error = "the body must be a JSON object of named arguments";
        return false;
    }
    std::string list;
    for (const auto &[name, value] : args.items()) {
        if (!std::regex_match(name, kName)) {
            *error = "invalid argument name \"" + CutUtf8(name, 64) + "\"";
            return false;
        }
        params->push_back(value.is_null()     ? std::nullopt
                          : value.is_string() ? std::optional<std::string>(value.get<std::string>())
                                              : std::optional<std::string>(SafeDump(value)));
        list += (list.empty() ? "" : ", ") + name + " := $" + std::to_string(params->size());
    }
    // to_json, not to_jsonb: a json result (a snapshot page) is passed on as it is.
    *sql = "SELECT to_json(api." + function + "(" + list + "))::text";
    return true;
}

} // namespace gateway
