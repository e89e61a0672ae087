"""Taking a payment exactly once.

The caller sends an idempotency key with every payment.  Keys are scoped per account and
kept 24 hours (as Stripe does): before a payment is taken its key is *reserved* with a row
in ``idempotency_keys`` whose primary key is (account, key), committed first, so when two
requests with one key race the database lets one reservation in — not a check in Python.
Then:

* same key, same body, first one done    -> the same payment and the same answer (a replay);
* same key, same body, first one running -> Conflict (409 ``idempotency_key_in_progress``);
* same key, other body                   -> Conflict (409 ``idempotency_key_reused``);
* the same key on another account, or after 24 h -> a new payment;
* amounts outside 0.01–5,000 元, with fractions of a 分, or not written in ASCII digits
  (``"１００"``, ``"١٠٠"``, ``" 100"``: the chat normalizes what customers type with
  services/textnorm.py; this API takes only the canonical form) -> Invalid (422).

A reservation whose request died (a crashed process) holds its key for at most
``RUNNING_TIMEOUT``; then the next request with the key takes it over.  The payment and
the reservation's "done" are committed together, and only by the request that owns the
reservation, so a slow request whose reservation was taken over commits nothing.

Payments to one account are serialised (row lock on PostgreSQL; SQLite's single writer),
because applying money reads and changes bills and the balance.  Postpaid: money settles
unpaid bills oldest first and anything left becomes credit on the balance.  Prepaid: it
tops up the balance.
"""
from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services import clock
from services.billing.limits import MAX_PAYMENT, MIN_PAYMENT, RANGE_EN, RANGE_ZH
from services.billing.models import Account, Bill, Customer, IdempotencyKeyRow, Payment, PaymentAllocation
from services.billing.service import amount_due, get_account, money
from services.errors import Conflict, Invalid
from services.masking import mask_account_no

log = logging.getLogger(__name__)

CHANNELS = {"app": "网上国网", "wechat": "微信", "alipay": "支付宝", "bank": "银行代扣", "counter": "营业厅"}
KEY_LIFETIME = timedelta(hours=24)
RUNNING_TIMEOUT = timedelta(seconds=60)  # a reservation still running after this was abandoned
# A decimal in ASCII digits; precision is checked after, so "100.001" gets its own message.
AMOUNT_TEXT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?")


@dataclass(frozen=True)
class PaymentRequest:
    account_no: str
    amount: Decimal
    channel: str
    idempotency_key: str

    def fingerprint(self) -> str:
        body = f"{self.account_no}|{self.amount:.2f}|{self.channel}"
        return hashlib.sha256(body.encode()).hexdigest()


def check_payment_request(account_no: str, amount: Decimal | str | float, channel: str,
                          idempotency_key: str | None) -> PaymentRequest:
    """Validate before touching the database; every failure is a clear 422."""
    if not idempotency_key or not 1 <= len(idempotency_key) <= 128:
        raise Invalid("idempotency_key_required", "Send an Idempotency-Key header (1-128 characters)",
                      "缺少支付幂等键。")
    value = payment_amount(amount)
    if not value.is_finite() or not MIN_PAYMENT <= value <= MAX_PAYMENT:
        raise Invalid("amount_out_of_range", RANGE_EN, f"{RANGE_ZH}。")
    if value != value.quantize(MIN_PAYMENT):
        raise Invalid("amount_precision", "A payment is in yuan with at most 2 decimals",
                      "缴费金额最多精确到分（小数点后两位）。")
    if channel not in CHANNELS:
        raise Invalid("unknown_payment_channel", f"channel must be a payment channel: {', '.join(CHANNELS)}",
                      f"不支持的缴费渠道，可选：{'、'.join(CHANNELS.values())}。")
    return PaymentRequest(account_no, value.quantize(MIN_PAYMENT), channel, idempotency_key)


def payment_amount(amount: Decimal | str | float) -> Decimal:
    """The amount as a Decimal (NaN for a number that is none); text only in ASCII digits."""
    if isinstance(amount, str):
        if not AMOUNT_TEXT.fullmatch(amount):
            raise Invalid("malformed_amount", 'amount must be a decimal in ASCII digits, e.g. "100.50"',
                          "缴费金额格式不正确，请用阿拉伯数字填写，例如100.50。")
        return Decimal(amount)
    if isinstance(amount, bool):
        return Decimal("NaN")
    try:
        return Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")


def payment_view(session: Session, payment: Payment) -> dict:
    """The answer for a payment, built only from stored rows so a replay is identical."""
    allocations = session.execute(
        select(Bill.period, PaymentAllocation.amount)
        .join(Bill, Bill.id == PaymentAllocation.bill_id)
        .where(PaymentAllocation.payment_id == payment.id)
        .order_by(Bill.period)
    ).all()
    created = payment.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=timezone.utc)
    return {
        "payment_id": payment.id,
        "account_no": payment.account_no,
        "amount": money(payment.amount),
        "channel": payment.channel,
        "status": payment.status,
        "created_at": created.astimezone(timezone.utc).replace(microsecond=0).isoformat(),
        "applied_to": [{"period": period, "amount": money(amount)} for period, amount in allocations],
        "balance_after": money(payment.balance_after),
    }


def list_payments(session: Session, account_no: str, limit: int = 20) -> list[dict]:
    """The account's payments, newest first, in the same shape as a payment's answer."""
    account = get_account(session, account_no)
    payments = session.scalars(
        select(Payment).where(Payment.account_no == account.account_no)
        .order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit)
    ).all()
    return [payment_view(session, p) for p in payments]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)  # SQLite: naive UTC


def _in_progress() -> Conflict:
    return Conflict("idempotency_key_in_progress",
                    "A request with this Idempotency-Key is still being processed; retry shortly",
                    "这笔缴费正在处理中，请稍候再查看结果，不要重复提交。")


def _answer_for(session: Session, request: PaymentRequest, row: IdempotencyKeyRow, now: datetime) -> dict | None:
    """What a request finding ``row`` (its key's reservation) gets: the stored answer, a
    Conflict, or None when it may take over an abandoned reservation."""
    if row.request_hash != request.fingerprint():
        raise Conflict("idempotency_key_reused",
                       "This Idempotency-Key was already used for a different payment",
                       "该支付请求编号已用于另一笔缴费，请勿重复提交。")
    if row.state == "done":
        return payment_view(session, session.get(Payment, row.payment_id))
    if now - _aware(row.created_at) < RUNNING_TIMEOUT:
        raise _in_progress()
    return None


def _reserve(session: Session, request: PaymentRequest) -> str | dict:
    """Reserve the key for this request (returns its owner token, committed) or return
    the stored answer of the request that already used it."""
    now = clock.utcnow()
    owner = uuid.uuid4().hex
    # Keys past their 24 h are forgotten (this account's only: a cheap, indexed delete).
    session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.account_no == request.account_no,
                                                    IdempotencyKeyRow.expires_at <= now))
    session.add(IdempotencyKeyRow(account_no=request.account_no, key=request.idempotency_key,
                                  request_hash=request.fingerprint(), owner=owner, state="running",
                                  created_at=now, expires_at=now + KEY_LIFETIME))
    try:
        session.commit()  # the INSERT: the primary key lets one request per key in
        return owner
    except IntegrityError:
        session.rollback()
    row = session.get(IdempotencyKeyRow, (request.account_no, request.idempotency_key), populate_existing=True)
    if row is None:  # its 24 h ended between our insert and this read: the key is free again
        raise _in_progress()
    if (answer := _answer_for(session, request, row, now)) is not None:
        session.rollback()
        return answer
    taken = session.execute(update(IdempotencyKeyRow).where(
        IdempotencyKeyRow.account_no == row.account_no, IdempotencyKeyRow.key == row.key,
        IdempotencyKeyRow.owner == row.owner, IdempotencyKeyRow.state == "running",
    ).values(owner=owner, created_at=now))
    if taken.rowcount != 1:  # another request took it over first
        session.rollback()
        raise _in_progress()
    session.commit()
    log.warning("took over an abandoned payment reservation on account %s", mask_account_no(request.account_no))
    return owner


def _release(session: Session, request: PaymentRequest, owner: str) -> None:
    """The payment failed: free the key so that a retry can take it."""
    session.rollback()
    session.execute(delete(IdempotencyKeyRow).where(
        IdempotencyKeyRow.account_no == request.account_no, IdempotencyKeyRow.key == request.idempotency_key,
        IdempotencyKeyRow.owner == owner, IdempotencyKeyRow.state == "running"))
    session.commit()


def _settle_bills(session: Session, account: Account, payment: Payment, today: date, now: datetime) -> Decimal:
    """Apply the payment to unpaid bills, oldest first; returns what is left over."""
    segment = session.scalar(select(Customer.segment).where(Customer.id == account.customer_id))
    left = Decimal(payment.amount)
    unpaid = session.scalars(
        select(Bill).where(Bill.account_no == account.account_no, Bill.paid.is_(False)).order_by(Bill.period)
    ).all()
    for bill in unpaid:
        if left <= 0:
            break
        fee, due = amount_due(bill, segment, today)
        applied = min(left, due)
        if applied == due:  # settled: the late fee is frozen at what was paid
            bill.paid, bill.paid_at, bill.late_fee = True, now, fee
            bill.paid_amount = Decimal(bill.total_amount) + fee
        else:  # a part payment reduces the principal still owed
            bill.paid_amount = Decimal(bill.paid_amount) + applied
        session.add(PaymentAllocation(payment_id=payment.id, bill_id=bill.id, amount=applied))
        left -= applied
    return left


def record_payment(session: Session, account_no: str, amount: Decimal | str | float, channel: str,
                   idempotency_key: str | None, today: date | None = None) -> tuple[dict, bool]:
    """Take a payment once per account and idempotency key; returns ``(answer, replayed)``.

    Commits its own transactions (the reservation, then the payment with the reservation
    marked done): the answer must be durable before it is given."""
    request = check_payment_request(account_no, amount, channel, idempotency_key)
    get_account(session, account_no)  # an unknown account is NotFound before anything is written
    reserved = _reserve(session, request)
    if isinstance(reserved, dict):
        return reserved, True
    try:
        return _take_payment(session, request, reserved, today or clock.today()), False
    except BaseException:
        _release(session, request, reserved)
        raise


def _take_payment(session: Session, request: PaymentRequest, owner: str, today: date) -> dict:
    now = clock.utcnow()
    account = get_account(session, request.account_no, for_update=True)  # serialise payments per account
    payment = Payment(account_no=account.account_no, amount=request.amount, channel=request.channel,
                      idempotency_key=request.idempotency_key, request_hash=request.fingerprint(),
                      status="succeeded", balance_after=Decimal("0.00"), created_at=now)
    session.add(payment)
    session.flush()  # the INSERT: on SQLite it takes the write lock (a read takes none)
    session.refresh(account)  # re-read under the lock: the balance may have moved
    left = request.amount if account.billing_mode == "prepaid" else _settle_bills(session, account, payment, today, now)
    account.balance = Decimal(account.balance) + left
    payment.balance_after = account.balance
    session.flush()
    done = session.execute(update(IdempotencyKeyRow).where(
        IdempotencyKeyRow.account_no == request.account_no, IdempotencyKeyRow.key == request.idempotency_key,
        IdempotencyKeyRow.owner == owner, IdempotencyKeyRow.state == "running",
    ).values(state="done", payment_id=payment.id))
    if done.rowcount != 1:  # our reservation was taken over: the other request pays, not us
        raise _in_progress()
    answer = payment_view(session, payment)
    session.commit()
    log.info("payment %s of %s yuan on account %s via %s", payment.id, answer["amount"],
             mask_account_no(account.account_no), request.channel)
    return answer
