// extension/pg/restore_epoch.hpp — the server's restore epoch (sql/src/70_restore_epoch.sql).
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// The restore epoch as uuid text, in SPI's memory (use it before SPI_finish).
// Call inside SPI. Mints the epoch on the first call under a new server
// identity when the transaction may write; a read-only transaction (or a
// standby) meanwhile gets a value derived from the identity, so the answer is
// never missing.
char *RestoreEpoch_Unsafe();

} // namespace shopsync
