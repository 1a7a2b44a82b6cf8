// gateway/src/rpc_request.hpp — reading an /rpc call as PostgREST does:
// the profile header (Content-Profile for POST, Accept-Profile for GET and
// HEAD) must name schema api when present; GET and HEAD take the arguments
// from the query string, POST from a JSON object or a form body (a form
// body that opens an object is JSON: curl -d's default label); other content
// types are refused as PostgREST refuses them.
#pragma once

#include "http_types.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace gateway {

struct RpcRequest {
    bool read_only = false;     // GET or HEAD
    bool profile_named = false; // a profile header named api: echo Content-Profile
    nlohmann::json args;        // object: argument name -> value
};

// false, and the refusal to send, when the request cannot be a call of `function`.
bool ReadRpcRequest(const Request &req, const std::string &function, RpcRequest *out, Response *refusal);

// application/x-www-form-urlencoded / query string decoding ("+" is a space).
std::string UrlDecode(const std::string &text);

} // namespace gateway
