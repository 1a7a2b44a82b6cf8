"""test/readme/readme_test.py — README.md's commands, run as written, so the
README cannot rot. Every fenced block with a language is marked in the README:
`<!-- checked: KIND -->` (run here, or by CI for KIND ci) or
`<!-- not checked: why -->`; an unmarked block fails this test.

The only edits before running: the example addresses (127.0.0.1:8080, the
database names yourdb/shop and the socket /var/run/postgresql) become the
private cluster's and a free port's, and `sudo ` is dropped when already root.
Needs the PG* environment of a private cluster without the extension; prints TAP.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
README = open(os.path.join(ROOT, "README.md")).read()
results = []


def ok(condition, name, detail=""):
    results.append(bool(condition))
    print(f"{'ok' if condition else 'not ok'} {len(results)} - {name}", flush=True)
    if not condition and detail:
        for line in detail.strip().splitlines()[-25:]:
            print(f"#   {line}", flush=True)


def blocks():
    """(marker, language, text) for every fenced block that has a language."""
    found = []
    for m in re.finditer(r"(?:<!-- (not checked|checked): ([^>]*?) -->\n)?```(\w+)\n(.*?)```", README, re.S):
        state, kind, language, text = m.groups()
        found.append((state, (kind or "").split(" ")[0], language, text))
    return found


port = socket.socket()
port.bind(("127.0.0.1", 0))
GATEWAY_PORT = port.getsockname()[1]
port.close()
DB = "readme"
WORK = tempfile.mkdtemp(prefix="shopsync-readme-")
for link in ("build", "test", "sql", "Makefile", "extension", "client", "gateway", "scripts", "META.json"):
    os.symlink(os.path.join(ROOT, link), os.path.join(WORK, link))


def adapt(text):
    text = text.replace("127.0.0.1:8080", f"127.0.0.1:{GATEWAY_PORT}").replace("localhost:8080", f"127.0.0.1:{GATEWAY_PORT}")
    text = text.replace("host=/var/run/postgresql dbname=shop",
                        f"host={os.environ['PGHOST']} port={os.environ['PGPORT']} dbname={DB}")
    text = re.sub(r"\byourdb\b", DB, text)
    if os.geteuid() == 0:
        text = re.sub(r"\bsudo ", "", text)
    return text


def run_sh(text, name):
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", adapt(text)], cwd=WORK, capture_output=True, text=True,
                          env=dict(os.environ, PGDATABASE=DB), timeout=600)
    ok(done.returncode == 0, name, done.stdout + done.stderr)


gateway = None
subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"CREATE DATABASE {DB}"], check=True)
all_blocks = blocks()
ok(all(state for state, _, _, _ in all_blocks), "every command block in README.md is marked checked or not checked",
   "\n".join(t[:80] for s, _, _, t in all_blocks if not s))
for state, kind, language, text in all_blocks:
    first = text.strip().splitlines()[0][:60]
    if state != "checked" or kind == "ci":
        continue
    if kind == "sql":
        done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB], input=text, text=True,
                              capture_output=True)
        ok(done.returncode == 0, f"README sql block runs: {first}", done.stdout + done.stderr)
    elif kind == "gateway":  # the server runs in the foreground: start it, wait for /health
        gateway = subprocess.Popen(["bash", "-c", adapt(text).replace("build/shopsync-gateway", "exec build/shopsync-gateway")],
                                   cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        up = False
        for _ in range(100):
            try:
                up = urllib.request.urlopen(f"http://127.0.0.1:{GATEWAY_PORT}/health", timeout=1).status == 200
                break
            except OSError:
                time.sleep(0.05)
        ok(up, f"README gateway block starts the gateway: {first}")
    else:
        run_sh(text, f"README {kind} block runs: {first}")

if gateway:
    gateway.terminate()
    gateway.wait(timeout=10)
shutil.rmtree(WORK)
print(f"1..{len(results)}")
sys.exit(0 if all(results) else 1)
