"""The company database: one SQLite file in WAL mode, written only through `CompanyDb`.

Every insert and update goes through `to_db` (CHAR padded, YYYYMMDD dates, numbers as numbers)
and is stamped AUDTDATE/AUDTTIME (business clock in the server's local zone), AUDTUSER, AUDTORG,
as the Sage views stamp every record they write. WAL lets a pyodbc reader
(``DRIVER={SQLite3};Database=file:<path>?mode=ro``) read while the Web API writes. Writes of one
request run in one transaction (`transaction`): a refused order leaves no rows behind.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.sage300.schema import AUDIT, TABLES, Table, sage_date, sage_time, to_db

Row = dict[str, Any]


class CompanyDb:
    """The company's tables in one SQLite file (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], dt.datetime],
        timezone: Callable[[], str],
        user: str,
        org: str,
    ) -> None:
        self.path = path
        self.clock = clock
        self.timezone = timezone
        self.user = user
        self.org = org
        self.lock = threading.RLock()
        self._depth = 0
        self.conn = self._open(path, create=True)

    # --- connection -------------------------------------------------------------------------------
    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.row_factory = sqlite3.Row
        return conn

    def _open(self, path: Path, *, create: bool) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect(path)
        if create:
            for t in TABLES.values():
                for statement in t.ddl():
                    conn.execute(statement)
        return conn

    def move_to(self, path: Path) -> None:
        """Copy the database to `path` (replacing a file there) and continue on the copy."""
        with self.lock:
            if path.resolve() == self.path.resolve():
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            target = self._connect(path)
            self.conn.backup(target)
            self.conn.close()
            self.conn = target
            self.path = path

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # --- transactions -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (nested calls join the outer one); rolled back on an exception."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    # --- stamps -----------------------------------------------------------------------------------
    def local_now(self) -> dt.datetime:
        """The business clock in the server's local time zone."""
        return self.clock().astimezone(ZoneInfo(self.timezone()))

    def today(self) -> dt.date:
        """The server's local business date."""
        return self.local_now().date()

    def stamp(self) -> Row:
        """AUDTDATE/AUDTTIME/AUDTUSER/AUDTORG of a write now."""
        now = self.local_now()
        return {
            "AUDTDATE": sage_date(now),
            "AUDTTIME": sage_time(now),
            "AUDTUSER": self.user.ljust(8)[:8],
            "AUDTORG": self.org.ljust(6)[:6],
        }

    # --- writes -----------------------------------------------------------------------------------
    def insert(self, table: str, values: Mapping[str, Any]) -> Row:
        """Insert a row: every column stored (`to_db`), unset ones blank/default, stamped."""
        t = TABLES[table]
        row = t.blank_row()
        for name, value in values.items():
            if name in AUDIT:
                continue
            row[name] = to_db(t.column(name), value)
        row.update(self.stamp())
        with self.lock:
            self.conn.execute(_insert_sql(table, list(row)), list(row.values()))
        return row

    def update(self, table: str, key: Mapping[str, Any], changes: Mapping[str, Any]) -> Row:
        """Update the row with `key` (column -> value): changed columns stored, row stamped.

        Raises:
            KeyError: no such row.
        """
        t = TABLES[table]
        values = {n: to_db(t.column(n), v) for n, v in changes.items() if n not in AUDIT}
        values.update(self.stamp())
        where, params = self._where(t, key)
        assignments = ", ".join(f'"{n}" = ?' for n in values)
        sql = f'UPDATE "{table}" SET {assignments}{where}'  # noqa: S608 - names from the schema
        with self.lock:
            cursor = self.conn.execute(sql, [*values.values(), *params])
            if cursor.rowcount != 1:
                raise KeyError(f"{table} has no row {dict(key)}")
            found = self.get(table, key)
        assert found is not None
        return found

    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        """Delete the rows matching `where` (column -> value); returns how many."""
        t = TABLES[table]
        clause, params = self._where(t, where)
        with self.lock:
            sql = f'DELETE FROM "{table}"{clause}'  # noqa: S608 - names from the schema
            return self.conn.execute(sql, params).rowcount

    # --- reads ------------------------------------------------------------------------------------
    @staticmethod
    def _where(t: Table, where: Mapping[str, Any]) -> tuple[str, list[Any]]:
        if not where:
            return "", []
        parts, params = [], []
        for name, value in where.items():
            parts.append(f'"{name}" = ?')
            params.append(to_db(t.column(name), value))
        return " WHERE " + " AND ".join(parts), params

    def select(
        self,
        table: str,
        where: Mapping[str, Any] | None = None,
        order_by: Sequence[str] | None = None,
    ) -> list[Row]:
        """Rows of `table` matching `where`, in key order (or `order_by`), as stored."""
        t = TABLES[table]
        clause, params = self._where(t, where or {})
        order = ", ".join(f'"{n}"' for n in (order_by or t.key))
        with self.lock:
            sql = f'SELECT * FROM "{table}"{clause} ORDER BY {order}'  # noqa: S608 - schema names
            cursor = self.conn.execute(sql, params)
            return [dict(r) for r in cursor.fetchall()]

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        """The one row with `key`, or None."""
        rows = self.select(table, key)
        return rows[0] if rows else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run any SQL (no stamping, no padding): the rows a SELECT returns, else []."""
        with self.lock:
            cursor = self.conn.execute(sql, list(params))
            return [dict(r) for r in cursor.fetchall()] if cursor.description else []

    def max_of(self, table: str, column: str, where: Mapping[str, Any] | None = None) -> Any:
        """The largest stored value of `column` (None on an empty table)."""
        t = TABLES[table]
        clause, params = self._where(t, where or {})
        with self.lock:
            sql = f'SELECT MAX("{column}") FROM "{table}"{clause}'  # noqa: S608 - schema names
            return self.conn.execute(sql, params).fetchone()[0]

    # --- snapshot ---------------------------------------------------------------------------------
    def dump(self) -> dict[str, list[Row]]:
        """Every table's rows as stored."""
        return {name: self.select(name) for name in TABLES}

    def load(self, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Replace every table's rows with `data` (stored values, written as they are)."""
        with self.transaction():
            for name, t in TABLES.items():
                self.conn.execute(f'DELETE FROM "{name}"')  # noqa: S608 - schema names
                for raw in data.get(name, ()):
                    row = t.blank_row()
                    row.update({k: v for k, v in raw.items() if t.has(k)})
                    self.conn.execute(_insert_sql(name, list(row)), list(row.values()))


def _insert_sql(table: str, names: Sequence[str]) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'  # noqa: S608 - schema names
