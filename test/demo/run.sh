#!/usr/bin/env bash
# test/demo/run.sh — make demo's story ends in "converged", and the demo leaves
# nothing behind: no temp directory, no server, gateway or device process —
# neither after a full run nor after Ctrl-C in the middle.
set -uo pipefail
cd "$(dirname "$0")/../.."

leftovers() { # temp dirs and processes the demo may start
    ls -d /tmp/shopsync-pg.* /tmp/shopsync-demo.* 2>/dev/null | sort
    pgrep -f "build/shopsync-gateway|build/shopsync-device|postgres -D /tmp/shopsync-pg" | sort
}

status=0
before="$(leftovers)"
out="$(bash scripts/demo.sh 2>&1)"
rc=$?
echo "$out"
if [ $rc -eq 0 ] && [ "$(echo "$out" | tail -1)" = converged ]; then
    echo "ok - make demo ends with 'converged' and exit 0"
else
    echo "not ok - make demo ends with 'converged' and exit 0 (exit $rc)"; status=1
fi
sleep 0.5
if [ "$(leftovers)" = "$before" ]; then
    echo "ok - nothing is left behind after a full run"
else
    echo "not ok - left behind after a full run:"; diff <(echo "$before") <(leftovers); status=1
fi

# Ctrl-C in the middle of the story: SIGINT to the demo's process group.
setsid bash scripts/demo.sh >/tmp/shopsync-demo-interrupted.log 2>&1 &
demo=$!
for _ in $(seq 200); do grep -q "^── 2\." /tmp/shopsync-demo-interrupted.log && break; sleep 0.05; done
kill -INT -- -"$demo"
wait "$demo"
rc=$?
sleep 0.5
if [ $rc -ne 0 ] && [ "$(leftovers)" = "$before" ]; then
    echo "ok - Ctrl-C mid-story stops the demo (exit $rc) and leaves nothing behind"
else
    echo "not ok - Ctrl-C mid-story (exit $rc) left:"; diff <(echo "$before") <(leftovers); status=1
fi
rm -f /tmp/shopsync-demo-interrupted.log
exit $status
