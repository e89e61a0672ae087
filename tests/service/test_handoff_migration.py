"""Migration 0007_handoff goes down and up cleanly on both back ends and builds exactly
the tables the handoff's models describe."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import handoff.models  # noqa: F401  (registers the handoff tables on Base.metadata)
from services.db import Base, engine_for, migrate
from tests.service.test_billing_migration import alembic_config, tables

HANDOFF_TABLES = {"agents", "agent_sessions", "handoffs", "handoff_notes", "canned_replies", "unmask_audit",
                  "complaints", "callback_tasks", "handoff_events"}


def test_downgrade_to_0006_removes_the_handoff_tables_and_upgrade_restores_them(db_url: str) -> None:
    before = tables(db_url)
    assert HANDOFF_TABLES <= before
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0006_outbox")  # the later migrations go down too
    after = tables(db_url)
    assert not HANDOFF_TABLES & after and {"conversations", "messages", "outbox", "accounts"} <= after
    migrate(db_url)
    assert HANDOFF_TABLES <= tables(db_url)


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    def handoff_only(obj, name, type_, reflected, compare_to) -> bool:
        table = name if type_ == "table" else getattr(obj, "table", None) is not None and obj.table.name
        return table in HANDOFF_TABLES

    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": handoff_only})
        assert compare_metadata(context, Base.metadata) == []
