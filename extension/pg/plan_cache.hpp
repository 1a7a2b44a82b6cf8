// extension/pg/plan_cache.hpp — saved SPI plans, prepared once per backend.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// Runs sql through a saved plan (prepared on first use for these argument
// types; PostgreSQL revalidates it after DDL). Call inside SPI. Raises on an SPI failure; returns
// SPI_processed.
uint64 ExecCachedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                             const char *nulls, bool read_only, long count);

// The same for statements whose best plan depends on their array parameters
// and on the table's current size (row locks by id = ANY($n), set-based
// writes): the parse is cached, but each execution gets a custom plan, so a
// generic plan made while a table was empty (a seq scan) never sticks.
uint64 ExecReplannedPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                                const char *nulls, bool read_only, long count);

// The same with the generic plan always (no custom plans first): for
// statements whose only sensible plan probes a unique key per array element,
// where a custom plan made from stale statistics can pick a scan of the
// whole shop instead, a cost that grows with the shop. The plan is made
// again once the statement's tables have more than doubled since its first
// run, so one made while the tables were small does not stick. (Not on
// Citus: its planner needs the shop_id value there, plan_cache.cpp.)
uint64 ExecGenericPlan_Unsafe(const char *sql, int nargs, const Oid *argtypes, Datum *values,
                              const char *nulls, bool read_only, long count);

} // namespace shopsync
