"""The 0002_billing migration goes up and down cleanly on both back ends."""
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from services.db import engine_for, migrate
from services.settings import REPO_ROOT

BILLING_TABLES = {"tariff_plans", "customers", "accounts", "meter_readings", "bills", "payments", "payment_allocations"}


def alembic_config(url: str) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "services" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def tables(url: str) -> set[str]:
    engine = engine_for(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_downgrade_removes_billing_and_upgrade_restores_it(db_url):
    assert BILLING_TABLES <= tables(db_url)
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0001_conversations")
    remaining = tables(db_url)
    assert not BILLING_TABLES & remaining and "conversations" in remaining
    migrate(db_url)
    assert BILLING_TABLES <= tables(db_url)
    payments = {c["name"] for c in inspect(engine_for(db_url)).get_unique_constraints("payments")}
    assert "uq_payments_idempotency_key" in payments
