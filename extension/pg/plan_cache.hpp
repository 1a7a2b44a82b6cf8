// extension/pg/plan_cache.hpp — saved SPI plans, prepared once per backend.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// Returns a saved plan for sql with the given argument types, preparing it on
// first use. Plans are revalidated by PostgreSQL after DDL. Call inside SPI.
SPIPlanPtr CachedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes);

// Runs a cached plan; raises on an SPI failure code. Returns SPI_processed.
uint64 ExecCachedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                             const char *nulls, bool read_only, long count);

// The same for statements whose best plan depends on their array parameters
// and on the table's current size (row locks by id = ANY($n), set-based
// writes): the parse is cached, but each execution gets a custom plan, so a
// generic plan made while a table was empty (a seq scan) never sticks.
uint64 ExecReplannedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                                const char *nulls, bool read_only, long count);

} // namespace shopsync
