#!/usr/bin/env bash
# test/retention/run.sh — retention on a schedule: pg_cron (Debian
# postgresql-15-cron, scripts/install-deps.sh) in a private cluster, the
# schedule README's Operations section gives, run for real; the job's run is
# in cron.job_run_details and its per-shop report in shopsync.purge_removed.
# pg_cron 1.4 schedules by the minute: the test moves README's daily job to
# "every minute" and waits for it (at most about a minute).
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgcluster.sh
pgcluster_start
# pg_cron is loaded at server start and runs its jobs in one database.
cat >>"$PGCLUSTER_DIR/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = '$PGDATABASE'
cron.use_background_workers = on
max_worker_processes = 20
CONF
pgcluster_restart
pgcluster_install_shopsync
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_cron" >/dev/null

fail() { echo "not ok - $*"; exit 1; }
pass() { echo "ok - $*"; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }

# A shop with a tombstone and log entries past their windows.
q "INSERT INTO shopsync.shops (id, name) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Shop A');
   INSERT INTO shopsync.customers (id, shop_id, name)
   VALUES ('c0000000-0000-0000-0000-000000000001', 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Old');
   DELETE FROM shopsync.customers WHERE id = 'c0000000-0000-0000-0000-000000000001';
   SET session_replication_role = replica;  -- aged behind the triggers' back
   UPDATE shopsync.customers SET deleted_at = now() - interval '100 days';
   UPDATE shopsync.change_log SET changed_at = now() - interval '100 days';" >/dev/null

# The schedule exactly as README writes it.
schedule="$(grep -o "SELECT cron.schedule('shopsync-retention'[^\`]*" README.md | head -1)"
[ -n "$schedule" ] || fail "README gives a cron.schedule line for shopsync.purge()"
job="$(q "$schedule")"
[ "$(q "SELECT command FROM cron.job WHERE jobid = $job")" = "SELECT shopsync.purge()" ] ||
    fail "the README schedule runs SELECT shopsync.purge()"
pass "README's schedule is accepted by pg_cron (job $job)"
q "SELECT cron.alter_job($job, schedule => '* * * * *')" >/dev/null

status=""
for _ in $(seq 1 80); do
    status="$(q "SELECT status FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed') LIMIT 1")"
    [ -n "$status" ] && break
    sleep 1
done
[ "$status" = "succeeded" ] ||
    fail "the job ran and succeeded (status '$status': $(q "SELECT return_message FROM cron.job_run_details WHERE jobid = $job"))"
pass "pg_cron ran shopsync.purge() (cron.job_run_details: succeeded)"

report="$(q "SELECT string_agg(what || '=' || removed, ',' ORDER BY what) FROM shopsync.purge_removed
             WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'")"
[ "$report" = "change_log=2,customers=1" ] || fail "the run's per-shop report (got '$report')"
pass "the scheduled run kept what it removed per shop: $report"
[ "$(q "SELECT count(*) FROM shopsync.purge_runs WHERE finished_at IS NOT NULL")" -ge 1 ] ||
    fail "the run is recorded with its end"
pass "the run is recorded in shopsync.purge_runs"
[ "$(q "SELECT count(*) FROM shopsync.customers")" = "0" ] || fail "the old tombstone is gone"
pass "the tombstone past its window is gone"
q "SELECT cron.unschedule($job)" >/dev/null
echo "retention: all passed"
