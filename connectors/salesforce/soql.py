"""SOQL text for the Salesforce REST API v59.0: quoting, IN lists that fit the URL, change windows.

A query travels in the URL (`GET /query?q=`), and Salesforce's front end refuses URLs over 16,384
bytes with 414. `in_chunks` therefore splits long `IN (...)` lists by the *encoded URL length*,
not by a count: 200 long e-mail addresses can exceed it, 2,000 short SKUs do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote_plus

MAX_URL_BYTES = 16_384
URL_HEADROOM = 1_024  # host, API version path, query-option headers' share: stay well below
MAX_IN_VALUES = 1_000  # keep each IN list readable in logs and cheap for the org


def quote(value: str) -> str:
    """A SOQL string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def literal(moment: dt.datetime) -> str:
    """A SOQL datetime literal in UTC, e.g. ``2026-11-01T00:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("SOQL datetimes need an aware datetime")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encoded(text: str) -> int:
    return len(quote_plus(text))


def in_chunks(
    template: str, values: Sequence[str], *, limit: int = MAX_URL_BYTES - URL_HEADROOM
) -> Iterator[str]:
    """Queries `template.format(values="('a','b',...)")` whose encoded URL stays under `limit`.

    Args:
        template: SOQL with one ``{values}`` placeholder where the parenthesised list goes.
        values: the values (quoted here); duplicates are kept out.
        limit: encoded bytes one query may take.

    Raises:
        ValueError: a single value is too long to fit a query at all.
    """
    base = _encoded(template.format(values="()"))
    chunk: list[str] = []
    size = base
    for value in dict.fromkeys(values):
        item = quote(value)
        cost = _encoded(item) + 3  # the comma, encoded
        if base + cost > limit:
            raise ValueError(f"value {value[:40]!r}... is too long for one SOQL query URL")
        if chunk and (size + cost > limit or len(chunk) >= MAX_IN_VALUES):
            yield template.format(values="(" + ",".join(chunk) + ")")
            chunk, size = [], base
        chunk.append(item)
        size += cost
    if chunk:
        yield template.format(values="(" + ",".join(chunk) + ")")


def changed(
    sobject: str,
    fields: Iterable[str],
    since: dt.datetime,
    until: dt.datetime,
    *,
    where: str = "",
    stamp: str = "SystemModstamp",
) -> str:
    """Records of `sobject` whose `stamp` is in [since, until], oldest first (ties by Id).

    `SystemModstamp` is indexed and moves on every change, system ones included (backoffice-apis
    1.8); the caller re-reads an overlap and dedupes by Id.
    """
    columns = ", ".join(dict.fromkeys(["Id", stamp, *fields]))
    # SOQL datetimes have whole seconds: the start is floored and the end rounded UP, so a
    # change saved in the run's last, partial second is read by this run, not the next.
    end = (
        until if until.microsecond == 0 else until.replace(microsecond=0) + dt.timedelta(seconds=1)
    )
    condition = f"{stamp} >= {literal(since)} AND {stamp} <= {literal(end)}"
    if where:
        condition += f" AND ({where})"
    return f"SELECT {columns} FROM {sobject} WHERE {condition} ORDER BY {stamp}, Id"  # noqa: S608
