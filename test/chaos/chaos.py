"""test/chaos/chaos.py — the randomized fault suite's driver.

  chaos.py --seeds 1,2,3 [--steps 60] [--faults reset,kill_gateway,…|all] [--verbose]
  chaos.py --selftest            the checker must catch every planted bug

Each seed gets a database of its own in the private cluster (run.sh starts it),
its own gateway and devices, runs its plan (workload.py), heals, and is checked
(checker.py). A failing seed prints its findings and its step log, for replay
with SEED=n. The last line is "chaos: N seeds, N passed, N failed".
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world as world_mod  # noqa: E402  (also puts scripts/ on the path)
from checker import check  # noqa: E402
from workload import FAULT_KINDS, Run  # noqa: E402

# Fault kinds make test runs: every kind main passes (today all of them). A kind that
# exposes an open defect leaves this list until it is fixed; FAULTS=all still runs it.
DEFAULT_FAULTS = FAULT_KINDS


def parse_faults(text):
    if not text:
        return list(DEFAULT_FAULTS)
    if text == "all":
        return list(FAULT_KINDS)
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        sys.exit(f"chaos: unknown fault kind(s) {unknown}; known: {', '.join(FAULT_KINDS)}")
    return kinds


def run_seed(seed, faults, steps, verbose):
    work = tempfile.mkdtemp(prefix=f"shopsync-chaos-{seed}-")
    world = None
    run = None
    started = time.time()
    try:
        world = world_mod.World(seed, work)
        run = Run(world, seed, faults, steps)
        run.execute()
        observations = run.heal()
        findings = check(run, observations)
    except Exception:
        findings = [("harness", traceback.format_exc())]
    finally:
        if world is not None:
            world.close()
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.time() - started
    kinds = sorted({k for k, _ in findings})
    print(f"seed {seed}: {'PASS' if not findings else 'FAIL (' + ', '.join(kinds) + ')'}"
          f" — {len(run.steps) if run else 0} steps, {len(run.writes) if run else 0} writes, {elapsed:.1f}s",
          flush=True)
    if findings or verbose:
        for kind, detail in findings[:40]:
            print(f"  [{kind}] {detail}")
        if len(findings) > 40:
            print(f"  … {len(findings) - 40} more findings")
        print(f"  step log of seed {seed} (replay: make chaos SEED={seed} FAULTS={','.join(faults)}):")
        for line in (run.lines if run else []):
            print("    " + line)
        sys.stdout.flush()
    return not findings


def _stop(signum, frame):
    # A runner's timeout sends SIGTERM: end through the `finally` that closes the
    # seed's world, since its gateway (own session) outlives this process otherwise.
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--faults", default=os.environ.get("FAULTS", ""))
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    if args.selftest:
        from selftest import selftest
        sys.exit(0 if selftest() else 1)
    faults = parse_faults(args.faults)
    seeds = []
    for part in args.seeds.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds += list(range(int(lo), int(hi) + 1))
        elif part:
            seeds.append(int(part))
    print(f"chaos: seeds {args.seeds}, {args.steps} steps each, faults {', '.join(faults)}", flush=True)
    failed = [s for s in seeds if not run_seed(s, faults, args.steps, args.verbose)]
    print(f"chaos: {len(seeds)} seeds, {len(seeds) - len(failed)} passed, {len(failed)} failed"
          + (f" (seeds {' '.join(map(str, failed))})" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
