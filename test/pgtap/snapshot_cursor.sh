#!/usr/bin/env bash
# test/pgtap/snapshot_cursor.sh — a snapshot page and its cursor see the same
# moment: a change that commits while the page is being served is either in
# the page's rows or after its cursor (so the pull that follows brings it),
# never counted in the cursor but missing from the rows. Needs a second
# session committing in the middle of the first one's statement, which a
# pgTAP file cannot do. Prints TAP; expects test/pgtap/run.sh's cluster.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
SHOP=eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee
OWNER=eeeeeeee-0000-0000-0000-000000000001
CLAIMS="{\"sub\":\"$OWNER\",\"shop_id\":\"$SHOP\",\"role\":\"authenticated\"}"
echo "1..2"
q -c "INSERT INTO shopsync.shops (id, name) VALUES ('$SHOP', 'Snapshot shop');
      INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES ('$SHOP', '$OWNER', 'owner');
      INSERT INTO shopsync.customers (shop_id, name) VALUES ('$SHOP', 'before')" >/dev/null

# Session 1: one statement whose snapshot is taken, then sleeps (while its
# argument is computed), then serves the page. Session 2 commits a customer during the sleep.
page_file="$(mktemp)"
trap 'rm -f "$page_file"' EXIT
q >"$page_file" <<SQL &
BEGIN;
SELECT set_config('request.jwt.claims', '$CLAIMS', true);
SET LOCAL ROLE authenticated;
SELECT api.sync_snapshot('customers' || left(pg_sleep(1.5)::text, 0));
COMMIT;
SQL
reader=$!
sleep 0.5
q -c "INSERT INTO shopsync.customers (shop_id, name) VALUES ('$SHOP', 'during')" >/dev/null
wait "$reader"
page="$(grep "^{\"entity\"" "$page_file")"
during_seq=$(q -c "SELECT max(seq) FROM shopsync.change_log WHERE shop_id = '$SHOP'")
cursor=$(echo "$page" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])' 2>/dev/null)
has_during=$(echo "$page" | python3 -c 'import json,sys; print(any(r["name"] == "during" for r in json.load(sys.stdin)["rows"]))' 2>/dev/null)
[ -n "$cursor" ]
ok $? "the page came back (cursor $cursor; the concurrent change is seq $during_seq)"
if [ "$has_during" = True ] || { [ -n "$cursor" ] && [ "$cursor" -lt "$during_seq" ]; }; then r=0; else r=1; fi
ok $r "a change committed while the page was served is in its rows or after its cursor (in rows: $has_during, cursor $cursor, change seq $during_seq)"
exit $fail
