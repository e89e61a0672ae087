"""/api/v1/voice/…: the ASR gateway's HTTP endpoints (protocol in README "Voice").

The ASR gateway (FreeSWITCH with mod_unimrcp, a cloud ASR bridge …) is a trusted peer:
every request carries ``Authorization: Bearer <settings.voice_gateway_token>``.  It
announces each call (POST /voice/calls) and then posts the call's events to
/voice/calls/{call_id}/events; a call id it never announced is refused (404), an ended
call too (409).  What happens on each event is api/voice_dialog.py's business.
"""
from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request

from api import voice_dialog
from api.voice_schemas import CallStart, VoiceEventBody, VoiceReply
from services.errors import ServiceError
from services.settings import get_settings


class GatewayUnauthorized(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("voice_gateway_unauthorized", "The voice gateway's bearer token is missing or wrong.",
                         "语音网关认证失败。")


def require_voice_gateway(request: Request) -> None:
    """FastAPI dependency: the shared secret of the ASR gateway, compared in constant time."""
    header = request.headers.get("authorization") or ""
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token or not hmac.compare_digest(token.encode(), get_settings().voice_gateway_token.encode()):
        raise GatewayUnauthorized()


router = APIRouter(prefix="/voice", tags=["voice"], dependencies=[Depends(require_voice_gateway)])


@router.post("/calls", status_code=201, response_model=VoiceReply)
async def call_started(body: CallStart) -> VoiceReply:
    return await voice_dialog.start(body)


@router.post("/calls/{call_id}/events", response_model=VoiceReply)
async def call_event(call_id: str, body: VoiceEventBody, request: Request) -> VoiceReply:
    return await voice_dialog.on_event(call_id, body.root, request.app.state.rasa)
