"""GET and POST /wechat: the URL configured as the Official Account's server.

GET is WeChat's server check: the signature over (token, timestamp, nonce) must
match, and the answer is ``echostr`` unchanged.  POST is a pushed message, in plain
mode (``signature``) or safe mode (``encrypt_type=aes``, ``msg_signature`` over the
encrypted payload too; the reply is encrypted back).  What is answered is
``once.reply_to``'s business; this module only authenticates, parses and wraps.
A bad or missing signature, or a timestamp more than 5 minutes off → 403; a body that
is not a WeChat push (malformed XML, any DTD, missing fields, too large) → 400 / 413,
with the project's error body.
"""
from __future__ import annotations

import os

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import PlainTextResponse

from api.errors import error_body
from api.wechat import once
from api.wechat.crypto import CryptoError, MessageCrypto, signature, signature_matches
from api.wechat.messages import BadMessage, encrypted_envelope, field, parse_push, parse_xml, text_reply
from services import clock
from services.settings import Settings

router = APIRouter(tags=["wechat"])
# A push is signed with the second WeChat sent it; an older (or future) one is a
# replayed URL, refused so a captured signature cannot be reused for long.
MAX_CLOCK_SKEW_S = 300


def _fail(status: int, code: str, message: str, message_zh: str) -> HTTPException:
    return HTTPException(status, detail=error_body(code, message, message_zh))


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    if not settings.wechat_token:
        raise _fail(404, "wechat_not_configured", "The WeChat endpoint is not configured here.", "本服务未开通微信公众号接入")
    return settings


def _forbidden() -> HTTPException:
    return _fail(403, "invalid_signature", "Missing or wrong WeChat signature.", "签名校验失败")


def _fresh(timestamp: str) -> bool:
    return timestamp.isdigit() and abs(clock.utcnow().timestamp() - int(timestamp)) <= MAX_CLOCK_SKEW_S


def _bad(reason: str) -> HTTPException:
    return _fail(400, "invalid_message", f"Not a WeChat message: {reason}.", "消息格式错误")


@router.get("/wechat", response_class=PlainTextResponse)
async def verify_server(request: Request, signature: str | None = None, timestamp: str = "", nonce: str = "",
                        echostr: str | None = None) -> str:
    settings = _settings(request)
    if echostr is None or not signature_matches((settings.wechat_token, timestamp, nonce), signature):
        raise _forbidden()
    return echostr


async def _body(request: Request) -> bytes:
    """The pushed XML; the gateway's request limits (api/request_limits.py) have already
    refused a body over ``settings.max_body_bytes`` with 413 before it was read whole."""
    return await request.body()


def _crypto(settings: Settings) -> MessageCrypto:
    try:
        return MessageCrypto(settings.wechat_encoding_aes_key, settings.wechat_app_id)
    except ValueError as exc:  # no key (or not a 43-character one) configured
        raise _fail(400, "safe_mode_not_configured",
                    f"Safe mode needs a valid EncodingAESKey and the AppID configured ({exc}).",
                    "未配置消息加解密密钥，无法处理安全模式消息") from exc


@router.post("/wechat")
async def receive(request: Request) -> Response:
    settings = _settings(request)
    query = request.query_params
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    safe_mode = query.get("encrypt_type", "").lower() == "aes"
    if not _fresh(timestamp):
        raise _fail(403, "stale_timestamp", "The push's timestamp is missing or too far from now.",
                    "签名时间戳无效或已过期")
    body = await _body(request)
    try:
        if safe_mode:
            crypto = _crypto(settings)
            encrypted = field(parse_xml(body), "Encrypt") or ""
            if not signature_matches((settings.wechat_token, timestamp, nonce, encrypted), query.get("msg_signature")):
                raise _forbidden()
            try:
                root = parse_xml(crypto.decrypt(encrypted))
            except CryptoError as exc:
                raise _bad(f"the encrypted payload does not decrypt ({exc})") from exc
        else:
            if not signature_matches((settings.wechat_token, timestamp, nonce), query.get("signature")):
                raise _forbidden()
            root = parse_xml(body)
        push = parse_push(root)
    except BadMessage as exc:
        raise _bad(str(exc)) from exc

    reply = await once.reply_to(push, request.app.state.rasa, settings.wechat_reply_deadline_s,
                                request.app.state.outbox_wake)
    if reply is None:
        return PlainTextResponse("success")
    now = str(int(clock.utcnow().timestamp()))
    xml = text_reply(push, reply, int(now))
    if safe_mode:
        reply_nonce = nonce or os.urandom(8).hex()
        encrypted = crypto.encrypt(xml)
        xml = encrypted_envelope(encrypted, signature(settings.wechat_token, now, reply_nonce, encrypted), now, reply_nonce)
    return Response(xml, media_type="application/xml")
