"""Taking a payment exactly once.

The caller sends an idempotency key with every payment.  The key is UNIQUE in the
``payments`` table, and that constraint — not a check in Python — is what guarantees one
charge per key: when two requests with one key race, the database lets one insert win and
the loser reads the winner's payment back.  So:

* same key, same body  -> the same payment and the same answer (a replay);
* same key, other body -> Conflict (409);
* amounts outside 0.01–5,000 元, or with fractions of a 分 -> Invalid (422).

Payments to one account are serialised (row lock on PostgreSQL; SQLite's single writer),
because applying money reads and changes bills and the balance.  Postpaid: money settles
unpaid bills oldest first and anything left becomes credit on the balance.  Prepaid: it
tops up the balance.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services import clock
from services.billing.limits import MAX_PAYMENT, MIN_PAYMENT, RANGE_EN, RANGE_ZH
from services.billing.models import Account, Bill, Customer, Payment, PaymentAllocation
from services.billing.service import amount_due, get_account, money
from services.errors import Conflict, Invalid
from services.masking import mask_account_no

log = logging.getLogger(__name__)

CHANNELS = {"app": "网上国网", "wechat": "微信", "alipay": "支付宝", "bank": "银行代扣", "counter": "营业厅"}


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
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or not MIN_PAYMENT <= value <= MAX_PAYMENT:
        raise Invalid("amount_out_of_range", RANGE_EN, f"{RANGE_ZH}。")
    if value != value.quantize(MIN_PAYMENT):
        raise Invalid("amount_precision", "A payment is in yuan with at most 2 decimals",
                      "缴费金额最多精确到分（小数点后两位）。")
    if channel not in CHANNELS:
        raise Invalid("unknown_channel", f"channel must be one of {', '.join(CHANNELS)}", "不支持的缴费渠道。")
    return PaymentRequest(account_no, value.quantize(MIN_PAYMENT), channel, idempotency_key)


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


def _existing(session: Session, request: PaymentRequest) -> dict | None:
    """The stored answer for this key; Conflict if the key was used for another payment."""
    payment = session.scalars(select(Payment).where(Payment.idempotency_key == request.idempotency_key)).one_or_none()
    if payment is None:
        return None
    if payment.request_hash != request.fingerprint():
        raise Conflict("idempotency_key_reused",
                       "This Idempotency-Key was already used for a different payment",
                       "该支付请求编号已用于另一笔缴费，请勿重复提交。")
    return payment_view(session, payment)


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
    """Take a payment once per idempotency key; returns ``(answer, replayed)``.

    Commits its own transaction: the answer must be durable before it is given."""
    request = check_payment_request(account_no, amount, channel, idempotency_key)
    today = today or clock.today()
    now = clock.utcnow()
    account = get_account(session, account_no, for_update=True)  # serialise payments per account
    if (answer := _existing(session, request)) is not None:
        session.rollback()
        return answer, True
    payment = Payment(account_no=account.account_no, amount=request.amount, channel=request.channel,
                      idempotency_key=request.idempotency_key, request_hash=request.fingerprint(),
                      status="succeeded", balance_after=Decimal("0.00"), created_at=now)
    session.add(payment)
    try:
        session.flush()  # the INSERT: on SQLite it also takes the write lock
    except IntegrityError:  # another request with this key won the race
        session.rollback()
        log.info("payment race on one idempotency key: answering with the stored payment")
        answer = _existing(session, request)
        assert answer is not None, "unique violation without a stored payment"
        return answer, True
    session.refresh(account)  # re-read under the lock: the balance may have moved
    left = request.amount if account.billing_mode == "prepaid" else _settle_bills(session, account, payment, today, now)
    account.balance = Decimal(account.balance) + left
    payment.balance_after = account.balance
    session.flush()
    answer = payment_view(session, payment)
    session.commit()
    log.info("payment %s of %s yuan on account %s via %s", payment.id, answer["amount"],
             mask_account_no(account.account_no), request.channel)
    return answer, False
