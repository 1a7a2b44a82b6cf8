// gateway/src/bearer.hpp — bearer verification: the token from the
// Authorization header (or ?access_token= on the event stream route only,
// since EventSource cannot set headers), its signature and claims.
#pragma once

#include "claims.hpp"
#include "context.hpp"
#include "http_types.hpp"
#include "rpc.hpp"

namespace gateway {

struct Bearer {
    Caller caller;     // anon unless a valid token came
    Identity identity; // when authenticated
};

// false (and the 401 to send) when a token is present but not acceptable;
// true with an anon caller when there is no token.
bool VerifyBearer(const Context &ctx, const Request &req, bool allow_query_token, Bearer *out,
                  Response *refusal);

// A query parameter of a request target, "" when absent.
std::string QueryParam(const std::string &target, const std::string &name);

} // namespace gateway
