"""test/chaos/harness_test.py — the chaos harness leaves no gateway behind.

A chaos gateway runs in a session of its own (start_new_session: a kill -9 step
must not touch the driver), so nothing reaps it when its driver goes. Two ways
one was left running:
  * World() whose gateway never answered /health: start_gateway raised with the
    process alive, and run_seed had no world to close (it was never assigned);
  * the driver stopped by SIGTERM (a runner's timeout): Python's default action
    ends the process without running the `finally` that closes the world.
Prints TAP; needs the private cluster run.sh starts.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world as world_mod  # noqa: E402

results = []


def ok(condition, name):
    results.append(bool(condition))
    print(f"{'ok' if condition else 'not ok'} {len(results)} - {name}", flush=True)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children_named(parent, name):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            if comm == name and int(rest[1]) == parent:
                out.append(int(entry))
    return out


work = tempfile.mkdtemp(prefix="shopsync-chaos-harness-")

# 1. A gateway that never answers /health: World() fails, and the process is gone.
pidfile = os.path.join(work, "stub.pid")
stub = os.path.join(work, "mute-gateway")
with open(stub, "w") as f:
    f.write(f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 120\n")
os.chmod(stub, 0o755)
world_mod.GATEWAY_BINARY = stub
try:
    world_mod.World(990001, work)
    ok(False, "World() with a gateway that never answers fails")
except RuntimeError:
    ok(True, "World() with a gateway that never answers fails")
pid = int(open(pidfile).read())
ok(not alive(pid), "the gateway that never answered is not left running")
if alive(pid):
    os.kill(pid, signal.SIGKILL)

# 2. The driver stopped by SIGTERM mid-seed: its gateway goes with it.
driver = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "chaos.py"), "--seeds", "990002",
                           "--steps", "400"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
gateways = []
deadline = time.time() + 60
while not gateways and time.time() < deadline and driver.poll() is None:
    time.sleep(0.1)
    gateways = children_named(driver.pid, "shopsync-gatewa")  # comm: 15 characters
ok(gateways, "the chaos driver started its gateway")
driver.send_signal(signal.SIGTERM)
try:
    driver.wait(timeout=30)
except subprocess.TimeoutExpired:
    driver.kill()
    driver.wait()
left = [p for p in gateways if alive(p)]
ok(not left, f"SIGTERM to the driver stops its gateway (left running: {left})")
for p in left:
    os.kill(p, signal.SIGKILL)

print(f"1..{len(results)}")
sys.exit(0 if all(results) else 1)
