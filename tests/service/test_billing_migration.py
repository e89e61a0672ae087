"""The billing migrations (0002_billing, 0003_identity_checks) go up and down cleanly on
both back ends."""
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from services.db import engine_for, migrate
from services.settings import REPO_ROOT

BILLING_TABLES = {"tariff_plans", "customers", "accounts", "meter_readings", "bills", "payments", "payment_allocations",
                  "identity_checks"}


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
    # Since 0009_hardening the key is reserved per account in idempotency_keys, not UNIQUE here.
    payments = {c["name"] for c in inspect(engine_for(db_url)).get_unique_constraints("payments")}
    assert "uq_payments_idempotency_key" not in payments
    keys = inspect(engine_for(db_url)).get_pk_constraint("idempotency_keys")
    assert keys["constrained_columns"] == ["account_no", "key"]


def test_downgrade_to_0002_removes_only_identity_checks(db_url):
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0002_billing")
    assert tables(db_url) & BILLING_TABLES == BILLING_TABLES - {"identity_checks"}
    migrate(db_url)
    assert "identity_checks" in tables(db_url)
    # 0009_hardening dropped the foreign key: unknown 户号 are counted and locked too.
    assert inspect(engine_for(db_url)).get_foreign_keys("identity_checks") == []
