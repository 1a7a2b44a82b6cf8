#!/usr/bin/env bash
# bench/run_bench.sh — `make bench`: runs every bench/*/run.sh, then writes
# bench/results/latest.json (all results) and bench/results/latest.md (a table).
# Ratios are measured in the same run; absolute figures belong to this machine.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
status=0
for script in bench/*/run.sh; do
    echo "=== $script ==="
    bash "$script" || status=1
done
python3 - <<'PY'
import glob, json, os, platform, subprocess
results = {}
for path in sorted(glob.glob("bench/results/*.json")):
    name = os.path.basename(path)[:-5]
    if name != "latest":
        results[name] = json.load(open(path))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
machine = f"{cpu}, {os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, {platform.system()} {platform.release()}"
json.dump({"machine": machine, "results": results}, open("bench/results/latest.json", "w"), indent=2)
lines = [f"# ShopSync benchmark", "", f"Machine: {machine}", ""]
ext = results.get("extension")
if ext:
    lines += ["## Extension vs the plain-SQL ceiling (bench/push_pull/ceiling.sql) and the PL/pgSQL baseline", "",
              f"Load average during the run: {ext.get('load_average', '?')}", "",
              "| push, batches of 100 | C++ events/s | ceiling events/s | of ceiling | PL/pgSQL events/s | C++/PL/pgSQL |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in ext["push"]:
        lines.append(f"| {r['configuration']} | {r['cxx_events_per_s']:.0f} | {r.get('ceiling_events_per_s', 0):.0f} | "
                     f"{r.get('ratio_to_ceiling', 0):.2f}x | {r['plpgsql_events_per_s']:.0f} | {r['ratio']:.2f}x |")
    lines += ["", "| read, pages of 1000 | extension rows/s | ceiling rows/s | of ceiling |", "|---|---:|---:|---:|"]
    for kind in ("pull", "snapshot"):
        if kind in ext:
            r = ext[kind]
            lines.append(f"| {kind} ({r['rows']} rows) | {r['changes_per_s']:.0f} | {r['ceiling_changes_per_s']:.0f} | "
                         f"{r['ratio_to_ceiling']:.2f}x |")
    lines += [""]
for name, data in results.items():
    if name != "extension" and isinstance(data, dict) and "table_md" in data:
        lines += [f"## {name}", "", data["table_md"], ""]
open("bench/results/latest.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
exit $status
