"""Alembic environment of the state database.

Run programmatically by `connectors.state.schema.upgrade`, which hands over an open connection in
``config.attributes["connection"]`` (no alembic.ini). The version table has its own name so the
state can share a database with another Alembic-managed application (e.g. a Prefect server).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from connectors.state.models import Base
from connectors.state.schema import VERSION_TABLE


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate through the handed-over connection, or through ``sqlalchemy.url``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection handed over and no sqlalchemy.url set")
    engine = create_engine(url)
    try:
        with engine.begin() as own:
            _configure(own)
    finally:
        engine.dispose()


def run_offline() -> None:
    """Write the SQL to stdout (``alembic upgrade --sql``) instead of running it."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
