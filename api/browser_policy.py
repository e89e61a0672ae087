"""What browsers are told and allowed: security headers, CORS, WebSocket origins.

One ASGI middleware over the whole gateway, so the pages other branches add (the chat
widget page, the agent console) and their APIs get the same policy without doing anything:

* every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``;
  under ``/api/`` also ``Cache-Control: no-store`` (answers hold personal data);
* framing: ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``, except on the
  embeddable widget page (``EMBEDDABLE_PATHS``), which the configured origins may frame;
* HTML pages get a default Content-Security-Policy (``PAGE_CSP``: scripts, styles,
  images and connections from the gateway itself; no inline script, no plug-ins) unless
  the route set its own;
* WebSocket handshakes from a browser page of another origin are closed (1008) unless
  the origin is configured (``settings.allowed_origins``); CORS answers only those
  origins (starlette's CORSMiddleware, added by :func:`install`).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.settings import Settings

EMBEDDABLE_PATHS = ("/chat",)
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
POLICY_VIOLATION = 1008


def allowed_origins(settings: Settings) -> list[str]:
    return [o.strip().rstrip("/") for o in settings.allowed_origins.split(",") if o.strip()]


def same_origin(origin: str, host_header: str) -> bool:
    """``Origin: http://host:port`` names the host the request was sent to."""
    return bool(origin) and urlsplit(origin).netloc.lower() == host_header.lower()


def embeddable(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in EMBEDDABLE_PATHS)


class BrowserPolicy:
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
            origin = headers.get("origin", "").rstrip("/")
            if origin and not (same_origin(origin, headers.get("host", "")) or origin in self.origins):
                await send({"type": "websocket.close", "code": POLICY_VIOLATION})
                return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add_headers(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, with_headers)

    def _add_headers(self, headers: MutableHeaders, path: str) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        if embeddable(path):
            ancestors = " ".join(["'self'", *self.origins])
        else:
            ancestors = "'none'"
            headers.setdefault("X-Frame-Options", "DENY")
        if "content-security-policy" in headers:
            return
        if headers.get("content-type", "").startswith("text/html"):
            headers["Content-Security-Policy"] = f"{PAGE_CSP}; frame-ancestors {ancestors}"
        else:
            headers["Content-Security-Policy"] = f"default-src 'none'; frame-ancestors {ancestors}"


def install(app: FastAPI, settings: Settings) -> None:
    """Add the policy (and CORS for the configured origins, if any) to ``app``."""
    origins = allowed_origins(settings)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True,
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BrowserPolicy, origins=origins)
