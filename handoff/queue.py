"""The handoff queue: one record per stretch of a conversation a human owns.

pending (queued; the bot is silent) → assigned (an agent has it) → resolved (back to
the bot); or abandoned (the customer went back to the bot before anyone answered) or
callback (nobody could answer; a callback task was booked).  The queue is ordered by
priority (0: danger and complaints first) and then by how long each has waited.
These are plain functions; what the customer is told and what Rasa's tracker records
is the gateway's part (api/handoff_flow.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from handoff import agents as agents_mod
from handoff import callbacks, complaints, events, hours
from handoff.errors import Forbidden, conflict, not_found
from handoff.models import Agent, CallbackTask, Complaint, Handoff
from handoff.summary import reason_zh, summarize
from handoff.times import aware, iso
from services import clock
from services.conversations.models import Conversation, Message
from services.db import session_scope
from services.masking import mask_account_no
from services.settings import get_settings

PENDING, ASSIGNED, RESOLVED, ABANDONED, CALLBACK = "pending", "assigned", "resolved", "abandoned", "callback"
OPEN_STATES = (PENDING, ASSIGNED)
URGENT, NORMAL = 0, 1
URGENT_REASONS = {"complain", "danger_outage"}
REASONS = ("request_human", "complain", "fallback", "faq_declined", "identity_locked", "danger_outage",
           "payment_failed")
LIST_FILTERS = {"open": (PENDING, ASSIGNED, CALLBACK), "pending": (PENDING,), "assigned": (ASSIGNED,),
                "resolved": (RESOLVED,), "all": None, "mine": (ASSIGNED,)}


@dataclass(frozen=True)
class Queued:
    """What a new (or already open) handoff means for the customer."""
    handoff_id: int
    position: int  # 1 = next
    callback_offered: bool  # nobody online or out of hours
    in_hours: bool
    new: bool  # False: the conversation was already handed over


def normal_reason(reason: str | None) -> str:
    return reason if reason in REASONS else "request_human"


def _position(session, handoff: Handoff) -> int:
    ahead = session.scalar(select(func.count()).select_from(Handoff).where(
        Handoff.status == PENDING, Handoff.id != handoff.id,
        (Handoff.priority < handoff.priority)
        | ((Handoff.priority == handoff.priority) & (Handoff.queued_at <= handoff.queued_at)))) or 0
    return ahead + 1


def _open(session, conversation_id: str) -> Handoff | None:
    return session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id,
                                                 Handoff.status.in_(OPEN_STATES))
                           .order_by(Handoff.id.desc()).limit(1)).first()


def summary_view(session, handoff: Handoff, viewer_id: int | None = None) -> dict[str, Any]:
    """The queue row (HandoffSummary in handoff/API.md)."""
    now = clock.utcnow()
    agent = session.get(Agent, handoff.agent_id) if handoff.agent_id else None
    conversation = session.get(Conversation, handoff.conversation_id)
    waited_until = aware(handoff.first_reply_at or handoff.resolved_at or now)
    last = session.scalars(select(Message).where(Message.conversation_id == handoff.conversation_id,
                                                 Message.direction == "user")
                           .order_by(Message.id.desc()).limit(1)).first()
    unread = session.scalar(select(func.count()).select_from(Message).where(
        Message.conversation_id == handoff.conversation_id, Message.direction == "user",
        Message.status == "queued")) or 0
    complaint = session.scalar(select(Complaint.id).where(Complaint.handoff_id == handoff.id).limit(1))
    callback = session.scalar(select(CallbackTask.id).where(CallbackTask.handoff_id == handoff.id).limit(1))
    account_no = conversation.account_no if conversation else None
    return {
        "id": handoff.id, "conversation_id": handoff.conversation_id,
        "channel": conversation.channel if conversation else None,
        "reason": handoff.reason, "reason_zh": reason_zh(handoff.reason), "priority": handoff.priority,
        "status": handoff.status,
        "agent": {"id": agent.id, "display_name": agent.display_name} if agent else None,
        "queued_at": iso(handoff.queued_at), "assigned_at": iso(handoff.assigned_at),
        "first_reply_at": iso(handoff.first_reply_at), "resolved_at": iso(handoff.resolved_at),
        "waiting_s": max(0, int((waited_until - aware(handoff.queued_at)).total_seconds())),
        "position": _position(session, handoff) if handoff.status == PENDING else None,
        "callback_offered": handoff.callback_offered,
        "customer_label": f"已验证客户（户号 {mask_account_no(account_no)}）" if account_no else "未验证客户",
        "last_message": {"text": last.text, "at": iso(last.created_at)} if last else None,
        "unread": unread,
        "complaint_id": complaint, "callback_id": callback,
        "summary": handoff.summary,
    }


def _publish(session, event_type: str, handoff: Handoff) -> None:
    session.flush()
    data = summary_view(session, handoff)
    session.commit()
    events.publish(event_type, data)


def start(conversation_id: str, reason: str | None, context: dict[str, Any] | None = None) -> Queued:
    """Queue the conversation for a human (or return its open handoff).  Complaints and
    danger go first.  With nobody online or out of hours, a callback is offered."""
    reason = normal_reason(reason)
    available = hours.in_hours() and agents_mod.online_count() > 0
    with session_scope() as session:
        existing = _open(session, conversation_id)
        if existing is not None:
            if reason in URGENT_REASONS and existing.priority != URGENT:
                existing.priority = URGENT
            position = _position(session, existing) if existing.status == PENDING else 0
            return Queued(existing.id, position, existing.callback_offered, hours.in_hours(), False)
        handoff = Handoff(conversation_id=conversation_id, reason=reason,
                          priority=URGENT if reason in URGENT_REASONS else NORMAL, status=PENDING,
                          callback_offered=not available, summary=summarize(reason, context), context=context,
                          queued_at=clock.utcnow(), csat_asked=False, csat_awaiting=False)
        session.add(handoff)
        session.flush()
        complaints.attach_to_handoff(session, conversation_id, handoff.id)
        queued = Queued(handoff.id, _position(session, handoff), not available, hours.in_hours(), True)
        _publish(session, "handoff.queued", handoff)
    if get_settings().handoff_auto_assign and available:
        auto_assign()
    return queued


def open_handoff(conversation_id: str) -> dict[str, Any] | None:
    """The conversation's pending or assigned handoff (its summary view), or None."""
    with session_scope() as session:
        handoff = _open(session, conversation_id)
        return summary_view(session, handoff) if handoff else None


def get(handoff_id: int) -> dict[str, Any]:
    with session_scope() as session:
        return summary_view(session, _row(session, handoff_id))


def _row(session, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise not_found("handoff")
    return handoff


def list_handoffs(status: str = "open", agent_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    states = LIST_FILTERS.get(status, LIST_FILTERS["open"])
    with session_scope() as session:
        query = select(Handoff)
        if states is not None:
            query = query.where(Handoff.status.in_(states))
        if status == "mine":
            query = query.where(Handoff.agent_id == agent_id)
        if status in ("resolved", "all"):
            query = query.order_by(Handoff.id.desc())
        else:
            query = query.order_by(Handoff.priority, Handoff.queued_at)
        return [summary_view(session, h) for h in session.scalars(query.limit(limit))]


def _assign(session, handoff: Handoff, agent: Agent) -> None:
    if agents_mod.load_of(session, agent.id) >= agent.capacity:
        raise conflict("capacity_full")
    handoff.status, handoff.agent_id = ASSIGNED, agent.id
    handoff.assigned_at = handoff.assigned_at or clock.utcnow()


def claim(handoff_id: int, agent_id: int) -> tuple[dict[str, Any], bool]:
    """The agent takes a pending handoff; (its view, whether it was newly assigned).
    Claiming one's own handoff again changes nothing."""
    with session_scope() as session:
        handoff = _row(session, handoff_id)
        if handoff.status == ASSIGNED and handoff.agent_id == agent_id:
            return summary_view(session, handoff), False
        if handoff.status == ASSIGNED:
            raise conflict("already_assigned")
        if handoff.status != PENDING:
            raise conflict("not_open")
        agent = session.get(Agent, agent_id)
        if agents_mod.load_of(session, agent_id) >= agent.capacity:
            raise conflict("capacity_full")
        # Conditional on still pending: of two agents claiming at once, one wins.
        taken = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == PENDING)
                                .values(status=ASSIGNED, agent_id=agent_id, assigned_at=clock.utcnow()))
        if taken.rowcount != 1:
            raise conflict("already_assigned")
        session.refresh(handoff)
        _publish(session, "handoff.updated", handoff)
        return summary_view(session, handoff), True


def may_act(handoff: dict[str, Any], agent: agents_mod.AgentView) -> None:
    """Only the assigned agent, or a supervisor, replies to / resolves / transfers."""
    if handoff["status"] not in OPEN_STATES:
        raise conflict("not_open")
    assigned = handoff["agent"]["id"] if handoff["agent"] else None
    if assigned is not None and assigned != agent.id and agent.role != agents_mod.SUPERVISOR:
        raise Forbidden("not_your_handoff", "This conversation is assigned to another agent.",
                        "该会话由其他坐席负责。")


def record_reply(handoff_id: int, agent_id: int) -> dict[str, Any] | None:
    """An agent replied: the first reply's time is kept, a pending handoff becomes the
    replier's, the customer's waiting messages count as read, and a complaint's promised
    contact is met.  Returns the complaint's view when this reply contacted it."""
    now = clock.utcnow()
    with session_scope() as session:
        handoff = _row(session, handoff_id)
        if handoff.status == PENDING:
            _assign(session, handoff, session.get(Agent, agent_id))
        handoff.first_reply_at = handoff.first_reply_at or now
        for message in session.scalars(select(Message).where(Message.conversation_id == handoff.conversation_id,
                                                             Message.status == "queued")):
            message.status = "answered"
        contacted = complaints.mark_contacted(session, handoff.id)
        _publish(session, "handoff.updated", handoff)
    if contacted:
        events.publish("complaint.updated", contacted)
    return contacted


def resolve(handoff_id: int, ask_csat: bool = True) -> dict[str, Any]:
    """Done: the conversation goes back to the bot; the satisfaction question is asked
    (the next customer message is read as the score) unless switched off."""
    with session_scope() as session:
        handoff = _row(session, handoff_id)
        if handoff.status not in OPEN_STATES:
            raise conflict("not_open")
        handoff.status, handoff.resolved_at = RESOLVED, clock.utcnow()
        handoff.csat_asked = handoff.csat_awaiting = ask_csat
        _publish(session, "handoff.updated", handoff)
        return summary_view(session, handoff)


def transfer(handoff_id: int, to_agent_id: int) -> dict[str, Any]:
    with session_scope() as session:
        handoff = _row(session, handoff_id)
        if handoff.status not in OPEN_STATES:
            raise conflict("not_open")
        target = session.get(Agent, to_agent_id)
        if target is None or not target.active:
            raise not_found("agent")
        if handoff.agent_id != target.id:
            _assign(session, handoff, target)
            handoff.assigned_at = clock.utcnow()
        _publish(session, "handoff.updated", handoff)
        return summary_view(session, handoff)


def abandon(handoff_id: int) -> None:
    """The customer went back to the bot before anyone answered."""
    _close(handoff_id, ABANDONED)


def to_callback(handoff_id: int, mobile: str, window: str) -> dict[str, Any]:
    """Nobody could answer: book the callback; the handoff leaves the live queue."""
    with session_scope() as session:
        conversation_id = _row(session, handoff_id).conversation_id
    booked = callbacks.book(conversation_id, handoff_id, mobile, window)
    _close(handoff_id, CALLBACK)
    return booked


def _close(handoff_id: int, status: str) -> None:
    with session_scope() as session:
        handoff = _row(session, handoff_id)
        if handoff.status not in OPEN_STATES:
            return
        handoff.status, handoff.resolved_at = status, clock.utcnow()
        _publish(session, "handoff.updated", handoff)


def release_agent(agent_id: int) -> list[int]:
    """A deactivated agent's handoffs go back to the queue; their ids."""
    with session_scope() as session:
        rows = session.scalars(select(Handoff).where(Handoff.agent_id == agent_id, Handoff.status == ASSIGNED)).all()
        for handoff in rows:
            handoff.status, handoff.agent_id = PENDING, None
        ids = [h.id for h in rows]
        session.flush()
        views = [summary_view(session, h) for h in rows]
    for data in views:
        events.publish("handoff.updated", data)
    return ids


def auto_assign() -> list[tuple[int, int]]:
    """Give pending handoffs, most urgent first, to online agents with room, least
    loaded first; [(handoff id, agent id)] assigned."""
    assigned: list[tuple[int, int]] = []
    with session_scope() as session:
        agents = session.scalars(select(Agent).where(Agent.online.is_(True), Agent.active.is_(True))).all()
        room = {a.id: a.capacity - agents_mod.load_of(session, a.id) for a in agents}
        for handoff in session.scalars(select(Handoff).where(Handoff.status == PENDING)
                                       .order_by(Handoff.priority, Handoff.queued_at)).all():
            free = [a for a in agents if room[a.id] > 0]
            if not free:
                break
            agent = max(free, key=lambda a: room[a.id])
            handoff.status, handoff.agent_id, handoff.assigned_at = ASSIGNED, agent.id, clock.utcnow()
            room[agent.id] -= 1
            assigned.append((handoff.id, agent.id))
        session.flush()
        views = [summary_view(session, session.get(Handoff, h)) for h, _ in assigned]
    for data in views:
        events.publish("handoff.updated", data)
    return assigned


def awaiting_score(conversation_id: str) -> int | None:
    """The resolved handoff whose satisfaction question this conversation's next
    message answers, if any."""
    with session_scope() as session:
        return session.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation_id,
                                                       Handoff.csat_awaiting.is_(True))
                              .order_by(Handoff.id.desc()).limit(1))


def settle_score(handoff_id: int, score: int | None) -> None:
    """The message after the question came: a score is stored; either way the question
    is no longer waiting (anything else went to the bot)."""
    with session_scope() as session:
        handoff = _row(session, handoff_id)
        handoff.csat_awaiting = False
        if score is not None:
            handoff.csat_score, handoff.csat_at = score, clock.utcnow()
