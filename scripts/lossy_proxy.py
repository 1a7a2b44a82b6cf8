"""scripts/lossy_proxy.py — an HTTP proxy on loopback that can lose a
response: with `drop_next_push` set, it forwards the next POST /sync/push to
the gateway, waits for the whole answer (so the server has committed), then
cuts the device's connection without sending it.
"""
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


class LossyProxy:
    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self.drop_next_push = False
        self.dropped = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = socket.create_connection(self.upstream)
        pending = b""
        try:
            while True:
                request, pending = _read_message(client, pending)
                if request is None:
                    return
                upstream.sendall(request)
                response, _ = _read_message(upstream, b"")
                if response is None:
                    return
                if self.drop_next_push and request.startswith(b"POST /sync/push"):
                    self.drop_next_push = False
                    self.dropped += 1
                    return  # the server committed; the device never hears of it
                client.sendall(response)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def close(self):
        self.listener.close()
