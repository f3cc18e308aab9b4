"""OData v4 query building for the Dataverse Web API: literals, keys, filters, paging.

Pure functions (plus one paginator): string literals double their single quotes
(``O'Brien`` -> ``'O''Brien'``), GUIDs are unquoted, date-times are ISO 8601 in UTC with a
``Z``, floats are refused (money and quantities are `Decimal`). `Microsoft.Dynamics.CRM.In`
filters are chunked so no request URL grows past the limits in `resources`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from connectors.dynamics365 import resources
from connectors.http import (
    IncompletePaginationError,
    ODataNextLinkPaginator,
    PageRequest,
    RecordError,
)
from connectors.http.pagination.base import page_body

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Key values with these characters cannot be addressed by key (powerapps-docs#117, #1895).
UNADDRESSABLE = frozenset("/\\<>*%&:#")


class Guid(str):
    """A string that is a GUID: written unquoted in filters and keys."""

    __slots__ = ()

    def __new__(cls, value: str | uuid.UUID) -> Guid:
        text = str(value)
        if not GUID.match(text):
            raise ValueError("not a GUID")
        return super().__new__(cls, text.lower())


def is_guid(value: Any) -> bool:
    """Whether `value` is a `uuid.UUID` or a GUID-shaped string."""
    return isinstance(value, uuid.UUID) or (isinstance(value, str) and bool(GUID.match(value)))


def iso_z(value: dt.datetime) -> str:
    """An aware date-time as an OData DateTimeOffset literal in UTC (``2026-11-23T06:15:00Z``).

    Raises:
        ValueError: `value` is naive (its zone is unknown).
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a time zone (the business clock is UTC)")
    utc = value.astimezone(dt.UTC)
    spec = "%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return utc.strftime(spec)


def odata_literal(value: Any) -> str:
    """`value` as an OData literal for `$filter` and keys.

    ``None`` -> ``null``; bools -> ``true``/``false``; ints and Decimals as exact numbers;
    `Guid`/`uuid.UUID` unquoted; date-times ISO ``Z``; dates ``YYYY-MM-DD``; strings quoted with
    single quotes doubled.

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
        if not value.is_finite():
            raise TypeError("not a finite number")
        return f"{value:f}"
    if isinstance(value, float):
        raise TypeError("floats are inexact: pass a Decimal")
    if isinstance(value, uuid.UUID | Guid):
        return str(value).lower()
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no OData literal for {type(value).__name__}")


def key_segment(key: str | uuid.UUID | Mapping[str, Any]) -> str:
    """The key of a row in a URL: ``(<guid>)`` or an alternate key ``(k1='a',k2=2)``.

    A plain string must be a GUID (an alternate key is a mapping of column to value).

    Raises:
        RecordError: a key value holds a character Dataverse cannot address by key (the column is
            named, never the value), or a string key that is no GUID.
    """
    if isinstance(key, Mapping):
        if not key:
            raise RecordError("empty alternate key", connection=resources.SYSTEM)
        parts = []
        for column, value in key.items():
            if isinstance(value, str) and UNADDRESSABLE & set(value):
                raise RecordError(
                    f"alternate key column {column} holds a character that cannot be addressed "
                    "by key (/ \\ < > * % & : #)",
                    connection=resources.SYSTEM,
                )
            literal = odata_literal(value)
            parts.append(f"{column}={quote(literal, safe=_KEY_SAFE)}")
        return "(" + ",".join(parts) + ")"
    if not is_guid(key):
        raise RecordError(
            "a row key is a GUID or an alternate-key mapping", connection=resources.SYSTEM
        )
    return f"({str(key).lower()})"


_KEY_SAFE = "'-._~!$()*+,;=@"


def entity_path(entity_set: str, key: str | uuid.UUID | Mapping[str, Any]) -> str:
    """``accounts(<guid>)`` or ``salesorders(storebridge_id='shift4shop-1042')``."""
    return entity_set + key_segment(key)


def bind(entity_set: str, key: str | uuid.UUID | Mapping[str, Any]) -> str:
    """The value of a ``<nav>@odata.bind`` annotation: ``/accounts(<guid>)``."""
    return "/" + entity_path(entity_set, key)


# --- filters -------------------------------------------------------------------------------------
def compare(column: str, op: str, value: Any) -> str:
    """``column op literal`` for op in eq, ne, gt, ge, lt, le."""
    if op not in {"eq", "ne", "gt", "ge", "lt", "le"}:
        raise ValueError(f"unknown comparison {op!r}")
    return f"{column} {op} {odata_literal(value)}"


def all_of(*clauses: str | None) -> str | None:
    """The clauses joined with ``and`` (each parenthesised); ``None`` when there are none."""
    present = [c for c in clauses if c]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({c})" for c in present)


def in_filter(column: str, values: Sequence[Any]) -> str:
    """``Microsoft.Dynamics.CRM.In(PropertyName='column',PropertyValues=['a','b'])``.

    The function takes a collection of strings, so every value is written as a string literal.
    """
    items = ",".join(odata_literal(_as_text(v)) for v in values)
    return (
        f"Microsoft.Dynamics.CRM.In(PropertyName={odata_literal(column)},PropertyValues=[{items}])"
    )


def _as_text(value: Any) -> str:
    if isinstance(value, float):
        raise TypeError("floats are inexact: pass a Decimal")
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dt.datetime):
        return iso_z(value)
    return str(value)


def in_filters(
    column: str,
    values: Iterable[Any],
    *,
    max_values: int = resources.IN_CHUNK,
    max_chars: int = resources.MAX_FILTER_CHARS,
) -> Iterator[str]:
    """`in_filter`s over `values` (deduplicated, in order), each within `max_values` values and
    `max_chars` characters once URL-encoded."""
    unique = list(dict.fromkeys(_as_text(v) for v in values))
    chunk: list[str] = []
    for value in unique:
        candidate = [*chunk, value]
        if chunk and (
            len(candidate) > max_values or encoded_len(in_filter(column, candidate)) > max_chars
        ):
            yield in_filter(column, chunk)
            candidate = [value]
        if encoded_len(in_filter(column, candidate)) > max_chars:
            raise RecordError(
                f"a value of {column} is too long for a filter", connection=resources.SYSTEM
            )
        chunk = candidate
    if chunk:
        yield in_filter(column, chunk)


def encoded_len(text: str) -> int:
    """Length of `text` once URL-encoded as a query value."""
    return len(quote(text, safe=""))


def query_params(
    *,
    select: Sequence[str],
    filter: str | None = None,
    orderby: str | Sequence[str] | None = None,
    expand: str | Sequence[str] | None = None,
    top: int | None = None,
    count: bool = False,
) -> dict[str, str]:
    """The system query options of a collection read (`$select` is required: never read every
    column)."""
    if not select:
        raise ValueError("select the columns to read")
    params = {"$select": ",".join(select)}
    if filter:
        params["$filter"] = filter
    if orderby:
        params["$orderby"] = orderby if isinstance(orderby, str) else ",".join(orderby)
    if expand:
        params["$expand"] = expand if isinstance(expand, str) else ",".join(expand)
    if top is not None:
        params["$top"] = str(top)
    if count:
        params["$count"] = "true"
    return params


def prefer(*preferences: str) -> dict[str, str]:
    """A ``Prefer`` header of the given preferences (comma-separated), or no header."""
    present = [p for p in preferences if p]
    return {"Prefer": ",".join(present)} if present else {}


def max_page_size(size: int) -> str:
    """``odata.maxpagesize=N`` (bounded to the platform's 5000)."""
    return f"odata.maxpagesize={max(1, min(size, resources.MAX_PAGE_SIZE))}"


def exact_json(response: httpx.Response) -> Any:
    """The JSON body with numbers as `Decimal`/`int` (``None`` for an empty body or a 204)."""
    if response.status_code == 204 or not response.content:
        return None
    return json.loads(response.content, parse_float=Decimal)


class TrackingPaginator(ODataNextLinkPaginator):
    """`@odata.nextLink` to the end, keeping the last page's `@odata.deltaLink`.

    A page without a next link is the end (a short page is not); the delta link of a tracked read
    is on its last page.
    """

    def __init__(self) -> None:
        super().__init__(count_cap=resources.COUNT_CAP)
        self.delta_link: str | None = None

    def records(self, response: httpx.Response) -> list[Any]:
        """The page's ``value``, JSON numbers parsed exactly (`Decimal`, never float)."""
        body = exact_json(response)
        if body is None:
            return []
        records = body.get("value") if isinstance(body, Mapping) else None
        if not isinstance(records, list):
            raise IncompletePaginationError("page has no record list at 'value'")
        return records

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """The first page; forgets a previous read's delta link."""
        self.delta_link = None
        return super().first(url, params)

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The next link verbatim, or ``None`` at the end (keeping the delta link)."""
        following = super().next(request, response, records)
        if following is None:
            body = page_body(response)
            link = body.get("@odata.deltaLink") if isinstance(body, Mapping) else None
            self.delta_link = link if isinstance(link, str) and link else None
        return following


def modified_between(
    since: dt.datetime | None, until: dt.datetime | None = None, column: str = "modifiedon"
) -> str | None:
    """The polling filter (``modifiedon ge <since> and modifiedon le <until>``) of a table whose
    changes are not tracked; ``None`` when both bounds are open."""
    return all_of(
        compare(column, "ge", since) if since is not None else None,
        compare(column, "le", until) if until is not None else None,
    )


_QUERY_SAFE = "'(),:@$/*=[]"


def with_query(path: str, params: Mapping[str, str]) -> str:
    """`path` with its query options, spaces as ``%20`` (not ``+``), ``$`` and quotes kept, as the
    Web API documentation writes them (``$select=a,b&$filter=name eq 'x'``)."""
    if not params:
        return path
    query = "&".join(f"{k}={quote(v, safe=_QUERY_SAFE)}" for k, v in params.items())
    return f"{path}?{query}"
