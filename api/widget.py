"""The customer's web chat widget: /chat (the page) and /chat/embed.js (one script tag
puts a floating chat button on another site, opening /chat in an iframe).

Plain files from api/web/chat/, no build step and no CDN.  Only the files listed in
ASSETS are served, and the page.  Their fixed texts come from api/wording.py: in
index.html each ``{{name}}`` becomes its WIDGET text, HTML-escaped, and ``{{wording}}``
the JSON block chat.js reads them all from (data, not script: the CSP allows no inline
script); in embed.js ``/*{{wording}}*/ {…}`` becomes WIDGET_EMBED.  Every response carries security headers: a Content-Security-Policy
without inline script that lets the page talk only to this gateway, and frame-ancestors
from ``settings.widget_frame_ancestors`` (the sites allowed to embed the chat).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api import wording
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


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=1)
def page_html() -> str:
    """index.html with the widget's texts in place (a KeyError names a placeholder
    api/wording.py lacks)."""
    data = json.dumps(wording.WIDGET, ensure_ascii=False)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # stays data
    values = {**{name: escape(text) for name, text in wording.WIDGET.items() if isinstance(text, str)},
              "wording": data}
    template = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


@router.get("/chat", include_in_schema=False)
async def chat_page(request: Request) -> HTMLResponse:
    headers = security_headers(request.app.state.settings.widget_frame_ancestors)
    return HTMLResponse(page_html(), headers=headers)


_EMBED_WORDING = re.compile(r"/\*\{\{wording\}\}\*/ \{[^}]*\}")


@lru_cache(maxsize=1)
def embed_js() -> str:
    """embed.js with its labels in place."""
    script = (WEB_DIR / "embed.js").read_text(encoding="utf-8")
    return _EMBED_WORDING.sub(lambda _: json.dumps(wording.WIDGET_EMBED, ensure_ascii=False), script, count=1)


@router.get("/chat/{name}", include_in_schema=False)
async def chat_asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        raise NotFound("not_found", "No such file.", "请求的地址不存在")
    if name == "embed.js":
        headers = security_headers(request.app.state.settings.widget_frame_ancestors)
        return Response(embed_js(), media_type=ASSETS[name], headers=headers)
    return _file(request, name, ASSETS[name])
