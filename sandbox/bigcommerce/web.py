"""Request and response helpers of the BigCommerce emulator: errors, JSON, paging, dates, quota.

V2 errors are arrays (`[{"status": 404, "message": "..."}]`), V3 errors objects (`{"status",
"title", "type", "errors"}`), store-apis.md 1.4. `ApiError` carries both forms; the exception
handler picks the one of the path's API version.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from connectors.http.jsonx import dumps
from sandbox.bigcommerce.constants import ERROR_TYPE


class ApiError(Exception):
    """An API error answered in the version's own shape."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, str] | None = None,
        *,
        problem: bool = False,
    ) -> None:
        """`message` is the V2 `message` and the V3 `title`; `errors` the V3 field map.

        Args:
            status: the HTTP status.
            message: what went wrong (names the record and field, never a value).
            errors: V3 `errors` (field path -> message); `None` leaves the key out.
            problem: answer `application/problem+json` (the Inventory API's 422s).
        """
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.problem = problem

    def v2_body(self) -> list[dict[str, Any]]:
        """The V2 error array."""
        return [{"status": self.status, "message": self.message}]

    def v3_body(self) -> dict[str, Any]:
        """The V3 error object."""
        body: dict[str, Any] = {"status": self.status, "title": self.message, "type": ERROR_TYPE}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def too_large(maximum: int, *, period: bool = True) -> ApiError:
    """413 for a batch over `maximum` items (samples `v3_*_batch_update_413.json`)."""
    end = "." if period else ""
    return ApiError(
        413,
        "The request payload is too large. "
        f"The maximum items allowed in the array is {maximum}{end}",
        {},
    )


def json_response(body: Any, status: int = 200, media_type: str = "application/json") -> Response:
    """A JSON response; Decimals are written as exact numbers (never through float)."""
    return Response(dumps(body), status_code=status, media_type=media_type)


def no_content() -> Response:
    """204 with an empty body (V2 lists with no rows)."""
    return Response(status_code=204)


async def read_json(request: Request) -> Any:
    """The parsed request body, numbers as Decimal.

    Raises:
        ApiError: 400 when the body is not JSON.
    """
    try:
        return json.loads(await request.body(), parse_float=Decimal)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.", {}) from None


def int_param(params: dict[str, str], name: str, default: int | None = None) -> int | None:
    """An integer query parameter.

    Raises:
        ApiError: 400 naming the parameter when it is not an integer.
    """
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"The field '{name}' is invalid: an integer is expected.", {}) from None


def int_list(params: dict[str, str], name: str) -> set[int] | None:
    """A `field:in=1,2,3` filter as a set (None when absent)."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return {int(x) for x in raw.split(",") if x.strip()}
    except ValueError:
        raise ApiError(400, f"The filter '{name}' is invalid: integers are expected.", {}) from None


def str_list(params: dict[str, str], name: str) -> set[str] | None:
    """A `field:in=a,b` filter as a set (None when absent)."""
    raw = params.get(name)
    return None if raw is None else {x.strip() for x in raw.split(",") if x.strip()}


def parse_date(raw: str, name: str) -> dt.datetime:
    """A V2/V3 date filter: RFC 2822 or ISO 8601 (a date alone is midnight UTC).

    Assumption: a time without an offset is UTC. Anything else is an error, never "no filter"
    (store-apis.md 1.10: real clients lost that way).

    Raises:
        ApiError: 400 naming the parameter.
    """
    text = raw.strip()
    value: dt.datetime | None = None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        raise ApiError(
            400, f"The field '{name}' is invalid: a date in RFC 2822 or ISO 8601 is expected.", {}
        )
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def page_params(params: dict[str, str], *, maximum: int, default: int, v3: bool) -> tuple[int, int]:
    """`page` (from 1) and `limit` (1..maximum).

    Assumption (the spec gives the maximum, not the answer past it): V3 answers 413 (store-apis.md
    1.4 "413 when a batch or `limit` is too large"), V2 a 400 error array.

    Raises:
        ApiError: 400 for a page or limit that is not a positive integer, 413/400 past `maximum`.
    """
    page = int_param(params, "page", 1) or 1
    limit = int_param(params, "limit", default)
    if page < 1 or limit is None or limit < 1:
        raise ApiError(400, "The fields 'page' and 'limit' must be positive integers.", {})
    if limit > maximum:
        if v3:
            raise ApiError(413, f"The maximum 'limit' is {maximum}.", {})
        raise ApiError(400, f"The field 'limit' is invalid: the maximum is {maximum}.")
    return page, limit


class RateWindow:
    """The per-store request quota: `quota` requests per fixed window of `window_ms`.

    Every API request takes one; the headers say what is left and when the window resets
    (store-apis.md 1.3). Monotonic time: the window is a duration, not a business date.
    """

    def __init__(self, quota: int, window_ms: int) -> None:
        """A full quota."""
        self._lock = threading.Lock()
        self.configure(quota, window_ms)

    def configure(self, quota: int, window_ms: int) -> None:
        """Replace the quota and start a new window."""
        with self._lock:
            self.quota, self.window_ms = quota, window_ms
            self._start = time.monotonic()
            self._used = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        """Take one request; (allowed, the four rate-limit headers)."""
        with self._lock:
            now = time.monotonic()
            elapsed_ms = (now - self._start) * 1000
            if elapsed_ms >= self.window_ms:
                self._start, self._used, elapsed_ms = now, 0, 0.0
            allowed = self._used < self.quota
            if allowed:
                self._used += 1
            reset_ms = max(int(self.window_ms - elapsed_ms), 1)
            return allowed, {
                "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
                "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
                "X-Rate-Limit-Requests-Quota": str(self.quota),
                "X-Rate-Limit-Requests-Left": str(max(self.quota - self._used, 0)),
            }

    def snapshot(self) -> dict[str, str]:
        """The headers as of now, without taking a request."""
        with self._lock:
            elapsed_ms = (time.monotonic() - self._start) * 1000
            left = self.quota - self._used if elapsed_ms < self.window_ms else self.quota
            reset_ms = (
                max(int(self.window_ms - elapsed_ms), 1)
                if elapsed_ms < self.window_ms
                else self.window_ms
            )
            return {
                "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
                "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
                "X-Rate-Limit-Requests-Quota": str(self.quota),
                "X-Rate-Limit-Requests-Left": str(max(left, 0)),
            }
