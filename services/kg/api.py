"""HTTP routes for the knowledge graph (the gateway mounts ``router`` at ``/api/v1/kg``).

Thin by design: each route calls :mod:`services.kg.service` and returns its dict.
Errors are ``ServiceError``s (404 unknown topic, 422 bad query), rendered by the
gateway as ``{"error": {code, message, message_zh}}``.  No token: the content is
public FAQ material, no personal data.
"""
from __future__ import annotations

from fastapi import APIRouter

from services.kg import service

router = APIRouter(tags=["knowledge graph"])


@router.get("/search")
def search(q: str = "", k: int = 5, province: str | None = None) -> dict:
    return service.search(q, k, province)


@router.get("/topics/{slug}")
def topic(slug: str) -> dict:
    return service.topic_subgraph(slug)


@router.get("/topics/{slug}/facts")
def facts(slug: str, aspect: str, province: str | None = None) -> dict:
    return service.topic_facts(slug, aspect, province)


@router.get("/topics/{slug}/followup")
def followup(slug: str, q: str = "", province: str | None = None) -> dict:
    return service.followup(slug, q, province)
