"""The identity check run before a bill is shown or money is taken, and its lock.

The caller proves they hold an account with the last four digits of its registered
mobile.  Four digits are only 10,000 guesses, so the service (not the dialogue) counts
wrong answers per account in ``identity_checks``: sending the 户号 again or opening a new
conversation starts no fresh count.  ``identity_max_failures`` wrong answers in a row
lock the account for ``identity_lock_minutes``; each further lock lasts twice as long as
the one before (at most a day) until a right answer resets everything.  While a lock
holds, answers are refused without being compared, so a right guess then reveals nothing.

Checks on one account are serialised (the row's lock on PostgreSQL, the single writer on
SQLite), so parallel wrong answers cannot slip past the limit.

A 户号 that does not exist is checked the same way (its own row, the same count and
lock; no answer ever matches), so the check does not tell a stranger which 户号 exist.

On top of the lock, rates shared by every process (services/ratelimit.py) refuse a check
with 429 before it is compared: too many attempts on one account in an hour, too many
wrong answers from one client (the IP tag the gateway passes on through the action
server), or too many wrong answers across all accounts (someone trying 户号 by the
thousand; an alarm-level ceiling, see docs/security.md).
"""
from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services import clock, ratelimit
from services.billing.models import Account, Customer, IdentityCheckRow
from services.billing.service import check_account_no
from services.errors import Invalid, ServiceError
from services.settings import get_settings

log = logging.getLogger(__name__)

MAX_LOCK = timedelta(hours=24)
# Doubling more often than this overshoots MAX_LOCK for any lock worth having, and keeps
# 2**n a small float however many locks an account collects.
MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class IdentityCheck:
    """The answer to one identity check."""

    verified: bool
    attempts_left: int  # wrong answers still allowed before a lock (0 while locked)
    locked_until: datetime | None  # end of the lock in force, UTC

    def to_dict(self) -> dict:
        return {"verified": self.verified, "attempts_left": self.attempts_left,
                "locked_until": iso_utc(self.locked_until)}


def iso_utc(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC (``...+00:00``), or None."""
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC; PostgreSQL an aware datetime."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def check_phone_last4(phone_last4: str) -> str:
    if not re.fullmatch(r"[0-9]{4}", phone_last4 or ""):
        raise Invalid("malformed_phone_last4", "phone_last4 must be 4 digits", "请输入预留手机号的后4位数字。")
    return phone_last4


def lock_duration(lock_count: int, lock_minutes: float) -> timedelta:
    """How long the next lock lasts after ``lock_count`` earlier ones: doubling, at most a day."""
    return min(timedelta(minutes=lock_minutes * 2.0 ** min(lock_count, MAX_DOUBLINGS)), MAX_LOCK)


def lock_in_force(locked_until: datetime | None, now: datetime) -> datetime | None:
    """``locked_until`` if that is still ahead of ``now``, else None."""
    locked_until = _aware(locked_until)
    return locked_until if locked_until is not None and locked_until > now else None


def locked_until(session: Session, account_no: str) -> datetime | None:
    """The end of the account's lock in force, if any; reads only (creates no row)."""
    stored = session.scalar(select(IdentityCheckRow.locked_until).where(IdentityCheckRow.account_no == account_no))
    return lock_in_force(stored, clock.utcnow())


def _touch(session: Session, account_no: str, now: datetime) -> bool:
    """Stamp the account's row; False if it has none yet.

    A write first, because on SQLite only a write takes the lock (reads take none); on
    PostgreSQL it takes the row's lock, which the ``FOR UPDATE`` read then holds."""
    stamped = session.execute(
        update(IdentityCheckRow).where(IdentityCheckRow.account_no == account_no).values(updated_at=now)
    )
    return stamped.rowcount > 0


def _create(session: Session, account_no: str, now: datetime) -> None:
    """Insert the row of an account's first check; if a parallel first check inserted it
    first (the primary key refuses a second), lock that one instead."""
    session.add(IdentityCheckRow(account_no=account_no, failures=0, lock_count=0, updated_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        log.info("identity check race on an account's first check: using the row the other check created")
        _touch(session, account_no, now)


def _row_for_update(session: Session, account_no: str, now: datetime) -> IdentityCheckRow:
    """The account's row, created if missing, locked until the transaction ends."""
    if not _touch(session, account_no, now):
        _create(session, account_no, now)
    query = (select(IdentityCheckRow).where(IdentityCheckRow.account_no == account_no)
             .with_for_update().execution_options(populate_existing=True))
    return session.scalars(query).one()


def _count_failure(row: IdentityCheckRow, now: datetime, max_failures: int, lock_minutes: float) -> IdentityCheck:
    """One more wrong answer; the last one allowed locks the account and restarts the count."""
    row.failures += 1
    if row.failures < max_failures:
        return IdentityCheck(False, max_failures - row.failures, None)
    # Whole seconds: the stored lock and the ISO string in the answer are the same instant.
    row.locked_until = (now + lock_duration(row.lock_count, lock_minutes)).replace(microsecond=0)
    row.lock_count += 1
    row.failures = 0
    return IdentityCheck(False, 0, row.locked_until)


def _matches(session: Session, account_no: str, phone_last4: str) -> bool:
    """Constant-time comparison with the last four digits of the account holder's mobile
    (an unknown account has none: nothing matches, in the same time)."""
    mobile = session.scalar(select(Customer.mobile).join(Account, Account.customer_id == Customer.id)
                            .where(Account.account_no == account_no)) or "----"
    return hmac.compare_digest(mobile[-4:].encode(), phone_last4.encode())


class TooManyChecks(ServiceError):
    status_code = 429

    def __init__(self, decision: ratelimit.Decision) -> None:
        minutes = max(1, int(decision.retry_after_s // 60) + 1)
        super().__init__("identity_rate_limited",
                         f"Too many identity checks; retry after {decision.retry_after_header} s",
                         f"身份核验尝试太频繁，请{minutes}分钟后再试，或回复“转人工”由人工客服为您办理。")
        self.retry_after_s = decision.retry_after_s


def _rates(account_no: str, client: str | None) -> list[tuple[str, int]]:
    """(key, limit per hour) of the wrong-answer rates that apply to a check."""
    settings = get_settings()
    rates = [("identity:failures", settings.identity_failures_per_hour)]
    if client:
        rates.append((f"identity:client:{client}", settings.identity_failures_per_client_per_hour))
    return rates


def _refuse_if_over_rate(account_no: str, client: str | None, url: str) -> None:
    """429 before comparing anything when a rate is used up (checked before the account's
    row is locked: the limiter writes through its own connection)."""
    attempts = ratelimit.hit(f"identity:account:{account_no}", get_settings().identity_checks_per_account_per_hour,
                             3600, url)
    if not attempts.allowed:
        raise TooManyChecks(attempts)
    for key, limit in _rates(account_no, client):
        decision = ratelimit.peek(key, limit, 3600, url)
        if not decision.allowed:
            log.warning("identity checks refused: %s used up", key.split(":")[1])
            raise TooManyChecks(decision)


def _count_wrong_answer(account_no: str, client: str | None, url: str) -> None:
    for key, limit in _rates(account_no, client):
        ratelimit.hit(key, limit, 3600, url)


def verify_identity(session: Session, account_no: str, phone_last4: str, client: str | None = None) -> IdentityCheck:
    """Check ``phone_last4`` against the account's mobile, counting wrong answers.

    Malformed digits or 户号 are Invalid (422) and count nothing; an unknown 户号 is
    answered like a known one with a wrong answer.  ``client`` tags who asks (for the
    per-client rate); a used-up rate is TooManyChecks (429).  Commits its own
    transaction: a counted failure must stick whatever the caller does next, and the
    row stays locked no longer than the check."""
    check_phone_last4(phone_last4)
    check_account_no(account_no)
    url = session.get_bind().url.render_as_string(hide_password=False)
    _refuse_if_over_rate(account_no, client, url)
    settings, now = get_settings(), clock.utcnow()
    row = _row_for_update(session, account_no, now)
    if (locked := lock_in_force(row.locked_until, now)) is not None:
        result = IdentityCheck(False, 0, locked)  # refused unread: a lock reveals nothing
    elif _matches(session, account_no, phone_last4):
        row.failures, row.lock_count, row.locked_until = 0, 0, None
        result = IdentityCheck(True, settings.identity_max_failures, None)
    else:
        result = _count_failure(row, now, settings.identity_max_failures, settings.identity_lock_minutes)
    session.commit()
    if locked is None and not result.verified:
        _count_wrong_answer(account_no, client, url)
    return result
