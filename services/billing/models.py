"""Billing tables: who the customers are, their accounts, what the meter read, what they owe,
what they paid.

Money is ``Numeric(12, 2)`` (Decimal in Python, never float); kWh are whole numbers as
printed on a meter reading.  (SQLite stores NUMERIC as a double; SQLAlchemy hands it back
as a Decimal quantized to 2 places, which is exact for any amount under 10^13 元 — so
money is never summed in SQL, only in Python.)  Months are ``YYYY-MM`` strings: they sort, compare and read
the same on SQLite and PostgreSQL.  Only a *masked* ID number is ever stored.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow

Money = Numeric(12, 2)


class TariffPlanRow(Base):
    """The catalogue of plans an account can be on; prices live in tariffs/*.yml."""

    __tablename__ = "tariff_plans"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    province: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[str] = mapped_column(String(8))  # "monthly" | "annual"
    time_of_use: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(32))
    mobile: Mapped[str] = mapped_column(String(16))
    id_number_masked: Mapped[str] = mapped_column(String(24))
    address: Mapped[str] = mapped_column(String(128))
    segment: Mapped[str] = mapped_column(String(16))  # "居民" | "一般工商业"


class Account(Base):
    __tablename__ = "accounts"

    account_no: Mapped[str] = mapped_column(String(10), primary_key=True)  # 10-digit 户号
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    province: Mapped[str] = mapped_column(String(32))
    tariff_plan: Mapped[str] = mapped_column(ForeignKey("tariff_plans.code"))
    billing_mode: Mapped[str] = mapped_column(String(8))  # "prepaid" | "postpaid"
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    opened_on: Mapped[date] = mapped_column(Date)


class MeterReading(Base):
    """One month of consumption; a meter without time-of-use reports everything as flat."""

    __tablename__ = "meter_readings"
    __table_args__ = (UniqueConstraint("account_no", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_no: Mapped[str] = mapped_column(ForeignKey("accounts.account_no"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    peak_kwh: Mapped[int] = mapped_column(Integer, default=0)
    flat_kwh: Mapped[int] = mapped_column(Integer, default=0)
    valley_kwh: Mapped[int] = mapped_column(Integer, default=0)


class Bill(Base):
    """A monthly bill as computed by the tariff engine.

    ``late_fee`` is frozen when the bill is settled; while unpaid it is recomputed from
    the days overdue (services/billing/late_fee.py)."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("account_no", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_no: Mapped[str] = mapped_column(ForeignKey("accounts.account_no"))
    period: Mapped[str] = mapped_column(String(7))
    tier1_kwh: Mapped[int] = mapped_column(Integer, default=0)
    tier2_kwh: Mapped[int] = mapped_column(Integer, default=0)
    tier3_kwh: Mapped[int] = mapped_column(Integer, default=0)
    tier1_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tier2_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tier3_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # Per time-of-use period; NULL on a plan without time-of-use.
    peak_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    flat_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    valley_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    late_fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class Payment(Base):
    """A payment, at most one per account and idempotency key within 24 h (the
    reservation in ``idempotency_keys`` is the guarantee: services/billing/payments.py)."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_account_no_idempotency_key", "account_no", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_no: Mapped[str] = mapped_column(ForeignKey("accounts.account_no"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    channel: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    # sha256 of (account, amount, channel): the same key with another body is a conflict.
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="succeeded")
    balance_after: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotencyKeyRow(Base):
    """A payment's idempotency key, reserved before the payment is taken and kept 24 h.

    The primary key (account, key) lets one request per key in; ``state`` is "running"
    until the payment is committed with ``payment_id``, then "done".  ``owner`` names the
    request holding a running reservation, so a request whose reservation was taken over
    (it ran past ``RUNNING_TIMEOUT``) cannot commit a second payment."""

    __tablename__ = "idempotency_keys"

    account_no: Mapped[str] = mapped_column(ForeignKey("accounts.account_no"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(8))  # "running" | "done"
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PaymentAllocation(Base):
    """How much of a payment settled which bill (oldest first); prepaid top-ups have none."""

    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    amount: Mapped[Decimal] = mapped_column(Money)


class IdentityCheckRow(Base):
    """Wrong answers to an account's identity check and its lock (services/billing/identity.py).

    Created on the account's first check; a right answer resets every column."""

    __tablename__ = "identity_checks"

    # No foreign key: a 户号 that does not exist is counted and locked the same way.
    account_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # wrong answers since the last lock or success
    lock_count: Mapped[int] = mapped_column(Integer, default=0)  # locks since the last success
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
