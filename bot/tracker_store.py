"""Rasa's SQL tracker store with a connection pool that survives a database restart.

Rasa 3.6's ``SQLTrackerStore`` creates its engine without ``pool_pre_ping``: after
PostgreSQL restarts, every connection in the pool is dead, and the first turn of each Rasa
server fails on one (the customer gets the apology) before SQLAlchemy notices and empties
the pool.  This store is the same, with an engine that pings a pooled connection before
lending it and opens a fresh one when the ping fails, so the first turn after the
database is back is answered.  scripts/stack.py names it in the endpoints for a
PostgreSQL tracker store (``type: bot.tracker_store.ReconnectingSQLTrackerStore``).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs


class ReconnectingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
