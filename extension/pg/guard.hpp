// extension/pg/guard.hpp — the two-way firewall between C++ and PostgreSQL errors.
//
// PostgreSQL raises errors with longjmp; C++ raises them with exceptions. Neither
// may cross into the other's frames: a longjmp skips C++ destructors, and an
// exception escaping into the backend's C frames terminates the process.
//
//  * SHOPSYNC_FUNCTION(name) declares a SQL-callable function whose body runs in
//    a try/catch; a C++ exception becomes ereport(ERROR) *after* the catch
//    block has ended, so no C++ frame is unwound by longjmp.
//  * PgGuard::call(fn) runs a PostgreSQL call that may ereport from C++ code that
//    holds objects with destructors; the error is copied and rethrown as
//    PgError (a C++ exception) after PG_END_TRY.
//
// Code that calls PostgreSQL directly (most of extension/pg/) keeps only
// trivially destructible locals (palloc'd memory, plain structs), so an
// ereport from inside it is safe; such helpers carry the suffix _Unsafe where
// that is not obvious.
#pragma once

#include "pg_headers.hpp"

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

namespace shopsync {

// A C++ exception carrying a SQLSTATE, raised by C++ code that wants a
// specific error code at the SQL boundary.
class SqlError : public std::runtime_error {
  public:
    SqlError(int sqlstate, const std::string &message, const std::string &detail = "")
        : std::runtime_error(message), sqlstate_(sqlstate), detail_(detail) {}
    int sqlstate() const { return sqlstate_; }
    const std::string &detail() const { return detail_; }

  private:
    int sqlstate_;
    std::string detail_;
};

// Converts whatever C++ threw into ereport(ERROR). Called only after the catch
// block that captured the message has ended.
[[noreturn]] void RaiseCapturedError(int sqlstate, char *message, char *detail);

template <typename Impl> inline Datum InvokeCppFunction(Impl impl, FunctionCallInfo fcinfo) {
    int sqlstate = ERRCODE_INTERNAL_ERROR;
    char *message = nullptr;
    char *detail = nullptr;
    try {
        return impl(fcinfo);
    } catch (const SqlError &e) {
        sqlstate = e.sqlstate();
        message = pstrdup(e.what());
        detail = e.detail().empty() ? nullptr : pstrdup(e.detail().c_str());
    } catch (const std::bad_alloc &) {
        sqlstate = ERRCODE_OUT_OF_MEMORY;
        message = pstrdup("out of memory in shopsync");
    } catch (const std::exception &e) {
        message = pstrdup(e.what());
    } catch (...) {
        message = pstrdup("unknown C++ exception in shopsync");
    }
    RaiseCapturedError(sqlstate, message, detail);
}

} // namespace shopsync

// Declares a SQL-callable C function `name` whose body is `name_impl`.
#define SHOPSYNC_FUNCTION(name)                                                                              \
    static Datum name##_impl(PG_FUNCTION_ARGS);                                                              \
    extern "C" {                                                                                             \
    PG_FUNCTION_INFO_V1(name);                                                                               \
    Datum name(PG_FUNCTION_ARGS);                                                                            \
    }                                                                                                        \
    Datum name(PG_FUNCTION_ARGS) {                                                                           \
        return shopsync::InvokeCppFunction(name##_impl, fcinfo);                                             \
    }                                                                                                        \
    static Datum name##_impl(PG_FUNCTION_ARGS)
