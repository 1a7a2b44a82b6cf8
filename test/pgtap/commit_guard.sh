#!/usr/bin/env bash
# test/pgtap/commit_guard.sh — checks that need a real COMMIT, which a pgTAP
# file (one transaction, rolled back) cannot do. Prints TAP. Expects the
# cluster and extension that test/pgtap/run.sh set up.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"

echo "1..4"
q -c "INSERT INTO shopsync.shops (id, name) VALUES ('dddddddd-dddd-dddd-dddd-dddddddddddd', 'Guard shop')" >/dev/null

# A synced write whose change would never reach change_log must not commit.
out=$(q <<'SQL'
BEGIN;
ALTER TABLE shopsync.customers DISABLE TRIGGER zz_shopsync_flush;
INSERT INTO shopsync.customers (shop_id, name) VALUES ('dddddddd-dddd-dddd-dddd-dddddddddddd', 'unlogged');
COMMIT;
SQL
)
echo "$out" | grep -q "were not written to change_log"
ok $? "a commit with unflushed changes fails with a clear error"
count=$(q -c "SELECT count(*) FROM shopsync.customers WHERE name = 'unlogged'")
[ "$count" = 0 ]
ok $? "and nothing of that transaction is kept"
trig=$(q -c "SELECT tgenabled FROM pg_trigger WHERE tgname = 'zz_shopsync_flush' AND tgrelid = 'shopsync.customers'::regclass")
[ "$trig" = O ]
ok $? "the flush trigger is still enabled afterwards"

# Committed writes are logged once, with gapless seqs, across transactions.
for i in 1 2 3; do
    q -c "INSERT INTO shopsync.customers (shop_id, name) VALUES ('dddddddd-dddd-dddd-dddd-dddddddddddd', 'c$i')" >/dev/null
done
seqs=$(q -c "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM shopsync.change_log WHERE shop_id = 'dddddddd-dddd-dddd-dddd-dddddddddddd'")
[ "$seqs" = "1,2,3" ]
ok $? "three committed inserts are logged as seq 1,2,3 (got $seqs)"
exit $fail
