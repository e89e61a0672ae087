"""Limits on a single payment, in yuan.

Plain constants with no database behind them: the payment service enforces them, and
the dialogue checks them too so it can ask again before a customer confirms.
"""
from decimal import Decimal

MIN_PAYMENT = Decimal("0.01")
MAX_PAYMENT = Decimal("5000.00")
