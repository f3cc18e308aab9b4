"""SOQL date literals of the emulated org (REST API v42.0–v62.0): ``TODAY``, ``LAST_N_DAYS:n``
and friends, as half-open ranges of days.

A date literal is a range, not a value: ``= TODAY`` matches inside the range, ``<`` before its
start, ``<=`` before its end, ``>`` from its end on, ``>=`` from its start on; ``!=`` outside it
(nulls included, as every SOQL ``!=``). Ranges are evaluated on the business clock at query time.

Assumptions: the org's (and user's) time zone is UTC, so days start at 00:00 UTC; the locale is
en_US, so weeks start on Sunday. ``LAST_N_DAYS:n`` includes today (n + 1 days, as documented:
``LAST_N_DAYS:1`` is yesterday and today); ``NEXT_N_DAYS:n`` starts tomorrow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sandbox.salesforce.index import match_key
from sandbox.salesforce.model import Field
from sandbox.salesforce.values import parse_stamp, stamp

DAY = dt.timedelta(days=1)
FIXED = frozenset(
    {
        "YESTERDAY",
        "TODAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "THIS_YEAR",
        "LAST_YEAR",
        "NEXT_YEAR",
    }
)
WITH_N = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS"})
Test = Callable[[Any], bool]


def _month(day: dt.date, shift: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _fixed(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    month = _month(today, 0)
    year = dt.date(today.year, 1, 1)
    ranges = {
        "YESTERDAY": (today - DAY, today),
        "TODAY": (today, today + DAY),
        "TOMORROW": (today + DAY, today + 2 * DAY),
        "LAST_WEEK": (sunday - 7 * DAY, sunday),
        "THIS_WEEK": (sunday, sunday + 7 * DAY),
        "NEXT_WEEK": (sunday + 7 * DAY, sunday + 14 * DAY),
        "LAST_MONTH": (_month(today, -1), month),
        "THIS_MONTH": (month, _month(today, 1)),
        "NEXT_MONTH": (_month(today, 1), _month(today, 2)),
        "LAST_90_DAYS": (today - 90 * DAY, today + DAY),
        "NEXT_90_DAYS": (today + DAY, today + 91 * DAY),
        "THIS_YEAR": (year, dt.date(today.year + 1, 1, 1)),
        "LAST_YEAR": (dt.date(today.year - 1, 1, 1), year),
        "NEXT_YEAR": (dt.date(today.year + 1, 1, 1), dt.date(today.year + 2, 1, 1)),
    }
    return ranges[name]


def day_range(name: str, n: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The half-open range ``[start, end)`` of days the literal stands for."""
    if n is None:
        return _fixed(name, today)
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    ranges = {
        "LAST_N_DAYS": (today - n * DAY, today + DAY),
        "NEXT_N_DAYS": (today + DAY, today + (n + 1) * DAY),
        "N_DAYS_AGO": (today - n * DAY, today - (n - 1) * DAY),
        "LAST_N_WEEKS": (sunday - 7 * n * DAY, sunday),
        "NEXT_N_WEEKS": (sunday + 7 * DAY, sunday + 7 * (n + 1) * DAY),
    }
    return ranges[name]


def _bound(f: Field, day: dt.date) -> Any:
    if f.type == "date":
        return match_key(f, day.isoformat())
    return match_key(f, stamp(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)))


def range_test(f: Field, op: str, literal: tuple[str, int | None], now: str) -> Test:
    """A test of a comparison key of `f` against a date literal, for operator `op`.

    Args:
        f: a date or datetime field.
        op: ``=`` ``!=`` ``<`` ``<=`` ``>`` ``>=``.
        literal: (name, n) as parsed, e.g. ``("LAST_N_DAYS", 7)``.
        now: the current time in the API's datetime format.
    """
    start, end = day_range(literal[0], literal[1], parse_stamp(now).astimezone(dt.UTC).date())
    lo, hi = _bound(f, start), _bound(f, end)
    if op == "!=":
        return lambda v: v is None or not lo <= v < hi
    tests: dict[str, Test] = {
        "=": lambda v: lo <= v < hi,
        "<": lambda v: v < lo,
        "<=": lambda v: v < hi,
        ">": lambda v: v >= hi,
        ">=": lambda v: v >= lo,
    }
    test = tests[op]
    return lambda v: v is not None and test(v)
