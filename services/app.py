"""The services' own HTTP process: billing, knowledge graph (and the services that
join them), on an internal loopback port (settings.services_url, 127.0.0.1:8001 by
default), never the public one.

The action server reaches every service here with the service token; the gateway
mounts only the knowledge-graph router on the public port (FAQ material, no personal
data).  ``python -m uvicorn services.app:app`` runs it; `make run` starts it.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.errors import install_error_handlers
from services.access_log import install_access_log_masking
from services import logsafe
from services.kg import service as kg_service
from services.secret_files import refuse_dev_secrets
from services.settings import Settings, get_settings


def include_services(app: FastAPI, prefix: str = "") -> None:
    """Mount every service router under ``prefix``."""
    from services.billing.api import router as billing_router
    from services.conversations.api import router as conversations_router
    from services.forecasting.api import router as forecast_router
    from services.handoff_api import router as handoff_router
    from services.kg.api import router as kg_router
    from services.outage.api import router as outage_router

    app.include_router(billing_router, prefix=f"{prefix}/billing", tags=["billing"])
    app.include_router(conversations_router, prefix=f"{prefix}/conversations", tags=["conversations"])
    app.include_router(forecast_router, prefix=f"{prefix}/forecast", tags=["forecast"])
    app.include_router(handoff_router, prefix=f"{prefix}/handoff", tags=["handoff"])
    app.include_router(kg_router, prefix=f"{prefix}/kg", tags=["knowledge graph"])
    app.include_router(outage_router, prefix=f"{prefix}/outage", tags=["outage"])


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    refuse_dev_secrets(settings, urlparse(settings.services_url).hostname or "")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_access_log_masking()
        logsafe.install()
        await run_in_threadpool(kg_service.get_retriever)  # not on the first question
        yield

    app = FastAPI(title="PowerDesk services (internal)", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    include_services(app)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        loaded = await run_in_threadpool(kg_service.is_loaded)
        return JSONResponse(status_code=200 if loaded else 503,
                            content={"status": "ok" if loaded else "loading", "knowledge_graph": loaded})

    return app


logsafe.install()  # one escaped line per record, as in the gateway
app = create_app()
