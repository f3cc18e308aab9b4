"""Sage 300 change capture: the `AUDTDATE`/`AUDTTIME` poll every Sage 300 source shares.

Sage 300 keeps no change feed. Every row it writes carries the date (`AUDTDATE`, `YYYYMMDD`) and
time (`AUDTTIME`, `HHMMSShh`) of its last change, in the **local time of the Sage server**
(`STOREBRIDGE_SAGE300_TIMEZONE`). A source names the tables whose changes make its record
change (an order changes when its header, its second header, one of its lines or one of its
shipments does) and the column naming the record in each (`ORDUNIQ`, `ITEMNO`, `IDCUST`);
`ChangePoll.page` returns the distinct keys of the rows stamped in the window `[since, until]`
(aware UTC; the engine has already widened it by its overlap), in key order, a page at a time,
with ONE query per page whatever the number of tables:

    SELECT "ORDUNIQ" AS "K" FROM "OEORDH" WHERE <stamp in window> [AND "ORDUNIQ" > ?]
    UNION SELECT "ORDUNIQ" AS "K" FROM "OEORDH1" WHERE <stamp in window> [AND "ORDUNIQ" > ?]
    UNION ... ORDER BY "K"

``<stamp in window>`` is ``(AUDTDATE > ? OR (AUDTDATE = ? AND AUDTTIME >= ?)) AND (AUDTDATE < ?
OR (AUDTDATE = ? AND AUDTTIME <= ?))``: numeric comparisons (an index on AUDTDATE, where the DBA
added one, stays usable), both ends inclusive, so a change stamped exactly at the end of one
window is read by it and again by the next one's overlap, never by neither. `UNION` drops the
keys two tables share. Paging is by key (``key > last``, the last key padded like the column),
never by offset: rows changing while a poll pages cannot shift a key out of it. A page fetches
one key more than it returns, so the last page is known without an empty query after it.

The window becomes Sage's local stamps in ONE place, the connector's
`connectors.sage300.values.audit_bounds` (through `audit_clause`), with the server's zone from the
settings: a window whose ends have different UTC offsets (it crosses a daylight-saving change)
is widened to every wall-clock time its instants can show, so a change stamped in the repeated
autumn hour is never missed (a few rows read twice cost nothing: they hash unchanged).

Deletes: audit stamps are last-modified only. A deleted row leaves no stamp, so no poll sees it
and no Sage 300 source produces tombstones; noticing deletes needs a key-set reconciliation
(not done here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.sage300 import resources, tables
from connectors.sage300.odbc import Sage300Database
from connectors.sage300.sql import ident
from connectors.sage300.values import audit_clause, convert, param

SAGE = resources.SYSTEM
KEY = "K"  # the UNION's column


@dataclass(frozen=True)
class Watched:
    """A table whose changed rows make a record change: `column` names the record in it (every
    table of one poll gives a column of the same type); `where` narrows the rows (``?``
    parameters in `params`), e.g. one price list."""

    table: str
    column: str
    where: str = ""
    params: tuple[Any, ...] = ()


class ChangePoll:
    """The AUDTDATE/AUDTTIME poll of a set of tables (see the module docstring).

    Attributes:
        queries: key queries this poll sent (every page of every window): the rest of a
            source's queries are its reads by key, `Sage300Database.queries` counts them all.
    """

    def __init__(
        self,
        db: Sage300Database,
        watched: Sequence[Watched],
        *,
        page_size: int = resources.IN_CHUNK,
        what: str = "",
    ) -> None:
        if not watched:
            raise ValueError("a change poll watches at least one table")
        self.db = db
        self.watched = tuple(watched)
        self.columns = [tables.table(w.table).column(w.column) for w in self.watched]
        self.page_size = max(1, page_size)
        self.what = what or "changed keys of " + ", ".join(w.table for w in self.watched)
        self.queries = 0

    def statement(
        self, since: dt.datetime, until: dt.datetime, after: Any = None
    ) -> tuple[str, list[Any]]:
        """The poll's SQL and parameters: keys stamped in [since, until], after key `after`."""
        window, stamps = audit_clause(since, until, self.db.zone)
        selects: list[str] = []
        params: list[Any] = []
        for w, col in zip(self.watched, self.columns, strict=True):
            t = tables.table(w.table)
            clauses = [window]
            params += stamps
            if after is not None:
                clauses.append(f"{ident(col.name)} > ?")
                params.append(param(col, after))
            if w.where:
                clauses.append(f"({w.where})")
                params += list(w.params)
            selects.append(
                f"SELECT {ident(col.name)} AS {ident(KEY)} FROM {ident(t.name)} "  # noqa: S608 - declared identifiers, values are ? parameters
                f"WHERE {' AND '.join(clauses)}"
            )
        return " UNION ".join(selects) + f" ORDER BY {ident(KEY)}", params

    def page(
        self, since: dt.datetime, until: dt.datetime, after: Any = None
    ) -> tuple[list[Any], Any]:
        """(at most `page_size` keys changed in [since, until] after the key `after`, ascending;
        the cursor of the next page, None after the last). Keys as the normaliser makes them:
        CHAR keys `str` without padding, uniquifiers `Decimal`."""
        sql, params = self.statement(since, until, after)
        _, rows = self.db.fetch(sql, params, what=self.what, max_rows=self.page_size + 1)
        self.queries += 1
        keys = list(dict.fromkeys(convert(self.columns[0], r[0]) for r in rows))
        if len(rows) > self.page_size:
            keys = keys[: self.page_size]
            return keys, keys[-1]
        return keys, None

    def keys(self, since: dt.datetime, until: dt.datetime) -> Iterator[Any]:
        """Every key changed in [since, until], page after page."""
        after: Any = None
        while True:
            found, after = self.page(since, until, after)
            yield from found
            if after is None:
                return


def page_size(db: Sage300Database) -> int:
    """Keys per page of a source: one `IN (...)` query per table reads a page's records."""
    return min(db.settings.odbc_scan_page, resources.IN_CHUNK)


def open_database() -> Sage300Database:
    """The company database from `STOREBRIDGE_SAGE300_*` (a `ConfigError` names what is
    missing)."""
    from connectors.sage300.settings import Sage300Settings
    from connectors.settings import load_settings

    return Sage300Database(load_settings(Sage300Settings))


def key_text(value: Any) -> str:
    """A key as an id: uniquifiers without decimals (`Decimal('42')` -> '42'), text as is."""
    if isinstance(value, str):
        return value.rstrip()
    return str(int(value))
