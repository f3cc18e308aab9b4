"""Sage 300 column values: the ONE normaliser and the date, time and audit-stamp conversions.

Driven by the declared column types of `tables.py`: CHAR -> `str` without trailing blanks,
Date (`YYYYMMDD` decimals) -> `datetime.date` | ``None`` (0), Time (`HHMMSShh`) ->
`datetime.time`, BCD -> `Decimal` at the column's scale (SQL Server returns Decimal, the SQLite
ODBC driver returns str), Integer/Long -> `int`, Boolean -> `bool`; `param` is the way back
(CHAR parameters padded to the column's length). AUDTDATE/AUDTTIME are the server's local date
and time of the last change: `audit_bounds` / `audit_clause` turn an aware UTC window into local
bounds (widened across a DST change). Pure: no connection, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from connectors.http import RecordError
from connectors.sage300 import resources
from connectors.sage300.tables import Column, Kind, Table

SYSTEM = resources.SYSTEM
Row = dict[str, Any]

# --- dates, times and audit stamps ---------------------------------------------------------------


def sage_date(value: dt.date | None) -> int:
    """A date as Sage stores it: ``YYYYMMDD`` (``None`` -> 0)."""
    if value is None:
        return 0
    return value.year * 10000 + value.month * 100 + value.day


def sage_time(value: dt.time) -> int:
    """A time as Sage stores it: ``HHMMSShh`` (hundredths; finer digits are dropped)."""
    return ((value.hour * 100 + value.minute) * 100 + value.second) * 100 + value.microsecond // (
        10_000
    )


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        return value
    number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"{value} is not a whole number")
    return int(number)


def to_date(value: Any) -> dt.date | None:
    """``20261201`` (int, str or Decimal) -> ``date(2026, 12, 1)``; 0 -> ``None``.

    Raises:
        ValueError: not a YYYYMMDD date.
    """
    if isinstance(value, dt.date):
        return value
    number = _whole(value)
    if number == 0:
        return None
    return dt.date(number // 10000, number // 100 % 100, number % 100)


def to_time(value: Any) -> dt.time:
    """``14302550`` (HHMMSShh) -> ``time(14, 30, 25, 500000)``; 0 -> midnight.

    Raises:
        ValueError: not a HHMMSShh time.
    """
    if isinstance(value, dt.time):
        return value
    number = _whole(value)
    if not 0 <= number <= 23595999:
        raise ValueError(f"{value} is not a HHMMSShh time")
    hh, rest = divmod(number, 1_000_000)
    mm, rest = divmod(rest, 10_000)
    ss, hundredths = divmod(rest, 100)
    return dt.time(hh, mm, ss, hundredths * 10_000)


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def stamp(audtdate: Any, audttime: Any, tz: ZoneInfo | str) -> dt.datetime | None:
    """The aware UTC instant of an AUDTDATE/AUDTTIME pair (server-local in `tz`); ``None`` when
    the date is empty. In a DST fold the first occurrence is taken."""
    day = to_date(audtdate)
    if day is None:
        return None
    local = dt.datetime.combine(day, to_time(audttime), tzinfo=_zone(tz))
    return local.astimezone(dt.UTC)


def _wall(moment: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    return (moment.astimezone(dt.UTC) + offset).replace(tzinfo=None)


def audit_bounds(
    since: dt.datetime | None, until: dt.datetime | None, tz: ZoneInfo | str
) -> tuple[int, int, int, int]:
    """The local ``(date, time, date, time)`` bounds of the window ``[since, until]`` (aware
    instants) as Sage's AUDTDATE/AUDTTIME numbers.

    Sage stamps wall-clock time, which repeats when the clocks go back: a window whose ends have
    different UTC offsets is widened to every wall time any instant of it can show (an hour more
    at most), so no change in the fold is missed. An open end is ``(0, 0)`` below and
    ``(99991231, 23595999)`` above.

    Raises:
        ValueError: a naive bound (its zone is unknown).
    """
    zone = _zone(tz)
    for bound in (since, until):
        if bound is not None and bound.tzinfo is None:
            raise ValueError("naive datetime: give a time zone (the business clock is UTC)")
    offsets = {
        b.astimezone(zone).utcoffset() or dt.timedelta(0) for b in (since, until) if b is not None
    }
    lo_d, lo_t, hi_d, hi_t = 0, 0, 99991231, 23595999
    if since is not None:
        low = min(_wall(since, off) for off in offsets)
        lo_d, lo_t = sage_date(low.date()), sage_time(low.time())
    if until is not None:
        high = max(_wall(until, off) for off in offsets)
        hi_d, hi_t = sage_date(high.date()), sage_time(high.time())
    return lo_d, lo_t, hi_d, hi_t


def audit_clause(
    since: dt.datetime | None, until: dt.datetime | None, tz: ZoneInfo | str, alias: str = ""
) -> tuple[str, list[Any]]:
    """The AUDTDATE/AUDTTIME poll of ``[since, until]`` (both inclusive) and its parameters:
    ``(AUDTDATE > ? OR (AUDTDATE = ? AND AUDTTIME >= ?)) AND (AUDTDATE < ? OR (AUDTDATE = ?
    AND AUDTTIME <= ?))``; an open end drops its half (both open: ``1 = 1``)."""
    d, t = f"{alias}AUDTDATE", f"{alias}AUDTTIME"
    lo_d, lo_t, hi_d, hi_t = audit_bounds(since, until, tz)
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append(f"({d} > ? OR ({d} = ? AND {t} >= ?))")
        params += [lo_d, lo_d, lo_t]
    if until is not None:
        clauses.append(f"({d} < ? OR ({d} = ? AND {t} <= ?))")
        params += [hi_d, hi_d, hi_t]
    return (" AND ".join(clauses) or "1 = 1"), params


# --- the normaliser ------------------------------------------------------------------------------


def _bcd(value: Any, scale: int) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        value = repr(value)
    number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return number.quantize(Decimal(1).scaleb(-scale))


def convert(col: Column, value: Any) -> Any:
    """One stored value as storebridge reads it (see the module docstring).

    Raises:
        ValueError: the stored value does not fit the column's type.
    """
    if value is None:  # every Sage column is NOT NULL; a NULL comes from an outer join
        return None
    kind = col.kind
    if kind is Kind.CHAR:
        return value.rstrip() if isinstance(value, str) else str(value).rstrip()
    if kind is Kind.DATE:
        return to_date(value)
    if kind is Kind.TIME:
        return to_time(value)
    if kind is Kind.BCD:
        return _bcd(value, col.scale)
    if kind is Kind.BOOL:
        return _whole(value) != 0
    return _whole(value)


def param(col: Column, value: Any) -> Any:
    """A Python value as a parameter compared with column `col`: CHAR padded to its length,
    dates as YYYYMMDD, times as HHMMSShh, booleans as 0/1, BCD as `Decimal`.

    Raises:
        ValueError: a string longer than the column (it cannot match; the caller drops it).
    """
    kind = col.kind
    if kind is Kind.CHAR:
        text = str(value)
        if len(text) > col.length:
            raise ValueError(f"longer than {col.name} (CHAR({col.length}))")
        return text.ljust(col.length)
    if kind is Kind.DATE:
        return sage_date(value) if isinstance(value, dt.date) or value is None else _whole(value)
    if kind is Kind.TIME:
        return sage_time(value) if isinstance(value, dt.time) else _whole(value)
    if kind is Kind.BOOL:
        return int(bool(value))
    if kind is Kind.BCD:
        return Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
    return _whole(value)


def normalise(source: Table | Sequence[Table], row: Mapping[str, Any]) -> Row:
    """The ONE normaliser: a raw row (column name -> stored value) of `source` (a table, or the
    tables of a join, first declaration wins) as storebridge reads it.

    A column no table declares keeps its value (strings lose their trailing blanks).

    Raises:
        RecordError: a stored value does not fit its declared type (table, column and the
            offending number are named; values of CHAR columns never are).
    """
    sources = (source,) if isinstance(source, Table) else tuple(source)
    out: Row = {}
    for name, value in row.items():
        col = _declared(sources, name)
        if col is None:
            out[name] = value.rstrip() if isinstance(value, str) else value
            continue
        try:
            out[name] = convert(col, value)
        except (ValueError, InvalidOperation, TypeError) as exc:
            owner = next(t.name for t in sources if name.upper() in t.columns)
            raise RecordError(
                f"{owner}.{col.name}: a stored value is not a {col.sage_type} ({exc})",
                connection=SYSTEM,
            ) from None
    return out


def _declared(sources: Sequence[Table], name: str) -> Column | None:
    upper = name.upper()
    for table in sources:
        if upper in table.columns:
            return table.columns[upper]
    return None
