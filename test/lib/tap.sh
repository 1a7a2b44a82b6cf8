# test/lib/tap.sh — TAP from bash, for the shell-driven checks (pgTAP's
# two-session ones, the release check). Source it, print "1..N", call
# ok STATUS "what", end with `exit $fail`. q runs psql on the cluster the
# environment names (PGHOST, PGPORT, PGDATABASE), stopping at the first error.
n=0
fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
