"""A small stand-in for WeChat's API servers (which cannot be reached from here):
``/cgi-bin/token`` and ``/cgi-bin/message/custom/send`` on 127.0.0.1, recording every
customer-service message it receives so tests can assert on what was sent.

It checks what the real API checks that matters to the sender: the AppID and secret,
and that the access token is the current one (``expire_token`` makes it stale, as
WeChat's 2-hour expiry would: the next send gets 42001).  ``refuse_next`` scripts
error codes for the next sends (45015, -1 …).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass(frozen=True)
class Received:
    touser: str
    msgtype: str
    content: str
    access_token: str


class FakeWeChatApi:
    def __init__(self, app_id: str, app_secret: str, port: int = 0):
        self.app_id, self.app_secret = app_id, app_secret
        self.sent: list[Received] = []
        self.token_requests = 0
        self.refusals: list[int] = []
        self._token_number = 0
        self._current_token: str | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeWeChatApi":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def expire_token(self) -> None:
        with self._lock:
            self._current_token = None

    def refuse_next(self, *errcodes: int) -> None:
        with self._lock:
            self.refusals.extend(errcodes)

    def sent_to(self, open_id: str) -> list[Received]:
        with self._lock:
            return [m for m in self.sent if m.touser == open_id]

    def _issue_token(self, query: dict) -> dict:
        if (query.get("appid"), query.get("secret"), query.get("grant_type")) != (
                self.app_id, self.app_secret, "client_credential"):
            return {"errcode": 40013, "errmsg": "invalid appid"}
        with self._lock:
            self.token_requests += 1
            self._token_number += 1
            self._current_token = f"token-{self._token_number}"
            return {"access_token": self._current_token, "expires_in": 7200}

    def _send(self, query: dict, body: bytes) -> dict:
        token = query.get("access_token")
        with self._lock:
            if token != self._current_token:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if self.refusals:
                return {"errcode": self.refusals.pop(0), "errmsg": "scripted refusal"}
            message = json.loads(body.decode("utf-8"))
            self.sent.append(Received(message["touser"], message["msgtype"], message["text"]["content"], token))
            return {"errcode": 0, "errmsg": "ok"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, result: dict) -> None:
                data = json.dumps(result).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _query(self) -> dict:
                return {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}

            def do_GET(self) -> None:  # noqa: N802
                if urlparse(self.path).path == "/cgi-bin/token":
                    self._answer(api._issue_token(self._query()))
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if urlparse(self.path).path == "/cgi-bin/message/custom/send":
                    self._answer(api._send(self._query(), body))
                else:
                    self.send_error(404)

            def log_message(self, *args) -> None:
                pass

        return Handler
