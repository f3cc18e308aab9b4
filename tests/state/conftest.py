"""Fixtures: every state-store test runs on SQLite (a tmp file) and on PostgreSQL.

PostgreSQL comes from ``STOREBRIDGE_TEST_POSTGRES_URL`` (default: trust auth on localhost). The
session gets a fresh database, dropped at the end; each test gets a fresh schema in it, reached
through ``search_path`` and a non-UTC session time zone (so UTC normalisation is really tested).
"""

from __future__ import annotations

import os
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import pytest
from sqlalchemy import URL, create_engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from connectors.state import StateStore

T = TypeVar("T")

PG_URL_ENV = "STOREBRIDGE_TEST_POSTGRES_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDACTED = "[REDACTED]"
SENSITIVE_KEYS = {"email", "card_number", "password"}


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[URL]:
    """A PostgreSQL database created for this test session and dropped after it."""
    url = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    shown = url.render_as_string(hide_password=True)
    admin = create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
    name = f"storebridge_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {shown}: {exc.orig}; set {PG_URL_ENV}")
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database: URL) -> Iterator[str]:
    """URL of an empty schema of the session database, private to one test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_database, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    options = f"-csearch_path={schema} -ctimezone=Asia/Kolkata"
    yield postgres_database.update_query_dict({"options": options}).render_as_string(
        hide_password=False
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty state database, on each dialect in turn."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def empty_store(db_url: str) -> Iterator[StateStore]:
    """A store on a database that was never migrated."""
    store = StateStore(db_url)
    yield store
    store.dispose()


@pytest.fixture
def store(empty_store: StateStore) -> StateStore:
    """A store migrated to the head revision."""
    empty_store.upgrade()
    return empty_store


def _fake_redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            key: REDACTED if key in SENSITIVE_KEYS else _fake_redact(value)
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [_fake_redact(item) for item in obj]
    return obj


@pytest.fixture
def fake_redactor(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Stand-in for `connectors.http.redaction`; returns the list of payloads it was given."""
    calls: list[Any] = []

    def redact_payload(obj: Any) -> Any:
        calls.append(obj)
        return _fake_redact(obj)

    def redact_record(message: str, payload: Any) -> tuple[str, Any]:
        return message, (None if payload is None else redact_payload(payload))

    module = types.ModuleType("connectors.http.redaction")
    module.redact_payload = redact_payload  # type: ignore[attr-defined]
    module.redact_record = redact_record  # type: ignore[attr-defined]
    module.redact_text = lambda text: text  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "connectors.http.redaction", module)
    return calls


def run_concurrently(workers: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in `workers` threads released together; re-raise the first exception."""
    barrier = Barrier(workers)

    def start(index: int) -> T:
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(start, index) for index in range(workers)]
        return [future.result(timeout=120) for future in futures]


@pytest.fixture
def concurrently() -> Callable[[int, Callable[[int], Any]], list[Any]]:
    """`run_concurrently`, as a fixture (test modules do not import conftest)."""
    return run_concurrently
