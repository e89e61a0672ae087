"""Internal HTTP route for the handoff (services' port, service token): the action
server records a complaint ticket here (handoff/complaints.py) before it hands the
conversation to a human.  The agents' API is the gateway's (api/handoffs.py)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from handoff import complaints
from services.auth import require_service_token

router = APIRouter(dependencies=[Depends(require_service_token)])


class ComplaintIn(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=2000)
    account_no: str | None = Field(default=None, pattern=r"^\d{10}$")


@router.post("/complaints", status_code=201)
async def record_complaint(body: ComplaintIn) -> dict:
    """→ the ticket: ``{id, code, category, contact_due_at, …}`` (the 户号 masked)."""
    return await run_in_threadpool(complaints.record, body.conversation_id, body.text, body.account_no)
