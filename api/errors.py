"""Every error a client sees: a 4xx (or a polite 503) with a code, an English message
and a Chinese one.  No stack trace leaves the gateway; the full error goes to the log."""
from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import wording
from api.schemas import MAX_TEXT_CHARS
from services.db import StorageUnavailable
from services.errors import ServiceError
from services.masking import mask_text

log = logging.getLogger("powerdesk.api")

# Field-level messages for the chat and parse requests, in the customer's language.
FIELD_MESSAGES_ZH = {
    "text": f"消息内容不能为空，且不能超过{MAX_TEXT_CHARS}个字",
    "channel": "此接口只为网页聊天创建会话（channel 为 web）",
    "payload": "按钮内容无效，请直接输入您的问题",
    "": "请求内容必须是一个JSON对象",
    # The voice gateway's events (api/voice_schemas.py).
    "call_id": "通话ID格式无效（字母、数字，最长128个字符）",
    "dtmf": "按键内容只能是数字、*和#，最多32个",
    "recognition": "识别结果格式无效（候选文本及0到1之间的置信度）",
}


# Error-type messages that say more than the field's (api/schemas.py raises these types).
TYPE_MESSAGES_ZH = {"invalid_characters": wording.INVALID_TEXT}


def error_body(code: str, message: str, message_zh: str, details: list | None = None) -> dict:
    body = {"error": {"code": code, "message": message, "message_zh": message_zh}}
    if details:
        body["error"]["details"] = details
    return body


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse(
            status_code=400,
            content=error_body("invalid_json", "The request body is not valid JSON.", "请求格式错误：不是有效的JSON。"),
        )
    details = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")} for e in errors]
    fields = [d["field"].split(".")[0] for d in details]
    messages_zh = [TYPE_MESSAGES_ZH.get(e.get("type", "")) or FIELD_MESSAGES_ZH.get(f, f"参数“{f}”无效")
                   for e, f in zip(errors, fields)]
    message_zh = "；".join(dict.fromkeys(messages_zh)) or "请求参数无效"
    message = "; ".join(f"{d['field']}: {d['message']}" for d in details) or "Invalid request."
    # json.loads(json.dumps(...)) drops non-serialisable context pydantic may attach.
    return JSONResponse(status_code=422, content=json.loads(json.dumps(error_body("invalid_request", message, message_zh, details), default=str)))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc)

    @app.exception_handler(ServiceError)
    async def _on_service_error(request: Request, exc: ServiceError) -> JSONResponse:
        # Personal data masked in every error message, whatever the service put in it.
        body = exc.to_dict()
        body["error"]["message"] = mask_text(body["error"]["message"])
        body["error"]["message_zh"] = mask_text(body["error"]["message_zh"])
        headers = None
        if isinstance(exc, StorageUnavailable):  # not taken: the client keeps it and sends it again
            log.warning("database unavailable on %s %s: %s", request.method, mask_text(request.url.path),
                        exc.__cause__.__class__.__name__)
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(status_code=exc.status_code, content=body, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict) and "error" in exc.detail:
            return JSONResponse(status_code=exc.status_code, content=exc.detail, headers=exc.headers)
        zh = {404: "请求的地址不存在", 405: "不支持该请求方法", 401: "未授权的访问"}.get(exc.status_code, "请求无法处理")
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(f"http_{exc.status_code}", str(exc.detail), zh),
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, mask_text(request.url.path))
        return JSONResponse(
            status_code=500,
            content=error_body("internal_error", "Internal error; it has been logged.", "系统开小差了，请稍后再试。"),
        )
