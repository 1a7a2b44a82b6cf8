// test/fuzz/rpc_request_fuzz.cpp — libFuzzer target: the PostgREST request
// reader (rpc_request.hpp) on any method, target, Content-Type, profile
// header and body. Input: line 1 "METHOD TARGET", line 2 the Content-Type
// (empty: none), line 3 the profile header's value (empty: none), the rest
// the body. A read call has an object of arguments without PostgREST's read
// parameters; a refusal is a PostgREST status with a JSON body; nothing throws.
#include "rpc.hpp"
#include "rpc_request.hpp"
#include "text.hpp"

#include <cstdint>
#include <cstdlib>

using namespace gateway;
namespace http = boost::beast::http;

static std::string Line(const std::string &input, size_t *at) {
    size_t end = input.find('\n', *at);
    std::string line = input.substr(*at, end == std::string::npos ? std::string::npos : end - *at);
    *at = end == std::string::npos ? input.size() : end + 1;
    return line;
}

static void Build(Request *req, const std::string &first, const std::string &type, const std::string &profile,
                  std::string body) {
    size_t space = first.find(' ');
    std::string method = first.substr(0, space);
    req->version(11);
    http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown)
        req->method_string(method.empty() ? "X" : CutUtf8(method, 32));
    else
        req->method(verb);
    req->target(space == std::string::npos ? "/rpc/f" : first.substr(space + 1));
    bool read = verb == http::verb::get || verb == http::verb::head;
    if (!type.empty())
        req->set(http::field::content_type, type);
    if (!profile.empty())
        req->set(read ? "Accept-Profile" : "Content-Profile", profile);
    req->body() = std::move(body);
    req->prepare_payload();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string input(reinterpret_cast<const char *>(data), size);
    size_t at = 0;
    std::string first = Line(input, &at), type = Line(input, &at), profile = Line(input, &at);
    Request req;
    try { // a value Beast itself refuses is not the reader's input
        Build(&req, first, type, profile, input.substr(at));
    } catch (const std::exception &) {
        return 0;
    }
    bool read = req.method() == http::verb::get || req.method() == http::verb::head;
    RpcRequest call;
    Response refusal;
    if (!ReadRpcRequest(req, "f", &call, &refusal)) {
        int status = refusal.result_int();
        if (status != 400 && status != 404 && status != 405 && status != 406)
            std::abort();
        if (nlohmann::json::parse(refusal.body(), nullptr, false).is_discarded())
            std::abort(); // every refusal is a PostgREST error object
        return 0;
    }
    if (call.read_only != read || call.profile_named != !profile.empty())
        std::abort();
    if (read && (!call.args.is_object() || call.args.contains("select") || call.args.contains("order") ||
                 call.args.contains("limit") || call.args.contains("offset")))
        std::abort();    // a query string gives named arguments, never the read parameters
    SafeDump(call.args); // form values may be any bytes: the dump must not throw
    std::string sql, error;
    std::vector<std::optional<std::string>> params;
    BuildRpcCall("f", call.args, &sql, &params, &error);
    return 0;
}
