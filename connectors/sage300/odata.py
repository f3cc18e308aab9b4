"""OData literals, entity keys, filters and query strings of the Sage 300 Web API.

Pure functions. Literal formats are the Developer Reference's ("Format of literals within filter
parameter"): strings ``'1200'`` with single quotes doubled (``O'Brien`` -> ``'O''Brien'``),
decimals ``99.99m``, date-times ``datetime'2015-12-31T12:00:00'`` (the server's local time, as
Sage stores dates), integers bare. Floats are refused: money and quantities are `Decimal`.
Entity keys: ``('1200')``, ``(10021638)``, ``(BatchRecordType='CA',BatchNumber=65)``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from connectors.sage300 import resources

Scalar = str | int | Decimal | bool | dt.date | dt.datetime | None


def text(value: str) -> str:
    """A string literal: ``'O''Brien'``."""
    return "'" + value.replace("'", "''") + "'"


def decimal(value: Decimal | int) -> str:
    """A decimal literal: ``Decimal("1.5")`` -> ``1.5m`` (exact digits, never exponent form).

    Raises:
        TypeError: not finite.
    """
    number = Decimal(value)
    if not number.is_finite():
        raise TypeError("not a finite number")
    return f"{number:f}m"


def datetime_literal(value: dt.datetime | dt.date, zone: ZoneInfo | None = None) -> str:
    """``datetime'2026-11-23T14:05:00'``: a date at midnight; an aware date-time in `zone` (the
    Sage server's), a naive one as given.

    Raises:
        ValueError: an aware date-time without `zone` (the server's local time is unknown).
    """
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        if zone is None:
            raise ValueError("an aware datetime needs the Sage server's zone (settings.zone)")
        value = value.astimezone(zone).replace(tzinfo=None)
    return "datetime'" + value.replace(microsecond=0).isoformat() + "'"


def literal(value: Scalar, zone: ZoneInfo | None = None) -> str:
    """`value` as a `$filter` literal.

    ``None`` -> ``null``; bools -> ``true``/``false``; ints bare; Decimals ``1.5m``; dates and
    date-times ``datetime'...'`` (see `datetime_literal`); strings quoted, ``'`` doubled.

    Raises:
        TypeError: a float (inexact) or an unsupported type.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal(value)
    if isinstance(value, float):
        raise TypeError("floats are inexact: pass a Decimal")
    if isinstance(value, dt.date):
        return datetime_literal(value, zone)
    if isinstance(value, str):
        return text(value)
    raise TypeError(f"no OData literal for {type(value).__name__}")


def _key_value(value: str | int | Decimal) -> str:
    if isinstance(value, bool):
        raise TypeError("a key is a string or a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueError("a numeric key is a whole number")
        return str(int(value))
    if isinstance(value, str):
        return text(value)
    raise TypeError("a key is a string or a number")


def key(*values: str | int | Decimal, **named: str | int | Decimal) -> str:
    """An entity key: ``key("1200")`` -> ``('1200')``; ``key(10021638)`` -> ``(10021638)``
    (a whole `Decimal` such as an ODBC ``ORDUNIQ`` too); ``key(BatchRecordType="CA",
    BatchNumber=65)`` -> ``(BatchRecordType='CA',BatchNumber=65)``.

    Raises:
        ValueError: no value, both positional and named values, or a fractional number.
    """
    if bool(values) == bool(named):
        raise ValueError("give the key's values, or its properties by name, not both")
    if values:
        return "(" + ",".join(_key_value(v) for v in values) + ")"
    return "(" + ",".join(f"{name}={_key_value(v)}" for name, v in named.items()) + ")"


KeyValue = str | int | Decimal | tuple[str | int | Decimal, ...] | Mapping[str, str | int | Decimal]


def key_of(value: KeyValue) -> str:
    """`key` of a single value, a tuple (positional composite) or a mapping (named)."""
    if isinstance(value, Mapping):
        return key(**dict(value))
    if isinstance(value, tuple):
        return key(*value)
    return key(value)


def entity_path(resource: str, value: KeyValue) -> str:
    """``AR/ARCustomers('1200')``, URL-encoded inside the parentheses (a ``/`` in an item
    number becomes ``%2F``, a space ``%20``)."""
    return resource + quote(key_of(value), safe="'(),=$")


# --- filters -------------------------------------------------------------------------------------
COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})


def compare(field: str, op: str, value: Scalar, zone: ZoneInfo | None = None) -> str:
    """``Field op literal`` for op in eq, ne, gt, ge, lt, le."""
    if op not in COMPARISONS:
        raise ValueError(f"unknown comparison {op!r}")
    return f"{field} {op} {literal(value, zone)}"


def eq(field: str, value: Scalar) -> str:
    """``Field eq literal``."""
    return compare(field, "eq", value)


def startswith(field: str, prefix: str) -> str:
    """``startswith(Field, 'prefix')``."""
    return f"startswith({field}, {text(prefix)})"


def _joined(word: str, clauses: Iterable[str | None]) -> str | None:
    present = [c for c in clauses if c]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return f" {word} ".join(f"({c})" for c in present)


def all_of(*clauses: str | None) -> str | None:
    """The clauses joined with ``and`` (each parenthesised); ``None`` when there are none."""
    return _joined("and", clauses)


def any_of(*clauses: str | None) -> str | None:
    """The clauses joined with ``or`` (each parenthesised); ``None`` when there are none."""
    return _joined("or", clauses)


def one_of(
    field: str, values: Iterable[Scalar], *, max_chars: int = resources.MAX_FILTER_CHARS
) -> Iterator[str]:
    """``Field eq 'a' or Field eq 'b' ...`` filters over `values` (deduplicated, in order), each
    short enough once URL-encoded for IIS's query string limit (the Web API has no ``in``).

    Raises:
        ValueError: one value alone is longer than `max_chars`.
    """
    chunk: list[str] = []
    for value in dict.fromkeys(values):
        clause = eq(field, value)
        if encoded_len(clause) > max_chars:
            raise ValueError(f"a value of {field} is too long for a filter")
        if chunk and encoded_len(" or ".join([*chunk, clause])) > max_chars:
            yield " or ".join(chunk)
            chunk = []
        chunk.append(clause)
    if chunk:
        yield " or ".join(chunk)


def encoded_len(value: str) -> int:
    """Length of `value` once URL-encoded as a query value."""
    return len(quote(value, safe=""))


# --- query strings -------------------------------------------------------------------------------
_QUERY_SAFE = "'(),:@$/*="


def query_string(params: Mapping[str, str | int]) -> str:
    """``$filter=...&$top=...``: spaces as ``%20`` (not ``+``), ``$`` and quotes kept, as the
    Developer Reference writes them."""
    return "&".join(f"{k}={quote(str(v), safe=_QUERY_SAFE)}" for k, v in params.items())


def with_query(path: str, params: Mapping[str, str | int]) -> str:
    """`path` with its query options (if any)."""
    return f"{path}?{query_string(params)}" if params else path


def exact_json(response: httpx.Response) -> Any:
    """The JSON body with numbers as `Decimal`/`int` (``None`` for an empty body or a 204)."""
    if response.status_code == 204 or not response.content:
        return None
    return json.loads(response.content, parse_float=Decimal)
