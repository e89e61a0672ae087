"""GET /agent: the agent console, a small front end served from the project's own files.

The console is plain HTML, CSS and JavaScript modules under ``api/web/agent/`` (no
build step, nothing fetched from elsewhere).  It talks only to the agents' JSON API
(``/api/v1/agents``, ``/api/v1/handoffs``: handoff/API.md), behind the agent's
server-side session.  Every console response carries headers that forbid inline
script, foreign origins and framing, so a customer's text can never run as code in
an agent's browser even if a rendering bug let it through.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.widget import security_headers

CONSOLE_DIR = Path(__file__).resolve().parent / "web" / "agent"
PREFIX = "/agent"

# The chat widget's policy (scripts, styles, pictures and connections only from this
# origin, no inline script), with no site at all allowed to frame the console.
SECURITY_HEADERS = {
    **security_headers(frame_ancestors="'none'"),
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


@router.get(PREFIX)
async def console_root() -> RedirectResponse:
    """``/agent`` → ``/agent/`` so the page's relative URLs resolve under the prefix."""
    return RedirectResponse(f"{PREFIX}/", status_code=308)


@router.get(f"{PREFIX}/")
async def console_page() -> FileResponse:
    # The page itself is never cached: a new release is picked up on the next load.
    return FileResponse(CONSOLE_DIR / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})


def _is_console(path: str) -> bool:
    return path == PREFIX or path.startswith(f"{PREFIX}/")


class ConsoleHeaders:
    """Adds the console's security headers to every response under /agent.  A plain ASGI
    middleware (not starlette's BaseHTTPMiddleware), so a request body refused while it
    streams in (api/request_limits.py) still reaches the app's error handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_console(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Serve the console under /agent, with its security headers on every response."""
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=CONSOLE_DIR), name="agent-static")
    app.add_middleware(ConsoleHeaders)
