"""The services' HTTP routers, mounted in the gateway process in the embedded setup.

The action server reaches them over HTTP (settings.services_url) either way, so a
service can move to its own process without a code change.
"""
from __future__ import annotations

from fastapi import FastAPI


def include_services(app: FastAPI, prefix: str = "") -> None:
    """Mount every service router under ``prefix``."""
    from services.billing.api import router as billing_router
    from services.kg.api import router as kg_router

    app.include_router(billing_router, prefix=f"{prefix}/billing", tags=["billing"])
    app.include_router(kg_router, prefix=f"{prefix}/kg", tags=["knowledge graph"])
