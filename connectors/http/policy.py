"""Retry and rate-limit policies of the resilient HTTP client (data, plus the backoff formula).

`client_from_settings` fills both from a `ConnectionSettings`; tests build them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures (5xx, timeouts, resets) are retried.

    Attributes:
        max_attempts: HTTP attempts per request for transient failures, the first one included.
            Rate-limit waits do not spend attempts.
        base_delay: seconds; the backoff cap of the first retry. Each retry doubles the cap.
        max_delay: seconds; the backoff cap never grows past this (also the cap of the
            exponential backoff on header-less 429s).
        max_elapsed: seconds one request may spend on transient failures (attempts plus backoff,
            not counting rate-limit waits). The client gives up rather than sleep past it.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_elapsed: float = 120.0

    def backoff(self, attempt: int, rand: Callable[[float, float], float]) -> float:
        """Full-jitter exponential backoff (AWS "full jitter"): uniform in [0, cap].

        Args:
            attempt: 0 for the first retry, 1 for the second, ...
            rand: `random.uniform` or a deterministic stand-in for tests.

        Returns:
            Seconds to wait, in ``[0, min(max_delay, base_delay * 2**attempt)]``.
        """
        cap = self.cap(attempt)
        return max(0.0, min(cap, rand(0.0, cap)))

    def cap(self, attempt: int) -> float:
        """The upper bound of `backoff(attempt)`."""
        # min() before the power would overflow for absurd attempt numbers
        exponent = min(max(attempt, 0), 64)
        return float(min(self.max_delay, self.base_delay * 2.0**exponent))


@dataclass(frozen=True)
class RateLimitPolicy:
    """How the client paces itself and how long it waits out rate limits.

    Attributes:
        max_per_second: proactive pacing: minimum interval ``1 / max_per_second`` between request
            starts of this client (in-process; across processes use Prefect rate limits).
            ``None`` means no fixed pacing.
        wait_budget: seconds one request may spend waiting on 429s / quota refusals in total;
            past it the client raises `RateLimitedError`.
        max_single_wait: seconds; a single server-requested wait longer than this is not waited
            out (raise `RateLimitedError` with its `retry_after`). Also caps one pacing wait.
        min_remaining: when the last quota snapshot shows this many requests left or fewer and the
            reset time is known, wait for the reset before sending.
        slow_down_below: when remaining/limit falls below this share and the reset time is known,
            spread the remaining requests over the time left until the reset.
        stop_below_share: the daily quota floor: when remaining/limit falls below this share, raise
            `QuotaExhaustedError` before sending (stop the run cleanly). ``None`` disables it.
        max_calls: stop the run (raise `QuotaExhaustedError`) once this many HTTP calls were sent
            on this connection (see `ApiUsage.calls`). ``None`` disables it.
    """

    max_per_second: float | None = None
    wait_budget: float = 300.0
    max_single_wait: float = 120.0
    min_remaining: int = 1
    slow_down_below: float = 0.1
    stop_below_share: float | None = None
    max_calls: int | None = None
