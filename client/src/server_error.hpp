// client/src/server_error.hpp — what the device does with a server's error
// answer. The gateway and PostgREST (or Supabase) both answer errors as
// PostgREST does: an HTTP status and {"code","message","details","hint"},
// code a SQLSTATE (42501, 0A000, PT409 …) or a PGRST code. One table maps
// each to a verdict, so the sync round behaves the same behind either.
#pragma once

#include "transport.hpp"

#include <string>

namespace shopsync::client {

enum class Verdict {
    Retry,          // network, 408, 409 (PT409: still applying), 429, 5xx: same events later, backoff
    Unauthorized,   // 401: renew the access token once and retry; again → SHOPSYNC_AUTH
    TokenUnfit,     // 403 42501 "no shop / no user in the claims": the token is not a shop member's
    MoveOut,        // 403 42501 "not a member": the user lost the shop
    UpdateRequired, // 0A000: this client's protocol is no longer served
    CursorExpired,  // 410 (PT410): rebuild from the snapshot
    TooLarge,       // 413 (PT413): smaller batches
    Misconfigured,  // 404 / 405 / 406 (PGRST202, PGRST106, 42883): wrong profile, prefix or schema
    Refused,        // any other 4xx (400 22023, 403 viewer, 422): the batch itself is refused
};

struct ServerError {
    Verdict verdict;
    int code;             // the C API's result code
    std::string sqlstate; // the answer's "code", or ""
    std::string text;     // for people: "HTTP 403: message (code)", with a hint when the device has one
};

ServerError ClassifyError(const HttpResponse &response);
const char *VerdictName(Verdict verdict);

} // namespace shopsync::client
