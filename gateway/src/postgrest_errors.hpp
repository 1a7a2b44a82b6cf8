// gateway/src/postgrest_errors.hpp — the errors the gateway answers itself
// for an /rpc call, in PostgREST's words, codes and statuses (its
// Error/SchemaCacheError.hs and Error/ApiRequestError.hs).
#pragma once

#include <string>
#include <vector>

namespace gateway {

// 404 PGRST202: no api function takes these argument names. `known` are
// every function's name, for the "Perhaps you meant" hint.
std::string NoFunctionError(const std::string &function, const std::vector<std::string> &args,
                            const std::vector<std::string> &known);

// 404 PGRST202 for a body PostgREST would pass as one unnamed parameter
// (text/plain: "text", text/xml: "xml", application/octet-stream: "bytea").
std::string NoSingleParameterFunctionError(const std::string &function, const std::string &type);

// 406 PGRST106: a profile header names a schema that is not exposed.
std::string InvalidSchemaError(const std::string &schema);

// 400 PGRST102: a Content-Type PostgREST does not read. (Its error table
// lists 415/PGRST107; its code, ApiRequest/Payload.hs, answers this.)
std::string ContentTypeError(const std::string &type);

// 405: GET or HEAD on a volatile function (PostgREST runs it read-only,
// which fails with 25006 and 405).
std::string ReadOnlyCallError(const std::string &function);

// 405 PGRST101: a method other than GET, HEAD or POST on /rpc.
std::string RpcMethodError(const std::string &method);

} // namespace gateway
