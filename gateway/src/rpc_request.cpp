// gateway/src/rpc_request.cpp — see rpc_request.hpp.
#include "rpc_request.hpp"

#include "postgrest_errors.hpp"
#include "rpc.hpp"
#include "text.hpp"

#include <algorithm>

namespace gateway {

namespace http = boost::beast::http;

std::string UrlDecode(const std::string &text) {
    std::string out;
    for (size_t i = 0; i < text.size(); i++) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && isxdigit((unsigned char)text[i + 1]) &&
                   isxdigit((unsigned char)text[i + 2])) {
            out += (char)std::stoi(text.substr(i + 1, 2), nullptr, 16);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// "a=1&b=x" -> {"a": "1", "b": "x"}; PostgREST's read parameters (select,
// order, limit, offset) shape a set's result and are not arguments.
static nlohmann::json FormArguments(const std::string &text) {
    nlohmann::json args = nlohmann::json::object();
    size_t start = 0;
    while (start < text.size()) {
        size_t amp = text.find('&', start);
        std::string pair = text.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        size_t eq = pair.find('=');
        std::string name = UrlDecode(pair.substr(0, eq));
        if (!name.empty() && name != "select" && name != "order" && name != "limit" && name != "offset")
            args[name] = eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1));
        if (amp == std::string::npos)
            break;
        start = amp + 1;
    }
    return args;
}

static std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}

bool ReadRpcRequest(const Request &req, const std::string &function, RpcRequest *out, Response *refusal) {
    http::verb method = req.method();
    out->read_only = method == http::verb::get || method == http::verb::head;
    if (!out->read_only && method != http::verb::post) {
        *refusal = Reply(req, 405, RpcMethodError(std::string(req.method_string())));
        return false;
    }
    auto profile = req.find(out->read_only ? "Accept-Profile" : "Content-Profile");
    if (profile != req.end()) {
        std::string schema(profile->value());
        if (schema != "api") {
            *refusal = Reply(req, 406, InvalidSchemaError(schema));
            return false;
        }
        out->profile_named = true;
    }
    if (out->read_only) {
        std::string target(req.target());
        size_t q = target.find('?');
        out->args = FormArguments(q == std::string::npos ? "" : target.substr(q + 1));
        return true;
    }
    auto type_header = req.find(http::field::content_type);
    std::string type =
        type_header == req.end() ? "application/json" : Lower(std::string(type_header->value()));
    type = type.substr(0, type.find(';'));
    type.erase(type.find_last_not_of(" \t") + 1);
    // curl -d sends JSON labelled as a form: a body that opens an object is
    // read as JSON (PostgREST would read a form and find no such function).
    size_t first = req.body().find_first_not_of(" \t\r\n");
    bool json_object = first != std::string::npos && req.body()[first] == '{';
    if (type == "application/json" || type.empty() ||
        (type == "application/x-www-form-urlencoded" && json_object)) {
        out->args = nlohmann::json::object();
        if (!req.body().empty() && !ParseJson(req.body(), &out->args)) {
            *refusal = Reply(req, 400, ErrorJson("PGRST102", "Empty or invalid json"));
            return false;
        }
        return true;
    }
    if (type == "application/x-www-form-urlencoded") {
        out->args = FormArguments(req.body());
        return true;
    }
    std::string single = type == "text/plain"                 ? "text"
                         : type == "text/xml"                 ? "xml"
                         : type == "application/octet-stream" ? "bytea"
                                                              : "";
    if (!single.empty()) {
        *refusal = Reply(req, 404, NoSingleParameterFunctionError(function, single));
        return false;
    }
    *refusal = Reply(req, 400, ContentTypeError(std::string(type_header->value())));
    return false;
}

} // namespace gateway
