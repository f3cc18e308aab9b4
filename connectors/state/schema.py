"""Creating and upgrading the state schema with Alembic, programmatically (no alembic.ini).

The revision scripts live in `connectors/state/migrations/versions/`. Upgrades are serialised:
PostgreSQL takes a transaction-scoped advisory lock, SQLite a ``BEGIN IMMEDIATE`` write lock, so
several workers starting at once upgrade the database exactly once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
VERSION_TABLE = "storebridge_state_version"
# Arbitrary but fixed key of the PostgreSQL advisory lock that serialises upgrades.
UPGRADE_LOCK_KEY = 0x5742_5354_4154_45


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic `Config` for the state migrations, bound to `connection` when given.

    Useful for Alembic commands beyond `upgrade`, e.g.
    ``alembic.command.history(alembic_config())``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the scripts know."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no revision scripts in {MIGRATIONS}"
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create the schema or migrate it to `revision`, in one serialised transaction.

    Running it again at the same revision does nothing.
    """
    with engine.begin() as connection:
        _lock(connection)
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the schema down to `revision` (``base`` drops every state table)."""
    with engine.begin() as connection:
        _lock(connection)
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK_KEY})
    else:
        # pysqlite would only BEGIN before the first INSERT; take the write lock up front so the
        # whole upgrade, DDL included, is one transaction.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
