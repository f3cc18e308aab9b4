"""PostgreSQL for tests: reachable or a clear skip; a fresh database per use, dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    """The server to create test databases on (`STOREBRIDGE_TEST_POSTGRES_URL`)."""
    return os.environ.get("STOREBRIDGE_TEST_POSTGRES_URL", DEFAULT_URL)


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Create `<prefix>_<hex>`, yield its SQLAlchemy URL (psycopg); skip if PostgreSQL is away."""
    import sqlalchemy as sa

    url = sa.make_url(admin_url())
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach it means: not available here
        engine.dispose()
        pytest.skip(
            f"PostgreSQL not reachable at {url.render_as_string()}: {exc}; "
            "set STOREBRIDGE_TEST_POSTGRES_URL"
        )
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
