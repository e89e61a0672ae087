"""GET /healthz: each component's state; 200 only when every one is up.  Where a cluster
runs several Rasa or action servers, a component is up while one of them answers."""
from __future__ import annotations

import ssl
from functools import lru_cache

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services import db
from services.settings import Settings

router = APIRouter()


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One TLS context (httpx's default trust store) for every probe: without it each new
    client builds its own, loading the CA bundle (about a third of the gateway's CPU per
    chat turn, which probes the action servers: reports/bench.md)."""
    return httpx.create_ssl_context()


async def http_ok(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=3.0, verify=_tls_context()) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


async def any_ok(urls) -> bool:
    for url in urls:
        if await http_ok(url):
            return True
    return False


async def action_servers_up(settings: Settings) -> bool:
    """At least one action server answers.  The turn pipeline asks it before every turn
    (so a form is never half-run into a dead action server) and again beside it (one that
    died during the turn): with the action servers down, Rasa still answers (its default
    fallback, once a form or a custom action fails), and that answer must not pass for the
    bot's."""
    return await any_ok(f"{url}/health" for url in settings.action_servers)


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    components = {
        "gateway": "up",
        "database": "up" if await run_in_threadpool(db.is_up) else "down",
        "rasa": "up" if await request.app.state.rasa.is_ready() else "down",
        "action_server": "up" if await action_servers_up(settings) else "down",
        "services": "up" if await http_ok(f"{settings.services_url}/healthz") else "down",
    }
    for name, check in request.app.state.extra_health_checks.items():
        components[name] = "up" if await run_in_threadpool(check) else "down"
    healthy = all(state == "up" for state in components.values())
    return JSONResponse(
        status_code=200 if healthy else 503,
        content={"status": "ok" if healthy else "degraded", "components": components},
    )
