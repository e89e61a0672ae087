"""/api/v1/handoffs: the agents' queue and conversations, and the console's live stream.

Thin: the queue's rules are handoff/*.py, what the customer is told and what Rasa's
tracker records is api/handoff_flow.py.  Every route needs the agent session (401),
state-changing ones its CSRF token (403), some the supervisor role (403); see
handoff/API.md.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api import handoff_flow
from api.agent_auth import SESSION_COOKIE, agent_session, supervisor_session
from api.rasa_client import BotUnavailable
from handoff import agents, callbacks, canned, complaints, events, hours, notes, queue, sessions, unmask
from handoff.detail import conversation_of, detail
from handoff.sessions import OpenSession
from services.errors import Invalid

router = APIRouter(prefix="/handoffs", tags=["handoffs"])
STREAM_POLL_S = 0.5
STREAM_PING_S = 15.0
STREAM_RECHECK_S = 30.0  # a logged-out or deactivated agent's stream ends within this


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class Resolve(BaseModel):
    csat: bool = True
    note: str | None = Field(default=None, max_length=2000)


class Transfer(BaseModel):
    to: Literal["agent", "bot"]
    agent_id: int | None = None


class Unmask(BaseModel):
    field: Literal["name", "account_no", "mobile", "address"]
    reason: str = Field(min_length=4, max_length=200)


class CannedIn(BaseModel):
    title: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2000)


class CannedChange(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=40)
    text: str | None = Field(default=None, min_length=1, max_length=2000)


class ComplaintStatus(BaseModel):
    status: Literal["contacted", "closed"]
    resolution: str | None = Field(default=None, max_length=2000)


class CallbackStatus(BaseModel):
    status: Literal["done", "failed"]
    note: str | None = Field(default=None, max_length=2000)


# ---------------------------------------------------------------- the queue


@router.get("")
async def list_handoffs(status: Literal["open", "pending", "assigned", "mine", "resolved", "all"] = "open",
                        limit: int = Query(100, ge=1, le=500),
                        found: OpenSession = Depends(agent_session)) -> dict:
    items = await run_in_threadpool(queue.list_handoffs, status, found.agent.id, limit)
    return {"items": items, "online_agents": await run_in_threadpool(agents.online_count),
            "in_hours": hours.in_hours()}


# Static paths before /{handoff_id}.
@router.get("/stream")
async def stream(request: Request, found: OpenSession = Depends(agent_session)) -> StreamingResponse:
    """Server-Sent Events: every handoff event after Last-Event-ID (or from now)."""
    last = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    start = int(last) if last and last.isdigit() else await run_in_threadpool(events.latest_id)
    cookie = request.cookies.get(SESSION_COOKIE)
    return StreamingResponse(_events(request, start, cookie), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(request: Request, last_id: int, cookie: str | None) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    last_ping = last_check = time.monotonic()
    while not await request.is_disconnected():
        for event in await run_in_threadpool(events.since, last_id):
            last_id = event["id"]
            yield f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(event['data'], ensure_ascii=False)}\n\n"
        now = time.monotonic()
        if now - last_ping >= STREAM_PING_S:
            last_ping = now
            yield ": ping\n\n"
        if now - last_check >= STREAM_RECHECK_S:
            last_check = now
            if await run_in_threadpool(sessions.lookup, cookie) is None:
                return
        await asyncio.sleep(STREAM_POLL_S)


@router.get("/audit", dependencies=[Depends(supervisor_session)])
async def audit_log(limit: int = Query(100, ge=1, le=500)) -> dict:
    return {"items": await run_in_threadpool(unmask.audit_log, limit)}


@router.get("/canned", dependencies=[Depends(agent_session)])
async def list_canned() -> dict:
    return {"items": await run_in_threadpool(canned.list_replies)}


@router.post("/canned", status_code=201, dependencies=[Depends(supervisor_session)])
async def create_canned(body: CannedIn) -> dict:
    return await run_in_threadpool(canned.create, body.title, body.text)


@router.patch("/canned/{reply_id}", dependencies=[Depends(supervisor_session)])
async def change_canned(reply_id: int, body: CannedChange) -> dict:
    return await run_in_threadpool(canned.update, reply_id, body.title, body.text)


@router.delete("/canned/{reply_id}", status_code=204, dependencies=[Depends(supervisor_session)])
async def delete_canned(reply_id: int) -> None:
    await run_in_threadpool(canned.delete, reply_id)


@router.get("/complaints", dependencies=[Depends(agent_session)])
async def list_complaints(status: Literal["open", "contacted", "closed", "all"] = "all") -> dict:
    return {"items": await run_in_threadpool(complaints.list_complaints, status)}


@router.post("/complaints/{complaint_id}/status", dependencies=[Depends(agent_session)])
async def complaint_status(complaint_id: int, body: ComplaintStatus) -> dict:
    return await run_in_threadpool(complaints.set_status, complaint_id, body.status, body.resolution)


@router.get("/callbacks", dependencies=[Depends(agent_session)])
async def list_callbacks(status: Literal["open", "done", "failed", "all"] = "all") -> dict:
    return {"items": await run_in_threadpool(callbacks.list_callbacks, status)}


@router.post("/callbacks/{callback_id}/status")
async def callback_status(callback_id: int, body: CallbackStatus, found: OpenSession = Depends(agent_session)) -> dict:
    return await run_in_threadpool(callbacks.set_status, callback_id, body.status, found.agent.id, body.note)


# ---------------------------------------------------------------- one handoff


@router.get("/{handoff_id}", dependencies=[Depends(agent_session)])
async def get_handoff(handoff_id: int, request: Request) -> dict:
    conversation_id = await run_in_threadpool(conversation_of, handoff_id)
    try:
        tracker = await request.app.state.rasa.tracker(conversation_id)
    except BotUnavailable:
        tracker = None  # the stored messages still make the history
    return await run_in_threadpool(detail, handoff_id, tracker)


@router.post("/{handoff_id}/claim")
async def claim(handoff_id: int, found: OpenSession = Depends(agent_session)) -> dict:
    return await handoff_flow.claim(handoff_id, found.agent)


@router.post("/{handoff_id}/reply", status_code=201)
async def reply(handoff_id: int, body: Text, request: Request, found: OpenSession = Depends(agent_session)) -> dict:
    return await handoff_flow.reply(handoff_id, found.agent, body.text, request.app.state.rasa)


@router.post("/{handoff_id}/notes", status_code=201)
async def add_note(handoff_id: int, body: Text, found: OpenSession = Depends(agent_session)) -> dict:
    return await run_in_threadpool(notes.add, handoff_id, found.agent.id, body.text)


@router.post("/{handoff_id}/resolve")
async def resolve(handoff_id: int, body: Resolve, request: Request,
                  found: OpenSession = Depends(agent_session)) -> dict:
    if body.note:
        await run_in_threadpool(notes.add, handoff_id, found.agent.id, body.note)
    return await handoff_flow.resolve(handoff_id, found.agent, body.csat, request.app.state.rasa)


@router.post("/{handoff_id}/transfer")
async def transfer(handoff_id: int, body: Transfer, request: Request,
                   found: OpenSession = Depends(agent_session)) -> dict:
    if body.to == "agent" and body.agent_id is None:
        raise Invalid("agent_id_required", "agent_id is required to transfer to an agent", "请选择要转给的坐席。")
    return await handoff_flow.transfer(handoff_id, found.agent, body.to, body.agent_id, request.app.state.rasa)


@router.post("/{handoff_id}/unmask")
async def unmask_field(handoff_id: int, body: Unmask, found: OpenSession = Depends(agent_session)) -> dict:
    return await run_in_threadpool(unmask.unmask, handoff_id, found.agent, body.field, body.reason)
