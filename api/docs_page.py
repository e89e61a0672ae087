"""/docs: the gateway's API reference (Swagger UI over /openapi.json), served by the
gateway itself.

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an inline
script: the page's Content-Security-Policy blocks both, and there is no network at run
time anyway.  Here the Swagger UI files come from the ``fastapi-offline`` package in the
venv (its ``static`` directory: Swagger UI 5, which reads FastAPI's OpenAPI 3.1), the
page and its start-up script from api/web/docs/, and the CSP allows scripts from the
gateway only.  Only the files in ASSETS are served.  (FastAPI's ReDoc page, which has
the same CDN problem, is switched off.)
"""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse

from services.errors import NotFound

router = APIRouter()
PAGE_DIR = Path(__file__).resolve().parent / "web" / "docs"
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": (SWAGGER_DIR, "text/javascript; charset=utf-8"),
    "swagger-ui.css": (SWAGGER_DIR, "text/css; charset=utf-8"),
    "favicon.png": (SWAGGER_DIR, "image/png"),
    "init.js": (PAGE_DIR, "text/javascript; charset=utf-8"),
}
# Swagger UI sets style attributes from script (hence 'unsafe-inline' for styles only) and
# draws its icons as data: images; it fetches /openapi.json and, on "Try it out", the API.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _file(path: Path, media_type: str) -> FileResponse:
    return FileResponse(path, media_type=media_type, headers={"Content-Security-Policy": CSP})


@router.get("/docs", include_in_schema=False)
async def docs_page() -> FileResponse:
    return _file(PAGE_DIR / "index.html", "text/html; charset=utf-8")


@router.get("/docs/{name}", include_in_schema=False)
async def docs_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise NotFound("not_found", "No such file.", "请求的地址不存在")
    directory, media_type = ASSETS[name]
    return _file(directory / name, media_type)
