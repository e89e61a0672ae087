"""Service-to-service authentication: a shared bearer token (settings.service_token).

Personal data (bills, payments) is served only to callers holding the token — the action
server and the gateway.  Use as a FastAPI dependency:
``APIRouter(dependencies=[Depends(require_service_token)])``.  A failure is a
:class:`ServiceError` with status 401, rendered like every other service error.
"""
from __future__ import annotations

import hmac

from fastapi import Header

from services.errors import ServiceError
from services.settings import get_settings


class Unauthorized(ServiceError):
    status_code = 401


def require_service_token(authorization: str | None = Header(default=None)) -> None:
    """Reject (401) a request without ``Authorization: Bearer <service_token>``."""
    expected = f"Bearer {get_settings().service_token}".encode()
    given = (authorization or "").encode()
    if not hmac.compare_digest(given, expected):
        raise Unauthorized("unauthorized", "Missing or wrong service token", "未授权的服务调用。")
