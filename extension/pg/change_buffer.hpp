// extension/pg/change_buffer.hpp — the row changes of the current transaction
// that still have to be written to change_log.
//
// The AFTER ROW trigger only appends here (cheap); a flush writes each run of
// same-table, same-shop changes with one seq draw and one set-based insert.
// Flushes happen at the end of every statement (an AFTER STATEMENT trigger),
// or once at the end of api.sync_push, which defers them. Changes appended in
// a subtransaction that aborts are dropped with it, and a transaction that
// would commit with unflushed changes fails instead.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

void AppendChange_Unsafe(Relation rel, HeapTuple row, AttrNumber shop_attnum, const char *entity,
                         const char *op);

// Writes every buffered change to change_log. Call inside SPI.
void FlushChanges_Unsafe();

// The same, for a push of one shop: returns the last seq it drew for that
// shop (the shop's server_seq, read under the cursor lock it holds), or -1
// when it wrote nothing of that shop.
int64 FlushShopChanges_Unsafe(const pg_uuid_t &shop);

void RegisterChangeBufferCallbacks();

} // namespace shopsync
