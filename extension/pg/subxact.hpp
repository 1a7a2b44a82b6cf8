// extension/pg/subxact.hpp — running one event's write in a subtransaction, so
// that a constraint or type error rejects that event and not the batch.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

struct SubxactError {
    char sqlstate[6];
    char *message;
    char *constraint_name;
};

// Runs fn(arg) inside an internal subtransaction. On success returns true.
// When fn raises an error that rejects only this event (rules.hpp's
// ReasonForSqlState says so), rolls the subtransaction back, fills *error and
// returns false. Any other error (deadlock, out of memory …) is re-thrown
// and fails the whole call. Call inside SPI.
bool RunInSubtransaction_Unsafe(void (*fn)(void *), void *arg, SubxactError *error);

} // namespace shopsync
