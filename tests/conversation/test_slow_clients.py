"""Slow clients cannot hold the gateway: 50 connections sending their headers a byte at a
time (slowloris) or their body a byte at a time, and customers are still served; each
slow connection is answered 408 and closed once ``request_read_timeout_s`` has passed
(api/http_protocol.py).  Without that limit uvicorn kept such connections open for as
long as the client liked, until the process ran out of file descriptors."""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from scripts.stack import Stack
from tests.stack import Customer

pytestmark = pytest.mark.conversation
SLOW_CONNECTIONS = 50


class SlowClients:
    """Half send a chat request's headers a byte a second, half send complete headers and
    then the body a byte a second; what each receives is kept."""

    def __init__(self, port: int, count: int) -> None:
        head = f"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        self.sockets: list[socket.socket] = []
        self.pending: list[bytes] = []
        for i in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.setblocking(False)
            if i % 2:  # the body slowly
                sock.sendall(f"{head}Content-Length: 200\r\n\r\n".encode())
                self.pending.append(b'{"text": "' + b"x" * 190)
            else:  # the headers slowly
                self.pending.append((head + "X-Slow: " + "a" * 200).encode())
            self.sockets.append(sock)
        self.received = [b""] * count
        self.closed = [False] * count
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> "SlowClients":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()

    def _trickle(self) -> None:
        while not self._stop.is_set() and not all(self.closed):
            for i, sock in enumerate(self.sockets):
                if self.closed[i]:
                    continue
                try:
                    if self.pending[i]:
                        sock.send(self.pending[i][:1])
                        self.pending[i] = self.pending[i][1:]
                    while chunk := sock.recv(4096):
                        self.received[i] += chunk
                    self.closed[i] = True  # an empty read: the server closed the connection
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed[i] = True
            self._stop.wait(1.0)

    def open_count(self) -> int:
        return self.closed.count(False)


def test_slow_clients_neither_block_customers_nor_stay_connected(stack: Stack, gateway_url: str) -> None:
    timeout_s = stack.settings.request_read_timeout_s
    with SlowClients(stack.settings.gateway_port, SLOW_CONNECTIONS) as slow:
        started = time.monotonic()
        customer = Customer(gateway_url)  # a session and a turn while all of them hang on
        reply = customer.say("你好")
        open_while_served = slow.open_count()
        served_after_s = time.monotonic() - started
        deadline = started + timeout_s + 20
        while slow.open_count() and time.monotonic() < deadline:
            time.sleep(0.5)
    assert reply.get("error") is None and Customer.text_of(reply)
    if served_after_s < timeout_s:  # (on a very loaded machine the turn may outlast them)
        assert open_while_served == SLOW_CONNECTIONS
    assert slow.open_count() == 0, f"{slow.open_count()} slow connections still open after {timeout_s + 20} s"
    for received in slow.received:
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), received[:200]
        assert json.loads(body)["error"]["code"] == "request_timeout"
