"""Rate limits on the gateway's public routes: 429, a Chinese message and Retry-After.

An ASGI middleware over the whole app, so routes added later (the agent console's API,
the widget page) are covered by the per-IP ceiling without doing anything.  The counts
live in the services' database (services/ratelimit.py), so they hold across gateway
worker processes.  The rules, from the settings:

* every request per client IP (``requests_per_ip_per_min``), except the health check and
  the channels whose callers are servers speaking for many customers (WeChat's webhook,
  the ASR gateway): those limit per OpenID / call id themselves (docs/security.md);
* creating a web session per IP (``sessions_per_ip_per_hour``): a fresh session is a fresh
  conversation, the way around per-session limits;
* chat turns per IP and per session (``chat_per_ip_per_min``, ``chat_per_session_per_min``),
  over HTTP here and over the widget's WebSocket through :func:`check_turn`.

The client IP is the one uvicorn puts in the ASGI scope: behind a reverse proxy, run
uvicorn with ``--forwarded-allow-ips`` set to the proxy so that is the customer's.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api import wording
from api.errors import error_body
from api.request_limits import send_error
from api.sessions import COOKIE, claims_from
from services import ratelimit
from services.db import StorageUnavailable
from services.settings import Settings

# Paths no per-IP rule applies to (a path or everything under it).
UNLIMITED_PATHS = ("/healthz", "/wechat", "/api/v1/voice")


@dataclass(frozen=True)
class Rule:
    name: str
    methods: frozenset[str] | None  # None: any method, and WebSocket handshakes
    paths: tuple[str, ...]  # a path and everything under it; "/" is every path
    per: str  # "ip" or "session"
    limit: int
    window_s: float
    message_zh: str  # a template with {wait}


def rules_from(settings: Settings) -> list[Rule]:
    post = frozenset({"POST"})
    return [
        Rule("requests_ip", None, ("/",), "ip", settings.requests_per_ip_per_min, 60, wording.TOO_MANY_REQUESTS),
        Rule("sessions_ip", post, ("/api/v1/sessions",), "ip", settings.sessions_per_ip_per_hour, 3600,
             wording.TOO_MANY_SESSIONS),
        Rule("chat_ip", post, ("/api/v1/chat",), "ip", settings.chat_per_ip_per_min, 60, wording.TOO_MANY_REQUESTS),
        Rule("chat_session", post, ("/api/v1/chat",), "session", settings.chat_per_session_per_min, 60,
             wording.TOO_MANY_REQUESTS),
        Rule("agent_login_ip", post, ("/api/v1/agents/login",), "ip", settings.agent_logins_per_ip_per_hour, 3600,
             wording.TOO_MANY_LOGINS),
    ]


def under(path: str, prefix: str) -> bool:
    return prefix == "/" or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def wait_zh(seconds: float) -> str:
    """A wait as a customer reads it: 30秒, 2分钟, 1小时."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds}秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)}分钟"
    return f"{math.ceil(seconds / 3600)}小时"


def refusal_body(rule: Rule, decision: ratelimit.Decision) -> dict:
    """The 429 error body (also sent as a WebSocket error frame's fields)."""
    return error_body("rate_limited", f"Too many requests ({rule.name}); retry after {decision.retry_after_header} s.",
                      rule.message_zh.format(wait=wait_zh(decision.retry_after_s)))


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def client_tag(ip: str, secret: str) -> str:
    """A stable tag for a client IP that does not show the IP (it travels in Rasa's tracker
    as message metadata, to the identity check's per-client rate)."""
    return "ip:" + hmac.new(secret.encode(), ip.encode(), hashlib.sha256).hexdigest()[:16]


def session_user(scope: Scope) -> str | None:
    """The channel user the request's session token names (None without a valid one:
    the route answers 401 then)."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
    cookies = dict(part.strip().split("=", 1) for part in headers.get("cookie", "").split(";") if "=" in part)
    claims = claims_from(headers.get("authorization"), cookies.get(COOKIE))
    return claims.channel_user_id if claims else None


async def first_refusal(rules: list[Rule], ip: str, user: str | None, database_url: str
                        ) -> tuple[Rule, ratelimit.Decision] | None:
    """Count the request on every rule that applies, in one transaction; the rule that
    refused it (nothing counted then), or None."""
    counted = [(rule, f"{rule.name}:{ip if rule.per == 'ip' else user}") for rule in rules
               if (ip if rule.per == "ip" else user) is not None]
    if not counted:
        return None
    decision = await run_in_threadpool(ratelimit.hit_all, [(key, r.limit, r.window_s) for r, key in counted],
                                       database_url)
    return None if decision.allowed else (counted[decision.refused_by][0], decision)


def applicable(rules: list[Rule], method: str | None, path: str) -> list[Rule]:
    if any(under(path, p) for p in UNLIMITED_PATHS):
        return []
    return [r for r in rules if (r.methods is None or method in r.methods) and any(under(path, p) for p in r.paths)]


async def check_turn(settings: Settings, ip: str, channel_user_id: str) -> dict | None:
    """For a chat turn that does not come as POST /api/v1/chat (the widget's WebSocket):
    the error body if a chat limit refuses it, else None."""
    rules = [r for r in rules_from(settings) if r.name in ("chat_ip", "chat_session")]
    refused = await first_refusal(rules, ip, channel_user_id, settings.database_url)
    return refusal_body(*refused) if refused else None


class Throttle:
    """The middleware (``app.add_middleware(Throttle, settings=settings)``)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.rules = rules_from(settings)
        self.database_url = settings.database_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method") if scope["type"] == "http" else None
        rules = applicable(self.rules, method, scope.get("path", ""))
        needs_user = any(r.per == "session" for r in rules)
        try:
            refused = await first_refusal(rules, client_ip(scope), session_user(scope) if needs_user else None,
                                          self.database_url) if rules else None
        except StorageUnavailable as exc:  # the counts' database is away: nothing taken, try again soon
            await self._unavailable(scope, send, exc)
            return
        if refused is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # "try again later"
        else:
            await self._refuse(send, *refused)

    @staticmethod
    async def _unavailable(scope: Scope, send: Send, exc: StorageUnavailable) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # "try again later"
            return
        await send_error(send, exc.status_code, exc.to_dict(), [(b"retry-after", str(exc.retry_after_s).encode())])

    @staticmethod
    async def _refuse(send: Send, rule: Rule, decision: ratelimit.Decision) -> None:
        await send_error(send, 429, refusal_body(rule, decision), [(b"retry-after", decision.retry_after_header.encode())])
