"""bench/scaleout/sim.py — load for bench/scaleout/run.sh: an asyncio HTTP/1.1
client of the sync protocol (keep-alive, one connection per simulated
device or worker), light enough for 1,000 devices on one core.

  sim.py push   MEMBERS URLS CONNS SECONDS       -> {"events_per_s": …}
  sim.py pull   MEMBERS URLS CONNS SECONDS ROWS  -> {"changes_per_s": …}
  sim.py fleet  MEMBERS URLS DEVICES SECONDS     -> {"p50_ms", "p99_ms", "syncs", "errors", …}

MEMBERS: lines "user shop"; URLS: comma-separated gateway URLs, connections
spread over them round robin. Tokens are signed here with $JWT_SECRET.
push: batches of 100 creates, one shop per connection. pull: pages of 100
changes of the first member's shop from random cursors below ROWS - 100.
fleet: each device syncs every 15-30 s (push of 1-3 writes, then pulls
until has_more is false); a sync's latency is from its push to its last page.
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import sys
import time
import uuid


def token(user, shop):
    b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
    h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    p = b(json.dumps({"sub": user, "shop_id": shop, "role": "authenticated", "aud": "authenticated",
                      "exp": int(time.time()) + 3600}).encode())
    sig = hmac.new(os.environ["JWT_SECRET"].encode(), f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b(sig)}"


class Http:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, url, bearer):
        self.host, port = url.split("//", 1)[1].split(":")
        self.port, self.bearer = int(port), bearer
        self.reader = self.writer = None

    async def call(self, method, path, body=None):
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            data = json.dumps(body).encode() if body is not None else b""
            head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.bearer}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode()
            try:
                self.writer.write(head + data)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionError("closed")
                length, close = 0, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        close = True
                payload = await self.reader.readexactly(length)
                if close:
                    self.close()
                return int(status_line.split()[1]), json.loads(payload) if payload else None
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise ConnectionError("unreachable")

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def create(name):
    return {"idempotency_key": str(uuid.uuid4()), "entity": "customers", "entity_id": str(uuid.uuid4()),
            "op": "create", "base_version": 0, "payload": {"name": name}}


async def push_worker(http, device, deadline, counts):
    while time.monotonic() < deadline:
        status, body = await http.call("POST", "/sync/push",
                                       {"device_id": device, "events": [create("p") for _ in range(100)]})
        if status == 200 and not body["rejected"]:
            counts["events"] += len(body["accepted"])
        else:
            counts["errors"] += 1


async def pull_worker(http, rows, deadline, counts):
    while time.monotonic() < deadline:
        cursor = random.randrange(0, max(1, rows - 100))
        status, body = await http.call("GET", f"/sync/pull?cursor={cursor}&limit=100")
        if status == 200:
            counts["changes"] += len(body["changes"])
        else:
            counts["errors"] += 1


async def throughput(kind, members, urls, conns, seconds, rows):
    counts = {"events": 0, "changes": 0, "errors": 0}
    https = [Http(urls[i % len(urls)], token(*members[(i if kind == "push" else 0) % len(members)]))
             for i in range(conns)]
    # warm: connections open, plans cached
    await asyncio.gather(*(h.call("GET", "/sync/pull?cursor=0&limit=1") for h in https))
    start = time.monotonic()
    deadline = start + seconds
    if kind == "push":
        await asyncio.gather(*(push_worker(h, f"bench-{i}", deadline, counts) for i, h in enumerate(https)))
    else:
        await asyncio.gather(*(pull_worker(h, rows, deadline, counts) for h in https))
    elapsed = time.monotonic() - start
    for h in https:
        h.close()
    key = "events" if kind == "push" else "changes"
    return {f"{key}_per_s": counts[key] / elapsed, "errors": counts["errors"], "connections": conns,
            "gateways": len(urls)}


async def device(i, member, url, deadline, lat, errors):
    http = Http(url, token(*member))
    name, cursor, mine = f"sim-{i}", 0, []
    await asyncio.sleep(random.uniform(0, 15))  # devices do not start in step
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            events = [create(name) for _ in range(random.randint(1, 3))]
            status, body = await http.call("POST", "/sync/push", {"device_id": name, "events": events})
            if status != 200 or body["rejected"] or body["conflicts"]:
                errors.append(("push", status, str(body)[:200]))
            while True:
                status, body = await http.call("GET", f"/sync/pull?cursor={cursor}&limit=500")
                if status != 200:
                    errors.append(("pull", status, str(body)[:200]))
                    break
                cursor = body["cursor"]
                if not body["has_more"]:
                    break
            lat.append(time.monotonic() - start)
        except Exception as e:  # a refused connection counts as an error, not a crash
            errors.append(("io", 0, repr(e)[:200]))
        await asyncio.sleep(random.uniform(15, 30))
    http.close()


async def fleet(members, urls, devices, seconds):
    lat, errors = [], []
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(device(i, members[i % len(members)], urls[i % len(urls)], deadline, lat, errors)
                           for i in range(devices)))
    lat.sort()
    q = lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None
    return {"devices": devices, "seconds": seconds, "syncs": len(lat), "p50_ms": q(0.50), "p99_ms": q(0.99),
            "max_ms": q(1.0), "errors": len(errors), "first_errors": errors[:5], "gateways": len(urls)}


def main():
    kind, members_file, urls = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    members = [tuple(line.split()[:2]) for line in open(members_file) if line.strip()]
    if kind in ("push", "pull"):
        rows = int(sys.argv[6]) if len(sys.argv) > 6 else 0
        out = asyncio.run(throughput(kind, members, urls, int(sys.argv[4]), float(sys.argv[5]), rows))
    else:
        out = asyncio.run(fleet(members, urls, int(sys.argv[4]), float(sys.argv[5])))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
