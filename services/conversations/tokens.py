"""Session tokens: what a web client holds instead of choosing its own id.

A token names a channel user the gateway created (``sub``) on a channel, until
``exp``; it is signed with HMAC-SHA256 under ``settings.session_secret``, so a client
can neither forge one nor move it to another user.  Nothing is stored per token: the
signature is the proof, the conversation is looked up by the user it names.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services import clock
from services.settings import get_settings

VERSION = "v1"


class InvalidToken(Exception):
    """Missing, malformed, forged or expired."""


@dataclass(frozen=True)
class SessionClaims:
    channel: str
    channel_user_id: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str) -> str:
    key = get_settings().session_secret.encode()
    return _b64(hmac.new(key, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest())


def new_channel_user_id(channel: str) -> str:
    return f"{channel}-{uuid.uuid4().hex}"


def issue_token(channel: str, channel_user_id: str) -> tuple[str, SessionClaims]:
    expires_at = clock.utcnow() + timedelta(minutes=get_settings().session_ttl_min)
    payload = _b64(json.dumps({"ch": channel, "sub": channel_user_id, "exp": int(expires_at.timestamp())}).encode())
    claims = SessionClaims(channel, channel_user_id, expires_at.replace(microsecond=0))
    return f"{VERSION}.{payload}.{_signature(payload)}", claims


def read_token(token: str | None) -> SessionClaims:
    """The claims of a valid token; :class:`InvalidToken` otherwise."""
    try:
        version, payload, signature = (token or "").split(".")
    except ValueError:
        raise InvalidToken("malformed") from None
    if version != VERSION or not hmac.compare_digest(signature, _signature(payload)):
        raise InvalidToken("bad signature")
    try:
        data = json.loads(_unb64(payload))
        claims = SessionClaims(str(data["ch"]), str(data["sub"]),
                               datetime.fromtimestamp(int(data["exp"]), tz=timezone.utc))
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("malformed payload") from None
    if claims.expires_at <= clock.utcnow():
        raise InvalidToken("expired")
    return claims
