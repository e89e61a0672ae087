"""Agents and supervisors: accounts, passwords (argon2id), roles, capacity, presence.

Log-in failures count per agent: after ``agent_login_max_failures`` wrong passwords in a
row the agent's log-in is locked for ``agent_login_lock_min`` minutes (every gateway
process sees the same count: it is a column).  A wrong user name costs a hash too, so
timing does not tell which user names exist.  Attempts from one client address, whatever
the names, are limited by the gateway's throttle (api/throttle.py, ``agent_login_ip``).
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from handoff.errors import BadCredentials, LoginLocked, conflict, not_found
from handoff.models import Agent, Handoff
from handoff.times import aware, iso
from services import clock
from services.db import session_scope
from services.errors import Invalid
from services.settings import get_settings

AGENT, SUPERVISOR = "agent", "supervisor"
ROLES = (AGENT, SUPERVISOR)
USERNAME = re.compile(r"^[a-z0-9._-]{3,32}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class AgentView:
    id: int
    username: str
    display_name: str
    role: str
    capacity: int
    online: bool
    active: bool
    load: int
    last_seen_at: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def load_of(session, agent_id: int) -> int:
    """How many handoffs the agent holds now (assigned, not resolved)."""
    return session.scalar(select(func.count()).select_from(Handoff)
                          .where(Handoff.agent_id == agent_id, Handoff.status == "assigned")) or 0


def view(session, agent: Agent) -> AgentView:
    return AgentView(agent.id, agent.username, agent.display_name, agent.role, agent.capacity, agent.online,
                     agent.active, load_of(session, agent.id), iso(agent.last_seen_at))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _check(username: str | None = None, role: str | None = None, capacity: int | None = None,
           password: str | None = None, display_name: str | None = None) -> None:
    if username is not None and not USERNAME.match(username):
        raise Invalid("bad_username", "username: 3-32 of a-z 0-9 . _ -", "用户名须为3到32位小写字母、数字或 . _ -。")
    if role is not None and role not in ROLES:
        raise Invalid("bad_role", "role must be agent or supervisor", "角色只能是坐席或班长。")
    if capacity is not None and not 1 <= capacity <= 20:
        raise Invalid("bad_capacity", "capacity must be 1-20", "同时接待数须在1到20之间。")
    if password is not None and len(password) < MIN_PASSWORD:
        raise Invalid("weak_password", f"password: at least {MIN_PASSWORD} characters",
                      f"密码至少{MIN_PASSWORD}位。")
    if display_name is not None and not 1 <= len(display_name.strip()) <= 32:
        raise Invalid("bad_display_name", "display_name: 1-32 characters", "显示名称须为1到32个字符。")


def create_agent(username: str, display_name: str, role: str = AGENT, capacity: int = 3,
                 password: str | None = None) -> tuple[AgentView, str | None]:
    """A new agent; returns it and the generated password when none was given."""
    _check(username, role, capacity, password, display_name)
    generated = None if password else generate_password()
    with session_scope() as session:
        if session.scalar(select(Agent.id).where(Agent.username == username)) is not None:
            raise conflict("agent_exists")
        agent = Agent(username=username, display_name=display_name.strip(), role=role, capacity=capacity,
                      password_hash=_hasher.hash(password or generated), online=False, active=True,
                      failed_logins=0, created_at=clock.utcnow())
        session.add(agent)
        session.flush()
        return view(session, agent), generated


def authenticate(username: str, password: str) -> AgentView:
    """The agent whose password this is; BadCredentials or LoginLocked otherwise.
    A successful log-in marks the agent online."""
    settings = get_settings()
    with session_scope() as session:
        agent = session.scalar(select(Agent).where(Agent.username == username, Agent.active.is_(True)))
        if agent is None:
            _verify(_DUMMY_HASH, password)
            raise BadCredentials()
        now = clock.utcnow()
        if agent.locked_until and aware(agent.locked_until) > now:
            raise LoginLocked((aware(agent.locked_until) - now).total_seconds())
        if not _verify(agent.password_hash, password):
            agent.failed_logins += 1
            if agent.failed_logins >= settings.agent_login_max_failures:
                agent.failed_logins = 0
                agent.locked_until = now + timedelta(minutes=settings.agent_login_lock_min)
            session.commit()
            raise BadCredentials()
        agent.failed_logins, agent.locked_until = 0, None
        agent.online, agent.last_seen_at = True, now
        return view(session, agent)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_agent(agent_id: int) -> AgentView:
    with session_scope() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise not_found("agent")
        return view(session, agent)


def list_agents() -> list[AgentView]:
    with session_scope() as session:
        return [view(session, a) for a in session.scalars(select(Agent).order_by(Agent.id))]


def update_agent(agent_id: int, *, display_name: str | None = None, role: str | None = None,
                 capacity: int | None = None, active: bool | None = None, password: str | None = None) -> AgentView:
    """Change an agent; deactivating one also takes them offline (their sessions end and
    their handoffs go back to the queue: see handoff.sessions, handoff.queue)."""
    _check(role=role, capacity=capacity, password=password, display_name=display_name)
    with session_scope() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise not_found("agent")
        if display_name is not None:
            agent.display_name = display_name.strip()
        if role is not None:
            agent.role = role
        if capacity is not None:
            agent.capacity = capacity
        if password is not None:
            agent.password_hash = _hasher.hash(password)
        if active is not None:
            agent.active = active
            if not active:
                agent.online = False
        return view(session, agent)


def set_online(agent_id: int, online: bool) -> AgentView:
    with session_scope() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise not_found("agent")
        agent.online, agent.last_seen_at = online, clock.utcnow()
        return view(session, agent)


def online_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Agent)
                              .where(Agent.online.is_(True), Agent.active.is_(True))) or 0


def any_agent() -> bool:
    with session_scope() as session:
        return session.scalar(select(Agent.id).limit(1)) is not None


def ensure_initial_supervisor(path: Path | None = None) -> dict | None:
    """With no agent at all, create the first supervisor with a generated password and
    write it to ``var/initial-agent.json`` (mode 0600); returns what was written, or None
    when agents exist already.  `make run` calls it (scripts/stack.py)."""
    if any_agent():
        return None
    path = path or get_settings().var_dir / "initial-agent.json"
    agent, password = create_agent("admin", "值班班长", SUPERVISOR)
    record = {"username": agent.username, "password": password, "role": agent.role,
              "created_at": iso(clock.utcnow())}
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(record, handle, ensure_ascii=False, indent=2)
    os.chmod(path, 0o600)
    return record
