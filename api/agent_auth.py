"""The agents' log-in session and CSRF check, as FastAPI dependencies.

The session is the ``powerdesk_agent`` cookie (HttpOnly, SameSite=Strict), naming a
server-side session (handoff/sessions.py).  Every state-changing request also carries
``X-CSRF-Token`` equal to the session's token (given at log-in and by GET /agents/me;
the ``powerdesk_csrf`` cookie holds it too, for the console's script to read).
"""
from __future__ import annotations

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from handoff import sessions
from handoff.agents import SUPERVISOR
from handoff.errors import Forbidden
from handoff.sessions import OpenSession
from handoff.unmask import forbidden_role
from services.errors import ServiceError

SESSION_COOKIE = "powerdesk_agent"
CSRF_COOKIE = "powerdesk_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class AgentSessionRequired(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("agent_session_required", "Log in as an agent first (POST /api/v1/agents/login).",
                         "请先登录坐席账号。")


async def agent_session(request: Request) -> OpenSession:
    """The logged-in agent's session; 401 without one; 403 for a state-changing
    request without the session's CSRF token."""
    found = await run_in_threadpool(sessions.lookup, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise AgentSessionRequired()
    if request.method not in SAFE_METHODS and not sessions.csrf_ok(found, request.headers.get(CSRF_HEADER)):
        raise Forbidden("csrf_failed", f"Send the {CSRF_HEADER} header given at log-in.",
                        "页面已过期，请刷新后重试。")
    return found


async def supervisor_session(found: OpenSession = Depends(agent_session)) -> OpenSession:
    """403 for anyone but a supervisor."""
    if found.agent.role != SUPERVISOR:
        raise forbidden_role()
    return found
