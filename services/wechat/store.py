"""Process each WeChat push once, whichever gateway process it reaches.

The first delivery of a push *claims* its key (an INSERT: the primary key makes a
second claim fail, in any process); a retry reads the outcome instead.  How the
answer goes out is decided exactly once, by an UPDATE that only succeeds while
nothing is decided yet:

- the turn finished in time → :func:`finish` decides "passive": the HTTP response
  carries the reply, and so does any retry's;
- the reply deadline passed first → :func:`hand_to_outbox` decides "outbox": the
  endpoint answers "success", and when the turn finishes :func:`finish` reports
  "outbox" so the reply is sent through the customer-service API.

A live gateway decides within its reply deadline (under WeChat's 5 s), so a claim
still undecided after ABANDONED_AFTER_S belongs to a process that died: a retry then
takes the push over (:func:`reclaim_abandoned`) rather than leave it unanswered.

A push is read again only by its retries (seconds later) and by :func:`last_push_at`
(the user's 48-hour customer-service window), so pushes older than
``settings.wechat_push_keep_h`` (never less than that window) are pruned as new ones
arrive: every PRUNE_EVERY claims of a process, as handoff events and rate-limit rows are.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from services import clock
from services.db import session_scope
from services.settings import get_settings
from services.wechat.models import WeChatPush

RUNNING, DONE = "running", "done"
PASSIVE, OUTBOX = "passive", "outbox"
# WeChat's last retry comes about 15 s after the first delivery; every gateway's reply
# deadline (settings.wechat_reply_deadline_s, 4.5 s) must be well below this.
ABANDONED_AFTER_S = 12.0
# WeChat accepts customer-service messages within 48 hours of the user's last push.
CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)
PRUNE_EVERY = 200  # claims of this process between two prunings
_claims_since_prune = 0


@dataclass(frozen=True)
class Outcome:
    status: str            # RUNNING or DONE
    delivery: str | None   # PASSIVE, OUTBOX, or None while undecided
    reply: str | None      # the answer's text; None: nothing to say ("success")


def claim(key: str, open_id: str) -> bool:
    """Record a push; False when it was recorded before (a retry)."""
    global _claims_since_prune
    try:
        with session_scope() as session:
            session.add(WeChatPush(key=key, open_id=open_id, received_at=clock.utcnow(), status=RUNNING))
    except IntegrityError:
        return False
    _claims_since_prune += 1
    if _claims_since_prune >= PRUNE_EVERY:
        _claims_since_prune = 0
        prune()
    return True


def kept_for() -> timedelta:
    """How long a push is kept: the setting, but never less than the window
    :func:`last_push_at` answers for (a shorter one would refuse users still inside it)."""
    return max(timedelta(hours=get_settings().wechat_push_keep_h), CUSTOMER_SERVICE_WINDOW)


def prune() -> int:
    """Delete the pushes received longer than :func:`kept_for` ago; returns how many."""
    with session_scope() as session:
        result = session.execute(delete(WeChatPush).where(WeChatPush.received_at < clock.utcnow() - kept_for()))
        return result.rowcount or 0


def reclaim_abandoned(key: str) -> bool:
    """Take over a push whose claim is older than ABANDONED_AFTER_S and still
    undecided (its gateway died mid-answer); True for the one caller that does."""
    now = clock.utcnow()
    with session_scope() as session:
        return session.execute(
            update(WeChatPush).where(WeChatPush.key == key, WeChatPush.delivery.is_(None),
                                     WeChatPush.received_at < now - timedelta(seconds=ABANDONED_AFTER_S))
            .values(received_at=now, status=RUNNING)
        ).rowcount == 1


def outcome(key: str) -> Outcome | None:
    with session_scope() as session:
        row = session.get(WeChatPush, key)
        return Outcome(row.status, row.delivery, row.reply) if row else None


def finish(key: str, reply: str | None) -> str:
    """Store the answer; returns how it goes out: PASSIVE, or OUTBOX when the endpoint
    already gave up waiting (then the caller sends it through the outbox)."""
    done = {"status": DONE, "reply": reply, "finished_at": clock.utcnow()}
    with session_scope() as session:
        passive = session.execute(
            update(WeChatPush).where(WeChatPush.key == key, WeChatPush.delivery.is_(None))
            .values(delivery=PASSIVE, **done)
        ).rowcount == 1
        if passive:
            return PASSIVE
        session.execute(update(WeChatPush).where(WeChatPush.key == key).values(**done))
        return OUTBOX


def hand_to_outbox(key: str) -> bool:
    """The reply deadline passed: decide "outbox" unless the answer is already
    decided; True when this call decided it (the endpoint then answers "success")."""
    with session_scope() as session:
        return session.execute(
            update(WeChatPush).where(WeChatPush.key == key, WeChatPush.delivery.is_(None)).values(delivery=OUTBOX)
        ).rowcount == 1


def last_push_at(open_id: str) -> datetime | None:
    """When the user last wrote or acted (a message, a menu click, following the
    account): the start of WeChat's 48-hour customer-service window (None: not within
    the pushes kept, so not within the window either)."""
    with session_scope() as session:
        latest = session.scalar(select(func.max(WeChatPush.received_at)).where(WeChatPush.open_id == open_id))
    if latest is not None and latest.tzinfo is None:  # SQLite hands UTC back without its zone
        latest = latest.replace(tzinfo=clock.utcnow().tzinfo)
    return latest
