#!/usr/bin/env bash
# test/demo/run.sh — make demo's story ends in "converged", and the demo leaves
# nothing behind: no temp directory, no server, gateway or device process —
# neither after a full run nor after Ctrl-C in the middle.
# It looks only at what the demo started: the demo runs in a session of its
# own (setsid) with its temp files under a private SHOPSYNC_TMPDIR, so other
# clusters, gateways or test runs on the machine are never counted.
set -uo pipefail
cd "$(dirname "$0")/../.."

TMPROOT="$(mktemp -d /tmp/shopsync-demotest.XXXXXX)"
chmod 755 "$TMPROOT" # the cluster's server runs as an unprivileged user
export SHOPSYNC_TMPDIR="$TMPROOT"
LOG="$TMPROOT.log"
trap 'rm -rf "$TMPROOT" "$LOG"' EXIT

# What the demo of session $1 left: processes of its session, PostgreSQL
# servers whose data directory is under our root (pg_ctl puts the server in a
# session of its own), and anything in our temp root.
leftovers() {
    ps -eo pid=,sid=,args= | awk -v sid="$1" -v root="$TMPROOT" \
        '$2 == sid || index($0, root) { $2 = ""; print }' | grep -v " awk " || true
    ls -A "$TMPROOT"
}

status=0
# The detector itself: a planted process of a session and a planted file are seen.
setsid sleep 30 &
planted=$!
touch "$TMPROOT/planted"
sleep 0.2
left="$(leftovers "$planted")"
if grep -q "sleep 30" <<<"$left" && grep -q planted <<<"$left"; then
    echo "ok - the leftover check sees a process of the demo's session and a file in its temp root"
else
    echo "not ok - the leftover check misses planted leftovers"; status=1
fi
kill "$planted"; wait "$planted" 2>/dev/null; rm -f "$TMPROOT/planted"

setsid bash scripts/demo.sh >"$LOG" 2>&1 &
demo=$!
# While the story runs, the address it printed serves the dashboard.
dashboard=""
for _ in $(seq 1200); do
    dashboard="$(grep -o 'dashboard on http://[0-9.:]*/' "$LOG" | cut -d' ' -f3)" || true
    [ -n "$dashboard" ] || ! kill -0 "$demo" 2>/dev/null || { sleep 0.1; continue; }
    break
done
if [ -n "$dashboard" ] && curl -sf "$dashboard" | grep -q "<title>ShopSync dashboard</title>"; then
    echo "ok - make demo prints the dashboard's address and the gateway serves it there"
else
    echo "not ok - make demo prints the dashboard's address and the gateway serves it there (${dashboard:-none printed})"; status=1
fi
wait "$demo"
rc=$?
cat "$LOG"
if [ $rc -eq 0 ] && [ "$(tail -1 "$LOG")" = converged ]; then
    echo "ok - make demo ends with 'converged' and exit 0"
else
    echo "not ok - make demo ends with 'converged' and exit 0 (exit $rc)"; status=1
fi
sleep 0.5
left="$(leftovers "$demo")"
if [ -z "$left" ]; then
    echo "ok - nothing is left behind after a full run"
else
    echo "not ok - left behind after a full run:"; echo "$left"; status=1
fi

# Ctrl-C in the middle of the story: SIGINT to the demo's process group.
setsid bash scripts/demo.sh >"$LOG" 2>&1 &
demo=$!
for _ in $(seq 200); do grep -q "^── 2\." "$LOG" && break; sleep 0.05; done
kill -INT -- -"$demo"
wait "$demo"
rc=$?
sleep 0.5
left="$(leftovers "$demo")"
if [ $rc -ne 0 ] && [ -z "$left" ]; then
    echo "ok - Ctrl-C mid-story stops the demo (exit $rc) and leaves nothing behind"
else
    echo "not ok - Ctrl-C mid-story (exit $rc) left:"; echo "$left"; status=1
fi
exit $status
