"""Quota headers and proactive pacing.

Speaks `Retry-After` (seconds or HTTP-date, RFC 9110), `X-Rate-Limit-*`-style quota headers
(`RateLimitHeaders`, names configurable) and, as wait hints, `X-Rate-Limit-Time-Reset-Ms` and
`X-Retry-After`. A system's own quota header lives with its connector and implements
`QuotaReader` (Salesforce: `connectors.salesforce.limits.SforceLimitInfo`). Header names are
case-insensitive.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from connectors.http.errors import QuotaExhaustedError
from connectors.http.policy import RateLimitPolicy
from connectors.http.usage import ApiUsage


@dataclass(frozen=True)
class QuotaSnapshot:
    """The quota a response reported.

    Attributes:
        remaining: requests left in the window (or the day), if known.
        limit: the size of the window's (or the day's) quota, if known.
        reset_after: seconds until the quota refreshes, if known (``None`` for daily quotas).
    """

    remaining: int | None
    limit: int | None
    reset_after: float | None

    @property
    def share_left(self) -> float | None:
        """remaining / limit, when both are known and the limit is positive."""
        if self.remaining is None or not self.limit or self.limit <= 0:
            return None
        return self.remaining / self.limit


class QuotaReader(Protocol):
    """Reads a `QuotaSnapshot` from response headers (``None`` when they carry none)."""

    def read(self, headers: httpx.Headers) -> QuotaSnapshot | None:
        """Parse the quota headers of one response."""
        ...


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _int(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


@dataclass(frozen=True)
class RateLimitHeaders:
    """BigCommerce-style quota headers (names configurable for similar APIs)."""

    remaining: str = "X-Rate-Limit-Requests-Left"
    limit: str = "X-Rate-Limit-Requests-Quota"
    reset_ms: str = "X-Rate-Limit-Time-Reset-Ms"

    def read(self, headers: httpx.Headers) -> QuotaSnapshot | None:
        """Read remaining/limit/reset; ``None`` when none of the headers is present or parses."""
        remaining = _int(headers.get(self.remaining))
        limit = _int(headers.get(self.limit))
        reset_ms = _number(headers.get(self.reset_ms))
        reset_after = max(0.0, reset_ms / 1000.0) if reset_ms is not None else None
        if remaining is None and limit is None and reset_after is None:
            return None
        return QuotaSnapshot(remaining=remaining, limit=limit, reset_after=reset_after)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Parse one `Retry-After` value: seconds, or an HTTP-date relative to `now` (floored at 0).

    Returns:
        Seconds, or ``None`` when `value` is missing or garbage.
    """
    if value is None:
        return None
    number = _number(value)
    if number is not None:
        return max(0.0, number)
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    return max(0.0, (when - reference).total_seconds())


def retry_after_seconds(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """How long the server asked us to wait, in seconds.

    Args:
        headers: the response headers.
        now: the current time for HTTP-date values (defaults to the wall clock, UTC).

    Returns:
        `Retry-After` (seconds or HTTP-date, floored at 0), else `X-Rate-Limit-Time-Reset-Ms`
        converted to seconds, else `X-Retry-After` seconds, else ``None``. Unparseable values
        are skipped.
    """
    seconds = parse_retry_after(headers.get("Retry-After"), now)
    if seconds is not None:
        return seconds
    reset_ms = _number(headers.get("X-Rate-Limit-Time-Reset-Ms"))
    if reset_ms is not None:
        return max(0.0, reset_ms / 1000.0)
    retry = _number(headers.get("X-Retry-After"))
    return max(0.0, retry) if retry is not None else None


class Pacer:
    """Proactive, in-process pacing of one client (thread-safe).

    `before_request` returns how long to wait before the next request; the client sleeps (through
    its injected `sleep`). It spaces request starts by ``1 / max_per_second``, waits for the quota
    reset when the last snapshot shows (almost) nothing left, spreads the remaining requests over
    the reset window when the share left is low, and raises `QuotaExhaustedError` at the
    configured daily floor or call budget.
    """

    def __init__(
        self,
        policy: RateLimitPolicy,
        usage: ApiUsage | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.usage = usage
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot: float | None = None
        self._snapshot: QuotaSnapshot | None = None
        self._snapshot_at = 0.0
        self._remaining: int | None = None  # the snapshot's remaining minus requests sent since

    def after_response(self, snapshot: QuotaSnapshot | None) -> None:
        """Record the latest quota snapshot (``None`` is ignored)."""
        if snapshot is None:
            return
        with self._lock:
            self._snapshot = snapshot
            self._snapshot_at = self._clock()
            self._remaining = snapshot.remaining

    def before_request(self) -> float:
        """Reserve the next request start and return the seconds to wait before it.

        Raises:
            QuotaExhaustedError: the call budget (`max_calls`) is spent, or the quota left is
                below `stop_below_share`.
        """
        with self._lock:
            now = self._clock()
            self._check_budget(now)
            start = max(now, self._quota_start(now))
            if self.policy.max_per_second and self._next_slot is not None:
                start = max(start, self._next_slot)
            start = min(start, now + self.policy.max_single_wait)
            if self.policy.max_per_second:
                self._next_slot = start + 1.0 / self.policy.max_per_second
            if self._remaining is not None:
                self._remaining -= 1
            return start - now

    def _reset_left(self, now: float) -> float | None:
        """Seconds until the snapshot's quota refreshes; ``None`` if unknown, <= 0 if stale."""
        if self._snapshot is None or self._snapshot.reset_after is None:
            return None
        return self._snapshot_at + self._snapshot.reset_after - now

    def _check_budget(self, now: float) -> None:
        policy = self.policy
        usage = self.usage
        connection = usage.name if usage is not None and usage.name else None
        if policy.max_calls is not None and usage is not None and usage.calls >= policy.max_calls:
            raise QuotaExhaustedError(
                f"run budget of {policy.max_calls} API calls spent (max_calls_per_run)",
                connection=connection,
            )
        reset_left = self._reset_left(now)
        if policy.stop_below_share is None or self._snapshot is None or self._remaining is None:
            return
        if reset_left is not None and reset_left <= 0:
            return  # the window refreshed since this snapshot
        limit = self._snapshot.limit
        if limit and self._remaining / limit < policy.stop_below_share:
            raise QuotaExhaustedError(
                f"quota floor reached: {self._remaining}/{limit} requests left is below "
                f"{policy.stop_below_share:.0%} of the quota",
                connection=connection,
            )

    def _quota_start(self, now: float) -> float:
        reset_left = self._reset_left(now)
        remaining = self._remaining
        if reset_left is None or reset_left <= 0 or remaining is None or self._snapshot is None:
            return now
        if remaining <= self.policy.min_remaining:
            return now + reset_left
        limit = self._snapshot.limit
        if limit and remaining / limit < self.policy.slow_down_below:
            return now + reset_left / max(remaining, 1)
        return now
