"""`Sage300Database`: the company database over pyodbc, read-only, with one normaliser.

* One connection, opened lazily and shared under a lock (pyodbc connections are not for
  concurrent use); ``readonly=True`` and ``autocommit=True`` (a reader never holds a
  transaction), plus the driver's own read-only option where it has one: for the SQLite ODBC
  driver the database is opened as ``file:<path>?mode=ro`` (added when missing). On SQL Server
  read-only is the login's job (db_datareader); `readonly=True` is only a hint there.
* Only parameterised SELECTs run: a statement that is not one SELECT, or holds a quote, a ``;``
  or a comment, is refused before it is sent.
* Portable SQL (SQL Server and SQLite): ``?`` parameters, RTRIM/LOWER, no LIMIT/TOP: big reads
  page by key (``WHERE key > ? ORDER BY key`` + ``fetchmany``), look-ups are ``IN (?, ...)``
  chunked to `resources.IN_CHUNK` parameters. CHAR parameters are padded to the column's length
  (stored values are space-padded; SQL Server ignores trailing blanks, SQLite does not), so
  comparisons stay on the indexes.
* Every row goes through ONE normaliser (`values.normalise`, driven by the declared column types
  of `tables.py`: CHAR padding, YYYYMMDD dates, HHMMSShh times, decimals as str or Decimal).
* Change capture: `changed_keys` polls a table with the local AUDTDATE/AUDTTIME bounds of an
  aware UTC window (`values.audit_bounds`).
* A pyodbc error becomes a connector error naming the query and its tables, never the connection
  string: driver missing / bad string -> `ConfigError`, login refused -> `AuthError`, table or
  column missing -> `ConfigError`, link lost / timeout / locked -> `TransientError` (a lost link
  is reconnected and the query sent once more).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self

from connectors.http import AuthError, ConfigError, ConnectorError, TransientError
from connectors.sage300 import resources, tables
from connectors.sage300.queries import NamedQueries
from connectors.sage300.settings import Sage300Settings, odbc_attributes
from connectors.sage300.sql import (
    check_select,
    ident,
    in_chunks,
    keyset,
    placeholders,
    select_sql,
    tables_of,
)
from connectors.sage300.tables import Column, Table
from connectors.sage300.values import Row, audit_clause, convert, normalise, param

SYSTEM = resources.SYSTEM

# --- connection strings and driver errors --------------------------------------------------------


def _attribute_text(key: str, value: str) -> str:
    if key == "DRIVER" or value != value.strip() or any(c in value for c in ";{}"):
        return "{" + value.replace("}", "}}") + "}"
    return value


def read_only_connection_string(connection_string: str) -> str:
    """The connection string with the driver's read-only option: for the SQLite ODBC driver the
    database as ``file:<path>?mode=ro`` (any other mode replaced); other drivers unchanged (SQL
    Server's read-only is the login's rights)."""
    attributes = odbc_attributes(connection_string)
    driver = attributes.get("DRIVER", "")
    if "sqlite" not in driver.lower() or "DATABASE" not in attributes:
        return connection_string
    database = attributes["DATABASE"]
    if not database.startswith("file:"):
        database = "file:" + database
    path, _, query = database.partition("?")
    options = [o for o in query.split("&") if o and not o.lower().startswith("mode=")]
    attributes["DATABASE"] = path + "?" + "&".join([*options, "mode=ro"])
    return ";".join(f"{k}={_attribute_text(k, v)}" for k, v in attributes.items())


def _secrets_of(connection_string: str) -> list[str]:
    try:
        attributes = odbc_attributes(connection_string)
    except ValueError:
        return [connection_string]
    values = [v for k, v in attributes.items() if k != "DRIVER" and len(v) >= 3]
    return sorted({connection_string, *values}, key=len, reverse=True)


def scrub(message: str, secrets: Iterable[str]) -> str:
    """`message` with every secret value replaced by ``***``."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return " ".join(message.split())


_LINK_LOST = ("08S01", "08003", "08007", "HYT01")
_TRANSIENT = ("08001", "08004", "HYT00", "40001", "HY008", "40613")
_TRANSIENT_TEXT = ("database is locked", "deadlock", "timeout expired", "timed out")


def _state_and_text(exc: BaseException) -> tuple[str, str]:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    state = args[0] if args and isinstance(args[0], str) else ""
    text = args[1] if len(args) > 1 and isinstance(args[1], str) else str(exc)
    return state.upper(), text


def translate(
    exc: BaseException, what: str, *, secrets: Iterable[str] = (), drivers: Sequence[str] = ()
) -> ConnectorError:
    """The connector error of a pyodbc error raised while doing `what` (a query's name and its
    tables, or "connecting"), its driver message scrubbed of every connection-string value.

    Returns:
        `ConfigError` (driver missing, bad string, table or column missing, file not found),
        `AuthError` (login or permission refused), `TransientError` (link lost, timeout, busy).
    """
    state, raw = _state_and_text(exc)
    text = scrub(raw, secrets)
    lowered = text.lower()
    detail = f"{what}: {text}" if text.startswith("[") else f"{what}: [{state or '?'}] {text}"
    var = "STOREBRIDGE_SAGE300_ODBC"
    if state in ("IM002", "IM003", "IM001") or "can't open lib" in lowered:
        installed = ", ".join(drivers) if drivers else "none"
        return ConfigError(
            f"{detail}. The ODBC driver (DRIVER={{...}} or DSN= of {var}) is not installed or "
            f"not registered with unixODBC; installed drivers: {installed}",
            connection=SYSTEM,
        )
    if state.startswith("28") or "login failed" in lowered:
        return AuthError(
            f"{detail}. The database refused the login (UID/PWD of {var}; a non-expiring "
            "password for the integration login)",
            connection=SYSTEM,
        )
    if "permission" in lowered and "denied" in lowered:
        return AuthError(
            f"{detail}. Grant the integration login SELECT on the company database (db_datareader)",
            connection=SYSTEM,
        )
    if state == "42S02" or "no such table" in lowered or "invalid object name" in lowered:
        return ConfigError(
            f"{detail}. A table is missing: is DATABASE the Sage 300 company database "
            "(the login's default schema dbo)?",
            connection=SYSTEM,
        )
    if state == "42S22" or "no such column" in lowered or "invalid column name" in lowered:
        return ConfigError(
            f"{detail}. A column is missing: this Sage 300 version's table differs from the "
            "dictionary storebridge reads (connectors/sage300/tables.py)",
            connection=SYSTEM,
        )
    if state.startswith("08") or state in _TRANSIENT or any(t in lowered for t in _TRANSIENT_TEXT):
        return TransientError(f"{detail} (the database is unreachable or busy)", connection=SYSTEM)
    if any(
        t in lowered for t in ("unable to open database", "cannot open database", "connect failed")
    ):
        return ConfigError(
            f"{detail}. The database cannot be opened: check DATABASE (or SERVER) of {var}",
            connection=SYSTEM,
        )
    return TransientError(detail, connection=SYSTEM)


def _pyodbc() -> Any:
    try:
        import pyodbc
    except ImportError as exc:  # libodbc.so missing: pyodbc's C extension cannot load
        raise ConfigError(
            f"pyodbc cannot be loaded ({exc}); install unixODBC (libodbc2) and the database's "
            "ODBC driver",
            connection=SYSTEM,
        ) from None
    return pyodbc


def _connect(connection_string: str, login_timeout_s: int) -> Any:
    return _pyodbc().connect(
        connection_string, readonly=True, autocommit=True, timeout=login_timeout_s
    )


def _installed_drivers() -> list[str]:
    try:
        return list(_pyodbc().drivers())
    except Exception:  # only decorates an error message
        return []


def _is_pyodbc_error(exc: BaseException) -> bool:
    try:
        return isinstance(exc, _pyodbc().Error)
    except ConfigError:
        return False


# --- the database --------------------------------------------------------------------------------


class Sage300Database(NamedQueries):
    """The company database, read-only, over one lazily opened pyodbc connection.

    Thread-safe (queries are serialised on the one connection). Close it, or use ``with``.

    Args:
        settings: the company connection (`odbc`, `timezone`, `odbc_*` options).
        connect: opens a DB-API connection from ``(connection_string, login_timeout_s)``
            (tests); the default is pyodbc with ``readonly=True, autocommit=True``.
    """

    def __init__(
        self,
        settings: Sage300Settings,
        *,
        connect: Callable[[str, int], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.zone = settings.zone
        self._connect = connect or _connect
        self._connection: Any = None
        self._lock = threading.RLock()
        self._queries = 0
        self._secrets = _secrets_of(settings.odbc.get_secret_value())

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def queries(self) -> int:
        """SQL statements sent so far (for the figures)."""
        with self._lock:
            return self._queries

    @property
    def connected(self) -> bool:
        """Whether the connection is open."""
        with self._lock:
            return self._connection is not None

    def connection(self) -> Any:
        """The open connection (opened on first use).

        Raises:
            ConfigError, AuthError, TransientError: see `translate`.
        """
        with self._lock:
            if self._connection is None:
                raw = self.settings.odbc.get_secret_value()
                try:
                    conn = self._connect(
                        read_only_connection_string(raw), self.settings.odbc_login_timeout_s
                    )
                    if self.settings.odbc_query_timeout_s:
                        conn.timeout = self.settings.odbc_query_timeout_s
                except ConnectorError:
                    raise
                except Exception as exc:
                    if not _is_pyodbc_error(exc) and not isinstance(exc, OSError):
                        raise
                    raise translate(
                        exc,
                        "connecting to the Sage 300 database",
                        secrets=self._secrets,
                        drivers=_installed_drivers(),
                    ) from None
                self._connection = conn
            return self._connection

    def close(self) -> None:
        """Close the connection (the next query opens a new one)."""
        with self._lock:
            conn, self._connection = self._connection, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a dead link cannot be closed cleanly
                conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- statements -----------------------------------------------------------------------------

    def fetch(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        what: str = "",
        max_rows: int | None = None,
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one checked SELECT; its column names and raw rows (at most `max_rows`), read with
        ``fetchmany``. A lost link is reconnected and the query sent once more.

        Raises:
            ConfigError: the statement is refused (`check_select`), or see `translate`.
        """
        check_select(sql)
        on = ", ".join(t.name for t in tables_of(sql)) or "?"
        label = f"{what} (on {on})" if what else f"query on {on}"
        for attempt in (1, 2):
            with self._lock:
                conn = self.connection()
                try:
                    return self._run(conn, sql, params, max_rows)
                except Exception as exc:
                    if not _is_pyodbc_error(exc):
                        raise
                    state, _ = _state_and_text(exc)
                    lost = state.startswith(_LINK_LOST) or state.startswith("08")
                    if lost:
                        self.close()
                    if lost and attempt == 1:
                        continue
                    raise translate(exc, label, secrets=self._secrets) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(
        self, conn: Any, sql: str, params: Sequence[Any], max_rows: int | None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = conn.cursor()
        try:
            self._queries += 1
            if params:
                cursor.execute(sql, list(params))
            else:
                cursor.execute(sql)
            names = [d[0] for d in cursor.description or ()]
            rows: list[tuple[Any, ...]] = []
            size = self.settings.odbc_fetch_size
            while max_rows is None or len(rows) < max_rows:
                n = size if max_rows is None else min(size, max_rows - len(rows))
                chunk = cursor.fetchmany(n)
                if not chunk:
                    break
                rows.extend(tuple(r) for r in chunk)
            return names, rows
        finally:
            with contextlib.suppress(Exception):  # closing a cursor of a dead link
                cursor.close()

    def select(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        tables: str | Sequence[str] | None = None,
        what: str = "",
    ) -> Iterator[Row]:
        """The normalised rows of one parameterised SELECT (read in full, then yielded).

        Args:
            sql: the statement (``?`` parameters only; see `check_select`).
            params: its parameters (pass CHAR values through `param` to pad them).
            tables: the tables whose declared types normalise the row; by default the FROM and
                JOIN tables of `sql`.
            what: the query's name in error messages.
        """
        sources = _tables(tables) if tables is not None else tables_of(sql)
        names, rows = self.fetch(sql, params, what=what)
        return iter([normalise(sources, dict(zip(names, r, strict=True))) for r in rows])

    def scan(
        self,
        table: str,
        columns: Sequence[str] | None = None,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        key: Sequence[str] | None = None,
        page_size: int | None = None,
        what: str = "",
    ) -> Iterator[Row]:
        """Every row of `table` matching `where`, in key order, a keyset page at a time
        (``WHERE (...) AND key > ? ORDER BY key``, ``fetchmany`` of `page_size` rows): portable,
        no LIMIT/TOP, and no page is skipped or repeated while rows change."""
        t = tables.table(table)
        keys = tuple(c.upper() for c in (key or t.key))
        cols = list(dict.fromkeys([*(c.upper() for c in (columns or t.reads)), *keys]))
        size = page_size or self.settings.odbc_scan_page
        label = what or f"scan of {t.name}"
        last: tuple[Any, ...] | None = None
        while True:
            clauses = [f"({where})"] if where else []
            args = list(params)
            if last is not None:
                after, after_args = keyset(keys, last)
                clauses.append(after)
                args += after_args
            sql = select_sql(t, cols, " AND ".join(clauses), keys)
            names, rows = self.fetch(sql, args, what=label, max_rows=size)
            for raw in rows:
                yield normalise(t, dict(zip(names, raw, strict=True)))
            if len(rows) < size:
                return
            row = dict(zip(names, rows[-1], strict=True))
            last = tuple(param(t.column(k), convert(t.column(k), row[k])) for k in keys)

    def rows_by_keys(
        self,
        table: str,
        key_column: str,
        keys: Iterable[Any],
        columns: Sequence[str] | None = None,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: Sequence[str] | None = None,
        what: str = "",
    ) -> list[Row]:
        """The rows whose `key_column` is one of `keys` (deduplicated; CHAR keys padded; ``None``
        or a key longer than the column matches nothing), one ``IN (?, ...)`` query per
        `resources.IN_CHUNK` keys, each ordered by `order` (default: the table's key)."""
        t = tables.table(table)
        col = t.column(key_column)
        wanted: list[Any] = []
        for value in dict.fromkeys(keys):
            if value is None:
                continue
            try:
                wanted.append(param(col, value))
            except ValueError:
                continue
        cols = list(columns or t.reads)
        label = what or f"{t.name} by {col.name}"
        out: list[Row] = []
        for chunk in in_chunks(wanted):
            clause = f"{ident(col.name)} IN ({placeholders(len(chunk))})"
            if where:
                clause += f" AND ({where})"
            sql = select_sql(t, cols, clause, order if order is not None else t.key)
            names, rows = self.fetch(sql, [*chunk, *params], what=label)
            out.extend(normalise(t, dict(zip(names, r, strict=True))) for r in rows)
        return out

    def changed(
        self,
        table: str,
        columns: Sequence[str] | None,
        since: dt.datetime | None,
        until: dt.datetime | None,
        *,
        what: str = "",
    ) -> Iterator[Row]:
        """The rows of `table` whose AUDTDATE/AUDTTIME lies in ``[since, until]`` (aware
        instants; the server's zone from the settings), in key order, keyset-paged."""
        where, params = audit_clause(since, until, self.zone)
        t = tables.table(table)
        return self.scan(
            t.name, columns, where=where, params=params, what=what or f"changes of {t.name}"
        )

    def changed_keys(
        self,
        table: str,
        key_columns: str | Sequence[str],
        since: dt.datetime | None,
        until: dt.datetime | None,
    ) -> list[Any]:
        """The keys of the rows of `table` changed in ``[since, until]``: values for one key
        column (``changed_keys("ARCUS", "IDCUST", ...)`` -> ``["1200", ...]``), tuples for
        several."""
        single = isinstance(key_columns, str)
        cols = [key_columns] if isinstance(key_columns, str) else list(key_columns)
        t = tables.table(table)
        where, params = audit_clause(since, until, self.zone)
        rows = self.scan(
            t.name, cols, where=where, params=params, key=cols, what=f"changed keys of {t.name}"
        )
        if single:
            return list(dict.fromkeys(row[cols[0].upper()] for row in rows))
        return list(dict.fromkeys(tuple(row[c.upper()] for c in cols) for row in rows))

    def changed_union(
        self,
        parts: Sequence[tuple[str, str]],
        since: dt.datetime | None,
        until: dt.datetime | None,
        *,
        what: str = "",
    ) -> list[Any]:
        """The distinct values of the key columns of several tables over their rows changed in
        ``[since, until]``, ascending: ``SELECT k FROM A WHERE <window> UNION SELECT k FROM B
        WHERE <window> ... ORDER BY k`` (one query; every part's column has the first's type).

        Args:
            parts: ``(table, key column)`` pairs, e.g. ``[("OEORDH", "ORDUNIQ"),
                ("OESHIH", "ORDUNIQ")]``.
        """
        if not parts:
            raise ValueError("name at least one (table, column)")
        where, window = audit_clause(since, until, self.zone)
        selects: list[str] = []
        args: list[Any] = []
        first: Column | None = None
        for table_name, column_name in parts:
            t = tables.table(table_name)
            col = t.column(column_name)
            first = first or col
            selects.append(
                f"SELECT {ident(col.name)} AS {ident('K')} FROM {ident(t.name)} WHERE {where}"  # noqa: S608 - identifiers are declared, values are ? parameters
            )
            args += window
        assert first is not None
        sql = " UNION ".join(selects) + f" ORDER BY {ident('K')}"
        label = what or "changed keys of " + ", ".join(t for t, _ in parts)
        _, rows = self.fetch(sql, args, what=label)
        return list(dict.fromkeys(convert(first, r[0]) for r in rows))

    def check_schema(self, names: Iterable[str] | None = None) -> list[str]:
        """Problems of the declared tables in this database (a missing table or column), one
        line each; empty when every declared column is there. One query per table."""
        problems: list[str] = []
        for name in names or tables.TABLES:
            t = tables.table(name)
            try:
                self.fetch(
                    select_sql(t, t.reads, "1 = 0"), what=f"schema check of {t.name}", max_rows=0
                )
            except ConfigError as exc:
                problems.append(str(exc))
        return problems


def _tables(names: str | Sequence[str]) -> tuple[Table, ...]:
    if isinstance(names, str):
        names = [names]
    return tuple(tables.table(n) for n in names)
