"""The gateway: the one public HTTP entry point of PowerDesk.

It owns the channels, the chat protocol and the routing between the bot and human
agents.  The services with personal data (billing …) are not here: they listen on
their own loopback port (services/app.py) where the action server reaches them.  Of
the services, only the knowledge graph's public FAQ routes are mounted here, under
/api/v1/kg, for integrators.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import (agent_console, agent_directory, agents, browser_policy, chat, conversation, handoffs, health, nlu,
                 push, sessions, voice, widget)
from api import docs_page
from api.delivery import RecordingSender, run_delivery
from api.errors import install_error_handlers
from api.push import WebConnections
from api.rasa_client import RasaClient
from api.request_limits import RequestLimits
from api.throttle import Throttle
from api.wechat import once as wechat_once
from api.wechat.endpoint import router as wechat_router
from api.wechat.sender import wechat_sender
from services.access_log import install_access_log_masking
from services.channels import VOICE, WEB, WECHAT
from services.kg.api import router as kg_router
from services.kg import service as kg_service
from services import logsafe
from services.secret_files import refuse_dev_secrets
from services.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    refuse_dev_secrets(settings, settings.gateway_host)  # the public dev secrets only on loopback

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_access_log_masking()
        logsafe.install()
        app.state.rasa = RasaClient(settings.rasa_servers, settings.rasa_timeout_s, settings.rasa_token)
        # Load the FAQ retriever now, not on a customer's first question.
        await run_in_threadpool(kg_service.get_retriever)
        delivery = asyncio.create_task(run_delivery(app.state.senders, app.state.outbox_wake))
        yield
        await wechat_once.finish_running()  # late WeChat replies reach the outbox
        delivery.cancel()
        await app.state.rasa.close()

    # /docs from the gateway's own files (api/docs_page.py), not FastAPI's CDN pages.
    app = FastAPI(title="PowerDesk gateway", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    # The outbox's senders: the widget's open sockets; WeChat's customer-service API and
    # the voice call are not reachable from here, so they record until configured.
    app.state.web_connections = WebConnections()
    app.state.senders = {WEB: app.state.web_connections, WECHAT: wechat_sender(settings), VOICE: RecordingSender()}
    app.state.outbox_wake = asyncio.Event()  # set it after enqueueing to deliver at once
    app.state.extra_health_checks: dict[str, Callable[[], bool]] = {"knowledge_graph": kg_service.is_loaded}
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(sessions.router, prefix="/api/v1")
    app.include_router(chat.router, prefix="/api/v1")
    app.include_router(push.router, prefix="/api/v1")
    app.include_router(nlu.router, prefix="/api/v1")
    app.include_router(voice.router, prefix="/api/v1")
    app.include_router(agents.router, prefix="/api/v1")  # human handoff: agents and their queue
    app.include_router(handoffs.router, prefix="/api/v1")
    app.include_router(kg_router, prefix="/api/v1/kg", tags=["knowledge graph"])
    app.include_router(conversation.router, prefix="/api/v1")
    app.include_router(widget.router)
    app.include_router(docs_page.router)  # /docs: Swagger UI, no CDN
    app.include_router(wechat_router)  # /wechat: the Official Account's server URL
    app.include_router(agent_directory.router, prefix="/api/v1")  # colleagues to transfer to
    agent_console.install(app)  # /agent: the agents' console (static pages)
    # Hardening for every route (docs/security.md); the last added runs first:
    # browser policy → request limits → rate limits → the route.
    app.add_middleware(Throttle, settings=settings)
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes)
    browser_policy.install(app, settings)
    return app


logsafe.install()  # one escaped line per record (and httpx's per-call lines off): customers' words cannot forge log lines
app = create_app()
