// extension/pg/subxact.cpp — the same subtransaction pattern PL/pgSQL's
// EXCEPTION blocks use: Begin/Release, or RollbackAndRelease and restore the
// memory context and resource owner.
#include "subxact.hpp"

#include "rules.hpp"

extern "C" {
#include "utils/resowner.h"
}

namespace shopsync {

bool RunInSubtransaction_Unsafe(void (*fn)(void *), void *arg, SubxactError *error) {
    MemoryContext caller_context = CurrentMemoryContext;
    ResourceOwner caller_owner = CurrentResourceOwner;

    BeginInternalSubTransaction(NULL);
    MemoryContextSwitchTo(caller_context);
    bool ok = true;
    ErrorData *edata = nullptr;
    PG_TRY();
    {
        fn(arg);
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        edata = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
        ok = false;
    }
    PG_END_TRY();
    if (ok)
        return true;

    const char *state = unpack_sql_state(edata->sqlerrcode);
    if (ReasonForSqlState(state, edata->constraint_name) == nullptr)
        ReThrowError(edata);
    memcpy(error->sqlstate, state, 6);
    error->message = edata->message;
    error->constraint_name = edata->constraint_name;
    return false;
}

} // namespace shopsync
