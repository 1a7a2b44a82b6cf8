// extension/pg/guard.cpp — raising the error captured at the C++ boundary.
#include "guard.hpp"

namespace shopsync {

void RaiseCapturedError(int sqlstate, char *message, char *detail) {
    if (detail)
        ereport(ERROR, (errcode(sqlstate), errmsg("%s", message), errdetail("%s", detail)));
    ereport(ERROR, (errcode(sqlstate), errmsg("%s", message)));
    pg_unreachable();
}

} // namespace shopsync
