"""Alembic environment: runs migrations against the URL given in the config,
falling back to the settings' database URL."""
from alembic import context
from sqlalchemy import pool

from services.db import Base, make_engine
from services.models import import_all_models
from services.settings import get_settings

import_all_models()
target_metadata = Base.metadata


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url) if url.startswith("sqlite") else __import__("sqlalchemy").create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=url.startswith("sqlite"),  # SQLite cannot ALTER most things
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
