"""Engine, transactions and retries shared by every part of the state store.

SQLite (file) and PostgreSQL are supported. SQLite connections get WAL journaling, a 30 s busy
timeout and foreign keys, set on every new connection; the engine's pool is shared by threads.
Upserts use the dialect's own ``INSERT ... ON CONFLICT`` so concurrent writers never raise.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, Executable, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from connectors.http.errors import ConfigError
from connectors.state.models import Base

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
R = TypeVar("R", bound="DataclassInstance")

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_MS = 30_000
CHUNK = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
WRITE_ATTEMPTS = 4
# PostgreSQL serialization failure and deadlock: the transaction can simply be run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})

Insert = sqlite.Insert | postgresql.Insert


def to_record(cls: type[R], row: object, **convert: Callable[[Any], Any]) -> R:
    """The frozen record `cls` of an ORM row whose attributes carry the same names.

    Args:
        cls: a record dataclass (`Binding`, `InboxEvent`, `DeadLetter`).
        row: the ORM row.
        **convert: per-field conversions, e.g. ``status=InboxStatus``.
    """
    values = {f.name: getattr(row, f.name) for f in fields(cls)}
    for name, function in convert.items():
        values[name] = function(values[name])
    return cls(**values)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        _enable_wal(cursor)
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    # Turning a new file to WAL needs an exclusive lock, and SQLite reports "locked" at once
    # (without its busy handler) while another connection is converting or writing it.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine of a state database.

    Args:
        url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``).
        echo: log every SQL statement.

    Raises:
        ConfigError: the URL names a database other than SQLite or PostgreSQL.
    """
    backend = make_url(url).get_backend_name()
    if backend not in SUPPORTED_DIALECTS:
        raise ConfigError(
            f"state store supports sqlite and postgresql, not {backend!r} "
            "(check STOREBRIDGE_STATE_URL)"
        )
    engine = create_engine(url, echo=echo, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of `items`, at most `size` long."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(items: Iterable[T]) -> list[T]:
    """`items` without duplicates, first occurrence kept, order preserved."""
    return list(dict.fromkeys(items))


def _retryable(exc: DBAPIError, *, conflicts: bool) -> bool:
    if isinstance(exc, IntegrityError):
        return conflicts  # a unique race the ON CONFLICT clause could not absorb: run it again
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(exc, OperationalError) and sqlstate in RETRYABLE_SQLSTATES


def ensure_utc(value: datetime, name: str) -> datetime:
    """`value` converted to UTC.

    Raises:
        ValueError: `value` is naive, so its zone (and the instant it names) is unknown.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


class StoreBase:
    """Owns the engine and runs units of work in transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.engine: Engine = make_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _read(self, work: Callable[[Session], T]) -> T:
        with self._transaction() as session:
            return work(session)

    def _write(self, work: Callable[[Session], T], *, retry_conflicts: bool = True) -> T:
        """Run `work` in one transaction; run it again when a concurrent writer got in the way.

        Args:
            work: the unit of work; it may run more than once, so it must not keep state.
            retry_conflicts: also run it again after an `IntegrityError` (a lost race).
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._transaction() as session:
                    return work(session)
            except DBAPIError as exc:
                if attempt == WRITE_ATTEMPTS or not _retryable(exc, conflicts=retry_conflicts):
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _rowcount(session: Session, stmt: Executable) -> int:
        """Execute a Core UPDATE in the session's transaction; the number of rows it matched."""
        return session.connection().execute(stmt).rowcount

    def _insert(self, model: type[Base]) -> Insert:
        """The dialect's INSERT (with ``on_conflict_do_update``/``_do_nothing``) for `model`."""
        if self.dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    def dispose(self) -> None:
        """Close every pooled connection (the store can still be used; it reconnects)."""
        self.engine.dispose()
