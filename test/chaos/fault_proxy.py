"""test/chaos/fault_proxy.py — the network between one chaos device and the
gateway: an HTTP/1.1 proxy on loopback whose faults the generator plans, so a
seed replays the same faults. Per request it can
  - cut the connection before forwarding (a reset: the server never saw it),
  - forward, wait for the whole answer (the server has committed), then cut
    the connection without sending it (a lost answer),
  - be offline (every connection is cut at once),
  - swap the request's access token for the same token already expired
    (a token that expires between two calls of one sync round),
and it always shrinks pull pages (limit) so pulls take several pages.
For the checker's self-test it can skip a pull page (bump the next pull's cursor).
"""
import re
import socket
import threading


def _read_message(sock, buffer):
    """One HTTP/1.1 message (headers + Content-Length body) from sock; returns (message, rest)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def _route(request):
    """'push', 'pull', 'refresh', 'login', 'snapshot' or 'other' for a request's first line."""
    line = request.split(b"\r\n", 1)[0].decode("latin-1")
    for word, name in (("/sync/push", "push"), ("/sync/pull", "pull"), ("/auth/refresh", "refresh"),
                       ("/auth/login", "login"), ("snapshot", "snapshot")):
        if word in line:
            return name
    return "other"


class FaultProxy:
    def __init__(self, upstream_port, page_limit=7):
        self.upstream_port = upstream_port
        self.page_limit = page_limit
        self.lock = threading.Lock()
        self.plan = []          # [(route, 'drop' | 'reset')], applied to the first matching requests in order
        self.offline = False
        self.skip_pull = 0      # self-test only: the next pull's cursor moves on by this many
        self.expire = None      # token -> the same token expired (for the 'expire' action)
        self.events = []        # what the proxy did, for the step log
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, route, action):
        with self.lock:
            self.plan.append((route, action))

    def disarm(self):
        with self.lock:
            left, self.plan = self.plan, []
            return left

    def _take(self, route):
        with self.lock:
            for i, (r, action) in enumerate(self.plan):
                if r == route or r == "any":
                    del self.plan[i]
                    self.events.append(f"{action} {route}")
                    return action
        return None

    def _rewrite(self, request):
        first, sep, rest = request.partition(b"\r\n")
        line = first.decode("latin-1")
        if " /sync/pull?" not in line:
            return request
        line = re.sub(r"limit=\d+", f"limit={self.page_limit}", line)
        with self.lock:
            skip, self.skip_pull = self.skip_pull, 0
        if skip:
            line = re.sub(r"cursor=(\d+)", lambda m: f"cursor={int(m.group(1)) + skip}", line)
            self.events.append(f"skipped {skip} changes of a pull")
        return line.encode("latin-1") + sep + rest

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = None
        pending = b""
        try:
            if self.offline:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
            while True:
                request, pending = _read_message(client, pending)
                if request is None or self.offline:
                    return
                action = self._take(_route(request))
                if action == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    return
                if action == "expire" and self.expire:
                    request = re.sub(rb"(?i)(authorization: bearer )(\S+)",
                                     lambda m: m.group(1) + self.expire(m.group(2).decode()).encode(), request)
                upstream.sendall(self._rewrite(request))
                response, _ = _read_message(upstream, b"")
                if response is None or action == "drop":
                    return  # the server answered (and committed); the device never hears of it
                client.sendall(response)
        except OSError:
            return
        finally:
            client.close()
            if upstream is not None:
                upstream.close()

    def close(self):
        self.listener.close()
