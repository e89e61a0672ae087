"""Internal HTTP routes for conversations (services' port, service token).

The action server links a conversation to the 户号 the customer just verified in it,
so agents see who it is.  Nothing here is on the public port.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from services.auth import require_service_token
from services.conversations import store
from services.errors import NotFound

router = APIRouter(dependencies=[Depends(require_service_token)])


class AccountLink(BaseModel):
    account_no: str = Field(pattern=r"^[0-9]{10}$")


@router.put("/{conversation_id}/account", status_code=204)
async def link_account(conversation_id: str, body: AccountLink) -> None:
    if not await run_in_threadpool(store.link_account, conversation_id, body.account_no):
        raise NotFound("conversation_not_found", "No such conversation.", "找不到该会话。")
