"""Query parameters, paging and errors of the Shift4Shop (3dcart) REST API v1 emulator.

Conventions (store-apis.md 2.3, 2.9):

* `limit` (default 10, at most the emulator's `max_limit`) and 1-based `offset` (default 1);
* `countonly=1` answers `{"TotalCount": N}` (an object, not an array);
* an empty result is HTTP 404, paging past the end is a 404 with the documented message
  "Offset amount exceeds the total number of records";
* filter dates are `mm/dd/yyyy` or `mm/dd/yyyy hh:mm:ss` in the store's local time zone;
* errors are `[{"Key": "Error", "Message": "..."}]` arrays.

Assumptions where the docs are silent are marked as such below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

T = TypeVar("T")
DEFAULT_LIMIT = 10
DATE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y")
OFFSET_MESSAGE = "Offset amount exceeds the total number of records"


class ApiError(Exception):
    """An error answered as a Shift4Shop error array with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        """Create the error.

        Args:
            status: HTTP status code.
            message: the `Message` of the error element.
        """
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(message: str) -> list[dict[str, str]]:
    """The documented error shape: `[{"Key": "Error", "Message": ...}]`.

    Args:
        message: human-readable text (the exact wording is our assumption; only the shape and
            the offset message are documented).
    """
    return [{"Key": "Error", "Message": message}]


def lower_params(params: QueryParams) -> dict[str, str]:
    """Query parameters with lowercased names (ASP.NET binds query names case-insensitively).

    Args:
        params: the request's query parameters.
    """
    return {k.lower(): v for k, v in params.items()}


def int_param(params: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    """An integer parameter, or `default` when absent.

    Args:
        params: lowercased parameters.
        name: lowercase name.
        default: value when absent or empty.
        minimum: smallest accepted value.

    Raises:
        ApiError: 400 naming the parameter when it is not an integer or below `minimum`.
    """
    raw = params.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}': {raw!r}") from None
    if value < minimum:
        raise ApiError(400, f"Invalid value for parameter '{name}': must be >= {minimum}")
    return value


def flag_param(params: dict[str, str], name: str) -> bool:
    """A 0/1 flag (also true/false), false when absent.

    Args:
        params: lowercased parameters.
        name: lowercase name (e.g. "countonly").

    Raises:
        ApiError: 400 naming the parameter for any other value.
    """
    raw = params.get(name, "").strip().lower()
    if raw in ("", "0", "false"):
        return False
    if raw in ("1", "true"):
        return True
    raise ApiError(400, f"Invalid value for parameter '{name}': {raw!r}")


def date_param(params: dict[str, str], name: str, tz: ZoneInfo) -> tuple[dt.datetime, bool] | None:
    """A store-local filter date as aware UTC, and whether it carried a time.

    A date-only value means 00:00:00 of that day. Ambiguous local times (the repeated hour when
    DST ends) take the first occurrence (`fold=0`) — assumption, the docs do not say.

    Args:
        params: lowercased parameters.
        name: lowercase name (e.g. "lastupdatestart").
        tz: the store's time zone.

    Raises:
        ApiError: 400 naming the parameter when the value matches neither format.
    """
    raw = params.get(name, "").strip()
    if not raw:
        return None
    for fmt in DATE_FORMATS:
        try:
            naive = dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=tz).astimezone(dt.UTC), fmt != DATE_FORMATS[-1]
    raise ApiError(
        400, f"Invalid date for parameter '{name}': {raw!r} (use mm/dd/yyyy or mm/dd/yyyy hh:mm:ss)"
    )


def window(params: dict[str, str], prefix: str, tz: ZoneInfo) -> Callable[[dt.datetime], bool]:
    """A predicate for `<prefix>start` / `<prefix>end` (e.g. `lastupdatestart/end`).

    The start is inclusive. A full-timestamp end is inclusive. A date-only end means 00:00:00 of
    that day and is exclusive, so the whole day is left out: the pessimistic reading of the
    documented date-only granularity, which forces clients to ask for the next day (as SkuVault
    does with `lastupdateend` + 1 day) rather than rely on the server including the end day.

    Args:
        params: lowercased parameters.
        prefix: "date" or "lastupdate".
        tz: the store's time zone.
    """
    start = date_param(params, f"{prefix}start", tz)
    end = date_param(params, f"{prefix}end", tz)

    def inside(value: dt.datetime) -> bool:
        if start is not None and value < start[0]:
            return False
        if end is None:
            return True
        end_at, has_time = end
        return value <= end_at if has_time else value < end_at

    return inside


@dataclass(frozen=True)
class Page:
    """One page request: how many rows from which 1-based position, or only the count."""

    limit: int
    offset: int
    count_only: bool

    @classmethod
    def from_params(cls, params: dict[str, str], max_limit: int) -> Page:
        """Read `limit`, `offset` and `countonly`.

        `offset=0` is read as 1: the 2015 capture pages with `offset=0` and gets rows back.

        Args:
            params: lowercased parameters.
            max_limit: the largest accepted `limit`.

        Raises:
            ApiError: 400 for a limit above `max_limit` or below 1, or a bad value.
        """
        limit = int_param(params, "limit", DEFAULT_LIMIT, minimum=1)
        if limit > max_limit:
            raise ApiError(400, f"Invalid value for parameter 'limit': maximum is {max_limit}")
        offset = max(int_param(params, "offset", 1, minimum=0), 1)
        return cls(limit, offset, flag_param(params, "countonly"))


def paginate(
    rows: Sequence[T], page: Page, render: Callable[[T], dict[str, Any]], noun: str
) -> list[dict[str, Any]] | dict[str, int]:
    """The response body for a filtered, sorted list.

    Args:
        rows: every matching record, in response order.
        page: the page asked for.
        render: record → JSON object.
        noun: plural for the empty-result message ("orders").

    Raises:
        ApiError: 404 when nothing matches or `offset` is past the end.
    """
    if page.count_only:
        # Assumption: a count of zero is still a 200 (nothing documents a 404 for countonly).
        return {"TotalCount": len(rows)}
    if not rows:
        raise ApiError(404, f"No {noun} found")
    if page.offset > len(rows):
        raise ApiError(404, OFFSET_MESSAGE)
    chunk = rows[page.offset - 1 : page.offset - 1 + page.limit]
    return [render(row) for row in chunk]
