// client/src/client_error.hpp — the one error type the device core throws:
// a message and the C API's result code (SHOPSYNC_STORE for SQLite,
// SHOPSYNC_INVALID for bad input, SHOPSYNC_FORBIDDEN, …). capi.cpp turns it
// into the code and shopsync_errmsg's text; nothing else crosses the C API.
#pragma once

#include "shopsync/shopsync.h"

#include <stdexcept>
#include <string>

namespace shopsync::client {

class ClientError : public std::runtime_error {
  public:
    explicit ClientError(const std::string &message, int code = SHOPSYNC_STORE)
        : std::runtime_error(message), code(code) {}
    int code;
};

} // namespace shopsync::client
