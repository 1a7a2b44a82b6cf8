// extension/pg/call_state.hpp — the state of the running shopsync call, with
// one owner and one begin/end.
//
// A call (api.sync_push, shopsync.purge, shopsync.delete_shop) changes how the
// triggers behave while it runs: whose device a change is logged for, whether
// statement-end log flushes wait for the call's own flush, whether a DELETE
// really removes rows, whether a shop may be deleted. RunAsCall_Unsafe sets
// that state and restores the previous one on every exit, an error included
// (PG_FINALLY), so a call that fails inside a PL/pgSQL EXCEPTION block leaves
// nothing behind for the rest of the transaction. Plain C++ state, not GUCs,
// so no client can switch it on with SET.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

enum class CallKind { None, Push, Purge, DeleteShop };

struct CallState {
    CallKind kind;
    const char *device_id;   // Push: the pushing device (memory of the caller)
    bool defer_change_flush; // Push: statement-end flushes wait for the call's own
};

const CallState &CurrentCall();

// Rows really go on DELETE (retention and delete_shop), instead of becoming tombstones.
inline bool CallRemovesRows() {
    return CurrentCall().kind == CallKind::Purge || CurrentCall().kind == CallKind::DeleteShop;
}

// Runs body(arg) as the given call and returns its result.
Datum RunAsCall_Unsafe(const CallState &state, Datum (*body)(void *), void *arg);

} // namespace shopsync
