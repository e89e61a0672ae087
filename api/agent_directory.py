"""GET /api/v1/agents/directory: the colleagues an agent can transfer a conversation to.

Every logged-in agent may read it (GET /api/v1/agents is for supervisors: it carries
user names and the management fields); this carries only what the console's 转接
dialog shows: who, whether online, and how much room they have.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from api.agent_auth import agent_session
from handoff import agents

router = APIRouter(tags=["agents"])
DIRECTORY_FIELDS = ("id", "display_name", "role", "online", "active", "capacity", "load")


@router.get("/agents/directory", dependencies=[Depends(agent_session)])
async def directory() -> dict:
    """Active agents with their presence and load, for a transfer."""
    everyone = await run_in_threadpool(agents.list_agents)
    return {"items": [{field: getattr(a, field) for field in DIRECTORY_FIELDS} for a in everyone if a.active]}
