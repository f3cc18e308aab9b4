"""SQL text of the Sage 300 database queries: the read-only statement check, quoted identifiers,
SELECTs of declared columns, chunked ``IN`` lists and keyset conditions. Pure (no driver).

Portable between SQL Server and SQLite: ``?`` parameters only, double-quoted upper-case
identifiers (``"DESC"`` is a reserved word; Sage's names are upper case, which a case-sensitive
collation requires), no LIMIT/TOP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from connectors.http import ConfigError
from connectors.sage300 import resources, tables
from connectors.sage300.tables import Table

SYSTEM = resources.SYSTEM

_FORBIDDEN = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|UPSERT|DROP|ALTER|CREATE|EXEC|EXECUTE|CALL|GRANT|REVOKE|"
    r"DENY|TRUNCATE|INTO|ATTACH|DETACH|PRAGMA|VACUUM|REINDEX|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|"
    r"SET|DECLARE|USE|DBCC|BACKUP|RESTORE|SHUTDOWN|KILL|RECONFIGURE|WAITFOR|BULK|OPENROWSET|"
    r"OPENQUERY|OPENDATASOURCE|OPENXML)\b",
    re.IGNORECASE,
)
_FROM = re.compile(r"\b(?:FROM|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)


def check_select(sql: str) -> None:
    """Refuse anything but one parameterised SELECT.

    Raises:
        ConfigError: not a SELECT; a ``;``, a quote (values go in ``?`` parameters), a comment,
            or a keyword that writes or changes the session.
    """
    text = sql.strip()
    problem = None
    if not re.match(r"SELECT\b", text, re.IGNORECASE):
        problem = "only SELECT statements run on the Sage 300 database"
    elif ";" in text:
        problem = "one statement at a time (no ';')"
    elif "'" in text:
        problem = "no literals in SQL: pass values as ? parameters"
    elif "--" in text or "/*" in text:
        problem = "no comments in SQL"
    elif match := _FORBIDDEN.search(text):
        problem = f"{match[1].upper()} is not allowed in a read-only query"
    if problem:
        raise ConfigError(f"query refused: {problem}", connection=SYSTEM)


def tables_of(sql: str) -> tuple[Table, ...]:
    """The declared tables a statement reads (its FROM and JOIN names)."""
    out = []
    for name in _FROM.findall(sql):
        if name.upper() in tables.TABLES:
            out.append(tables.TABLES[name.upper()])
    return tuple({t.name: t for t in out}.values())


def ident(name: str) -> str:
    """A quoted identifier (``"DESC"`` is a reserved word; quoting works on both databases)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not an identifier: {name!r}")
    return f'"{name.upper()}"'


def select_sql(
    table: Table, columns: Sequence[str], where: str = "", order: Sequence[str] = ()
) -> str:
    """``SELECT "A", "B" FROM "T" [WHERE ...] [ORDER BY ...]`` for declared columns."""
    cols = ", ".join(ident(table.column(c).name) for c in columns)
    sql = f"SELECT {cols} FROM {ident(table.name)}"  # noqa: S608 - declared identifiers only
    if where:
        sql += f" WHERE {where}"
    if order:
        sql += " ORDER BY " + ", ".join(ident(c) for c in order)
    return sql


def in_chunks(values: Sequence[Any], size: int = resources.IN_CHUNK) -> Iterator[Sequence[Any]]:
    """`values` in slices of at most `size` (``IN`` lists stay within parameter limits)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def placeholders(n: int) -> str:
    """``?, ?, ?`` for `n` parameters."""
    return ", ".join("?" * n)


def keyset(keys: Sequence[str], last: Sequence[Any]) -> tuple[str, list[Any]]:
    """``(k1 > ?) OR (k1 = ? AND k2 > ?) ...`` and its parameters: the rows after the key
    `last` (parameter values, e.g. padded CHAR) in key order."""
    ors: list[str] = []
    args: list[Any] = []
    for i, k in enumerate(keys):
        parts = [f"{ident(p)} = ?" for p in keys[:i]] + [f"{ident(k)} > ?"]
        ors.append("(" + " AND ".join(parts) + ")")
        args += list(last[: i + 1])
    return "(" + " OR ".join(ors) + ")", args
