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
    sqlite = url.startswith("sqlite")
    with engine.connect() as connection:
        if sqlite:
            # A batch migration rebuilds a table (copy, drop, rename); with foreign keys on,
            # dropping a table others point at fails.  SQLite's own recipe: keys off (only
            # possible outside a transaction), migrate, then check them all.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,  # SQLite cannot ALTER most things
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    engine.dispose()


run_migrations()
