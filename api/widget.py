"""The customer's web chat widget: /chat (the page) and /chat/embed.js (one script tag
puts a floating chat button on another site, opening /chat in an iframe).

Plain files from api/web/chat/, no build step and no CDN.  Only the files listed in
ASSETS are served.  Every response carries security headers: a Content-Security-Policy
without inline script that lets the page talk only to this gateway, and frame-ancestors
from ``settings.widget_frame_ancestors`` (the sites allowed to embed the chat).
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from services.errors import NotFound

router = APIRouter()
WEB_DIR = Path(__file__).resolve().parent / "web" / "chat"
ASSETS = {
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "embed.js": "text/javascript; charset=utf-8",
    "avatar-bot.svg": "image/svg+xml",
    "avatar-agent.svg": "image/svg+xml",
    "avatar-customer.svg": "image/svg+xml",
}


def security_headers(frame_ancestors: str) -> dict[str, str]:
    policy = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; base-uri 'none'; form-action 'self'; "
              f"frame-ancestors {frame_ancestors}")
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}


def _file(request: Request, name: str, media_type: str) -> FileResponse:
    headers = security_headers(request.app.state.settings.widget_frame_ancestors)
    return FileResponse(WEB_DIR / name, media_type=media_type, headers=headers)


@router.get("/chat", include_in_schema=False)
async def chat_page(request: Request) -> FileResponse:
    return _file(request, "index.html", "text/html; charset=utf-8")


@router.get("/chat/{name}", include_in_schema=False)
async def chat_asset(name: str, request: Request) -> FileResponse:
    if name not in ASSETS:
        raise NotFound("not_found", "No such file.", "请求的地址不存在")
    return _file(request, name, ASSETS[name])
