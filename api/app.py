"""The gateway: the one public HTTP entry point of PowerDesk.

It owns the channels, the chat protocol and the routing between the bot and human
agents.  In the embedded setup the services (billing, knowledge graph) are mounted
in this process under /api/v1; the action server reaches them over HTTP either way,
so they can move to their own processes without a code change.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import chat, health, nlu
from api.errors import install_error_handlers
from api.rasa_client import RasaClient
from services.app import include_services
from services.kg import service as kg_service
from services.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s)
        # Load the FAQ retriever now, not on a customer's first question.
        await run_in_threadpool(kg_service.get_retriever)
        yield
        await app.state.rasa.close()

    app = FastAPI(title="PowerDesk gateway", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.extra_health_checks: dict[str, Callable[[], bool]] = {"knowledge_graph": kg_service.is_loaded}
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(chat.router, prefix="/api/v1")
    app.include_router(nlu.router, prefix="/api/v1")
    include_services(app, prefix="/api/v1")
    return app


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
