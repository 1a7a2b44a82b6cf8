#!/usr/bin/env bash
# bench/push_pull/rls_cost.sh — what RLS's membership test costs a client that
# reads the tables directly (PostgREST's table routes), on a pull-shaped read
# (100 change_log entries after a cursor) and a snapshot-shaped read (500
# customers after an id), in one run: the 0.2.0 policy
#   shop_id = (SELECT shopsync.current_member_shop_id())
# against 0.1.0's claim-only policy, alternating, same data, same cluster.
# (api.sync_pull / api.sync_snapshot run as the extension's owner and filter by
# shop themselves, so the policy does not touch them.)
# Expects the cluster and extension bench/push_pull/run.sh set up; writes
# bench/results/rls_membership.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHOP=e0e0e0e0-0000-0000-0000-000000000000
USER_ID=e1e1e1e1-0000-0000-0000-000000000001
SECONDS_PER_RUN=${RLS_BENCH_SECONDS:-2}
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

q <<SQL
INSERT INTO shopsync.shops (id, name) VALUES ('$SHOP', 'rls bench');
INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES ('$SHOP', '$USER_ID', 'staff');
INSERT INTO shopsync.shop_members (shop_id, user_id, role)
SELECT '$SHOP', gen_random_uuid(), 'staff' FROM generate_series(1, 200);
INSERT INTO shopsync.customers (shop_id, id, name)
SELECT '$SHOP', md5(i::text)::uuid, 'customer ' || i FROM generate_series(1, 100000) i;
ANALYZE;
SQL
last=$(q -c "SELECT last_seq FROM shopsync.shop_cursors WHERE shop_id = '$SHOP'")
dir=$(mktemp -d /tmp/shopsync-rlsbench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
claims="{\"sub\":\"$USER_ID\",\"shop_id\":\"$SHOP\",\"role\":\"authenticated\"}"
cat >"$dir/pull.sql" <<SQL
\set c random(0, $((last - 100)))
BEGIN;
SELECT set_config('request.jwt.claims', '$claims', true);
SET LOCAL ROLE authenticated;
SELECT count(*) FROM (SELECT * FROM shopsync.change_log WHERE seq > :c ORDER BY seq LIMIT 100) p;
COMMIT;
SQL
cat >"$dir/snapshot.sql" <<SQL
\set r random(1, 100000)
BEGIN;
SELECT set_config('request.jwt.claims', '$claims', true);
SET LOCAL ROLE authenticated;
SELECT length(json_agg(t)::text) FROM (SELECT * FROM shopsync.customers WHERE id > md5(:r::text)::uuid ORDER BY id LIMIT 500) t;
COMMIT;
SQL

set_policy() { # member | claim
    local fn=current_member_shop_id
    [ "$1" = claim ] && fn=current_shop_id
    q -c "ALTER POLICY shopsync_shop_isolation ON shopsync.change_log USING (shop_id = (SELECT shopsync.$fn())) WITH CHECK (shop_id = (SELECT shopsync.$fn()));
          ALTER POLICY shopsync_shop_isolation ON shopsync.customers USING (shop_id = (SELECT shopsync.$fn())) WITH CHECK (shop_id = (SELECT shopsync.$fn()));"
}
tps() { pgbench -n -c 2 -j 2 -T "$SECONDS_PER_RUN" -f "$dir/$1.sql" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }

# Short alternating rounds; the ratio of each round is taken, and the median
# of those ratios reported, so a burst of load from elsewhere skews one round only.
ROUNDS=${RLS_BENCH_ROUNDS:-7}
: >"$dir/rounds"
for round in $(seq 1 "$ROUNDS"); do
    for read in pull snapshot; do
        set_policy claim
        c=$(tps "$read")
        set_policy member
        m=$(tps "$read")
        echo "$read $c $m" >>"$dir/rounds"
        echo "round $round, $read: claim only $c, membership $m reads/s"
    done
done
set_policy member

# The policy's own cost, free of the machine's noise: one backend evaluates
# each policy function 200,000 times (what one statement pays once).
call_us() {
    local best=999999 t
    for _ in 1 2 3; do
        t=$(q -c "SELECT set_config('request.jwt.claims', '$claims', false)" -c '\timing on' \
              -c "SELECT count(shopsync.$1()) FROM generate_series(1, 200000)" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
        best=$(python3 -c "print(min($best, $t))")
    done
    python3 -c "print($best * 1000 / 200000)"
}
claim_us=$(call_us current_shop_id)
member_us=$(call_us current_member_shop_id)
echo "per statement: claim $claim_us µs, claim + membership $member_us µs"

python3 - "$dir/rounds" "$claim_us" "$member_us" <<'PY'
import json, statistics, sys
rounds = [l.split() for l in open(sys.argv[1])]
claim_us, member_us = float(sys.argv[2]), float(sys.argv[3])
def summary(read):
    rs = [(float(c), float(m)) for r, c, m in rounds if r == read]
    return (statistics.median(c for c, _ in rs), statistics.median(m for _, m in rs),
            statistics.median(m / c for c, m in rs))
table = ["| direct read under RLS | claim only (0.1.0) reads/s | claim + membership (0.2.0) reads/s | ratio (median of rounds) | cost |",
         "|---|---:|---:|---:|---:|"]
out = {"reads": []}
for read, name in (("pull", "pull (100 log entries after a cursor)"), ("snapshot", "snapshot (500 customers after an id)")):
    claim, member, ratio = summary(read)
    table.append(f"| {name} | {claim:.0f} | {member:.0f} | {ratio:.3f} | {100 * (1 - ratio):.1f}% |")
    out["reads"].append({"read": name, "claim_only_per_s": claim, "membership_per_s": member, "ratio": ratio})
extra = member_us - claim_us
out["policy_us_per_statement"] = {"claim_only": claim_us, "membership": member_us, "added": extra}
for r in out["reads"]:
    per_read_us = 1e6 * 2 / r["membership_per_s"]  # two clients
    r["membership_share_of_read"] = extra / per_read_us
table.append("")
table.append(f"The membership test adds {extra:.2f} µs per statement ({claim_us:.2f} → {member_us:.2f} µs, "
             f"one backend, best of 3 × 200,000 calls): "
             + ", ".join(f"{100 * r['membership_share_of_read']:.2f}% of a {r['read'].split(' ')[0]} read" for r in out["reads"])
             + ". The reads/s columns carry the machine's noise.")
out["table_md"] = "\n".join(table)
json.dump(out, open("bench/results/rls_membership.json", "w"), indent=2)
print(out["table_md"])
PY
