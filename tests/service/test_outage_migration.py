"""The outage migration (0004_outage) goes up and down cleanly on both back ends and
builds exactly the tables the models describe."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import services.outage.models  # noqa: F401  (registers the outage tables on Base.metadata)
from services.db import Base, engine_for, migrate
from tests.service.test_billing_migration import alembic_config, tables

OUTAGE_TABLES = {"outage_tickets", "outage_ticket_events", "planned_outages", "planned_outage_streets"}


LATER_TABLES = {"outbox",  # migrations after 0004 (0006_outbox … 0010_voice) go down with it
                "agents", "agent_sessions", "handoffs", "handoff_notes", "canned_replies", "unmask_audit",
                "complaints", "callback_tasks", "handoff_events", "wechat_pushes", "rate_limits",
                "idempotency_keys", "voice_calls", "outage_restore_notices"}


def test_downgrade_to_0003_removes_only_the_outage_tables_and_upgrade_restores_them(db_url):
    before = tables(db_url)
    assert OUTAGE_TABLES <= before
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0003_identity_checks")
    assert tables(db_url) == before - OUTAGE_TABLES - LATER_TABLES
    migrate(db_url)
    assert OUTAGE_TABLES <= tables(db_url)


def test_the_migrated_schema_matches_the_models(db_url):
    def outage_only(obj, name, type_, reflected, compare_to) -> bool:
        return (name if type_ == "table" else getattr(obj, "table", None) is not None and obj.table.name) in OUTAGE_TABLES

    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": outage_only})
        assert compare_metadata(context, Base.metadata) == []


def test_one_open_ticket_per_conversation_and_address_is_a_constraint(db_url):
    unique = {c["name"] for c in inspect(engine_for(db_url)).get_unique_constraints("outage_tickets")}
    assert {"uq_outage_tickets_open_conversation_id", "uq_outage_tickets_open_address_key",
            "uq_outage_tickets_code", "uq_outage_tickets_day"} <= unique
