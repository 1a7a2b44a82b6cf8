// extension/pg/call_state.cpp — the one owner of the running call's state
// (see call_state.hpp).
#include "call_state.hpp"

namespace shopsync {

static CallState current = {CallKind::None, nullptr, false};

const CallState &CurrentCall() {
    return current;
}

Datum RunAsCall_Unsafe(const CallState &state, Datum (*body)(void *), void *arg) {
    CallState outer = current;
    Datum result = (Datum)0;
    current = state;
    PG_TRY();
    { result = body(arg); }
    PG_FINALLY();
    { current = outer; }
    PG_END_TRY();
    return result;
}

} // namespace shopsync
