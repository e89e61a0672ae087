"""/api/v1/agents: log-in, log-out, who am I, presence; supervisors manage agents.

Thin: every rule is in handoff/agents.py and handoff/sessions.py (see handoff/API.md).
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api import handoff_flow
from api.agent_auth import CSRF_COOKIE, SESSION_COOKIE, agent_session, supervisor_session
from handoff import agents, events, queue, sessions
from handoff.errors import LoginLocked
from handoff.sessions import OpenSession
from services.settings import get_settings

router = APIRouter(tags=["agents"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StatusRequest(BaseModel):
    online: bool


class NewAgent(BaseModel):
    username: str = Field(min_length=3, max_length=32)
    display_name: str = Field(min_length=1, max_length=32)
    role: Literal["agent", "supervisor"] = "agent"
    capacity: int = Field(default=3, ge=1, le=20)
    password: str | None = Field(default=None, min_length=10, max_length=256)


class AgentChange(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=32)
    role: Literal["agent", "supervisor"] | None = None
    capacity: int | None = Field(default=None, ge=1, le=20)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=256)


def _me(found: OpenSession) -> dict:
    return {"agent": found.agent.as_dict(), "csrf_token": found.csrf_token, "expires_at": found.expires_at}


@router.post("/agents/login")
async def login(body: LoginRequest, response: Response):
    try:
        agent = await run_in_threadpool(agents.authenticate, body.username.strip(), body.password)
    except LoginLocked as locked:
        return JSONResponse(status_code=429, content=locked.to_dict(),
                            headers={"Retry-After": str(max(1, int(locked.retry_after_s + 0.999)))})
    session_id, _ = await run_in_threadpool(sessions.start, agent.id)
    found = await run_in_threadpool(sessions.lookup, session_id)
    settings = get_settings()
    max_age = int(settings.agent_session_ttl_min * 60)
    response.set_cookie(SESSION_COOKIE, session_id, max_age=max_age, httponly=True, samesite="strict",
                        secure=settings.agent_cookie_secure, path="/api/v1")
    response.set_cookie(CSRF_COOKIE, found.csrf_token, max_age=max_age, httponly=False, samesite="strict",
                        secure=settings.agent_cookie_secure, path="/")
    await run_in_threadpool(events.publish, "agent.updated", found.agent.as_dict())
    return _me(found)


@router.post("/agents/logout", status_code=204)
async def logout(request: Request, response: Response, found: OpenSession = Depends(agent_session)) -> None:
    await run_in_threadpool(sessions.end, request.cookies.get(SESSION_COOKIE))
    agent = await run_in_threadpool(agents.set_online, found.agent.id, False)
    await run_in_threadpool(events.publish, "agent.updated", agent.as_dict())
    response.delete_cookie(SESSION_COOKIE, path="/api/v1")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/agents/me")
async def me(found: OpenSession = Depends(agent_session)) -> dict:
    return _me(found)


@router.put("/agents/me/status")
async def set_status(body: StatusRequest, found: OpenSession = Depends(agent_session)) -> dict:
    agent = await run_in_threadpool(agents.set_online, found.agent.id, body.online)
    await run_in_threadpool(events.publish, "agent.updated", agent.as_dict())
    if body.online and get_settings().handoff_auto_assign:
        await handoff_flow.announce_assignments(await run_in_threadpool(queue.auto_assign))
    return agent.as_dict()


@router.get("/agents", dependencies=[Depends(supervisor_session)])
async def list_agents() -> dict:
    return {"items": [a.as_dict() for a in await run_in_threadpool(agents.list_agents)]}


@router.post("/agents", status_code=201, dependencies=[Depends(supervisor_session)])
async def create_agent(body: NewAgent) -> dict:
    agent, generated = await run_in_threadpool(agents.create_agent, body.username, body.display_name, body.role,
                                               body.capacity, body.password)
    await run_in_threadpool(events.publish, "agent.updated", agent.as_dict())
    return {"agent": agent.as_dict(), "password": generated}


@router.patch("/agents/{agent_id}", dependencies=[Depends(supervisor_session)])
async def change_agent(agent_id: int, body: AgentChange) -> dict:
    agent = await run_in_threadpool(lambda: agents.update_agent(agent_id, **body.model_dump(exclude_none=True)))
    if body.active is False:
        await _deactivated(agent_id)
    await run_in_threadpool(events.publish, "agent.updated", agent.as_dict())
    return agent.as_dict()


@router.delete("/agents/{agent_id}", status_code=204, dependencies=[Depends(supervisor_session)])
async def deactivate_agent(agent_id: int) -> None:
    agent = await run_in_threadpool(lambda: agents.update_agent(agent_id, active=False))
    await _deactivated(agent_id)
    await run_in_threadpool(events.publish, "agent.updated", agent.as_dict())


async def _deactivated(agent_id: int) -> None:
    """Their sessions end now and their conversations go back to the queue."""
    await run_in_threadpool(sessions.end_all, agent_id)
    await run_in_threadpool(queue.release_agent, agent_id)
