"""test/lib/gateway_harness.py — shared pieces of the gateway's integration
tests and the hostile-client suite: a gateway process of our own on a free
loopback port, raw sockets, signed tokens, TAP output. Every check is bounded
in time; nothing leaves 127.0.0.1. The binary is $GATEWAY_BINARY.
"""
import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time

import psycopg2

BINARY = os.environ.get("GATEWAY_BINARY", "build/shopsync-gateway")
SECRET = os.environ["JWT_SECRET"]
PG = dict(host=os.environ["PGHOST"], port=os.environ["PGPORT"], dbname=os.environ["PGDATABASE"])
results = []


def ok(condition, name):
    results.append(bool(condition))
    print(f"{'ok' if condition else 'not ok'} {len(results)} - {name}", flush=True)
    return bool(condition)


def finish():
    failed = results.count(False)
    print(f"1..{len(results)}")
    print(f"{len(results) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims, secret=SECRET, alg="HS256"):
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    if alg == "none":
        return f"{header}.{payload}."
    sig = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(sig)}"


def token(user, shop, exp_in=900, secret=SECRET, alg="HS256", **extra):
    """A signed access token; `extra` claims (role=, aud=, …) replace or add to the defaults."""
    claims = {"sub": user, "shop_id": shop, "role": "authenticated", "aud": "authenticated",
              "exp": int(time.time()) + exp_in}
    claims.update(extra)
    return sign(claims, secret, alg)


def admin(sql, *args):
    conn = psycopg2.connect(user="postgres", **PG)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


started = []


@atexit.register
def _stop_all():
    for g in started:
        if g.proc.poll() is None:
            g.proc.kill()
            g.proc.wait()


class Gateway:
    """One gateway process; env overrides its settings (USER_RATE=…, …)."""

    def __init__(self, *args, **env):
        self.port = free_port()
        self.log = open(os.path.join(os.environ.get("PGCLUSTER_DIR", "/tmp"), f"hostile-gw-{self.port}.log"), "w")
        environment = dict(os.environ, JWT_SECRET=SECRET, LISTEN=f"127.0.0.1:{self.port}",
                           DATABASE_URL=f"host={PG['host']} port={PG['port']} dbname={PG['dbname']} user=shopsync_gateway",
                           **{k: str(v) for k, v in env.items()})
        self.proc = subprocess.Popen([BINARY, *args], env=environment, stdout=subprocess.DEVNULL, stderr=self.log)
        started.append(self)
        for _ in range(200):
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gateway did not start")

    def alive(self):
        """The process runs and still answers /health."""
        if self.proc.poll() is not None:
            return False
        try:
            return self.request("GET", "/health", timeout=5)[0] == 200
        except OSError:
            return False

    def request(self, method, path, body=None, bearer=None, raw=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if bearer:
            h["Authorization"] = f"Bearer {bearer}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None and not any(k.lower() == "content-type" for k in h):
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        text = res.read().decode(errors="replace")
        conn.close()
        try:
            return res.status, json.loads(text) if text else None, res
        except json.JSONDecodeError:
            return res.status, text, res

    def raw(self, data, timeout=5, read=65536):
        """Sends raw bytes on a fresh connection; returns what came back (b'' if closed)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(data)
            out = b""
            while len(out) < read:
                chunk = s.recv(read)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out:
                    head, _, rest = out.partition(b"\r\n\r\n")
                    length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                    if length and len(rest) >= int(length[0].split(b":")[1]):
                        break
            return out
        except (socket.timeout, ConnectionResetError):
            return b""
        finally:
            s.close()

    def threads(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        return -1

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def restart_postgres(mode="immediate"):
    """Restarts the private cluster in place (same port); returns when it accepts connections."""
    subprocess.run(["bash", "-c", 'source test/lib/pgcluster.sh && _pgcluster_as_owner "$PG_BINDIR/pg_ctl" '
                    f'-D "$PGCLUSTER_DIR/data" -m {mode} -w restart -l "$PGCLUSTER_DIR/server.log"'],
                   check=True, env=dict(os.environ), stdout=subprocess.DEVNULL)


def open_stream(port, bearer, timeout=5):
    """Opens /sync/events; returns (socket, first bytes of the answer)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bearer}\r\n\r\n".encode())
    try:
        head = s.recv(4096)
    except socket.timeout:
        head = b""
    return s, head


def read_until_closed(sock, seconds):
    """Reads until the peer closes or `seconds` pass; returns (closed, text)."""
    sock.settimeout(0.2)
    text, deadline = b"", time.time() + seconds
    while time.time() < deadline:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            return True, text.decode(errors="replace")
        if not chunk:
            return True, text.decode(errors="replace")
        text += chunk
    return False, text.decode(errors="replace")


class PokeListener(threading.Thread):
    """Reads one event stream (/sync/events) and counts its pokes."""

    def __init__(self, port, bearer, host="127.0.0.1"):
        super().__init__(daemon=True)
        self.sock = socket.create_connection((host, port))
        self.sock.sendall(f"GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bearer}\r\n\r\n".encode())
        self.pokes, self.text, self.closed = 0, "", False
        self.start()

    def run(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            self.text += data.decode()
            self.pokes = self.text.count("event: poke")

    def wait_for(self, pokes, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline and self.pokes < pokes:
            time.sleep(0.01)
        return self.pokes >= pokes
