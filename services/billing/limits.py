"""Limits on a single payment, in yuan.

Plain constants with no database behind them: the payment service enforces them, and
the dialogue checks them too so it can ask again before a customer confirms.
"""
from decimal import Decimal

MIN_PAYMENT = Decimal("0.01")
MAX_PAYMENT = Decimal("5000.00")

# The range as customers and API clients are told it, derived so it never drifts.
RANGE_EN = f"A payment must be between {MIN_PAYMENT} and {MAX_PAYMENT} yuan"
RANGE_ZH = f"单笔缴费金额需在{MIN_PAYMENT}元到{MAX_PAYMENT.normalize():f}元之间"
