"""API usage counters per connection, so a flow can report the calls it spent on each system.

One `ApiUsage` per connection name per process (`usage_for`); the client updates it from any
thread. `all_usage()` is what a flow puts in its run artifact.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from connectors.http.errors import FailureType


class ApiUsage:
    """Thread-safe counters of one connection.

    Attributes (read-only snapshots):
        calls: HTTP attempts actually sent (a connect failure is not a call).
        requests: logical requests (one `request`/`send`, however many attempts).
        retries: backoff retries after transient failures.
        rate_limited: 429s and other limit responses (Salesforce REQUEST_LIMIT_EXCEEDED).
        waited_s: seconds spent sleeping on backoff, rate limits and pacing.
        failures: errors raised (or final error responses returned), by failure type.
        statuses: responses by HTTP status.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._calls = 0
        self._requests = 0
        self._retries = 0
        self._rate_limited = 0
        self._waited_s = 0.0
        self._failures: Counter[FailureType] = Counter()
        self._statuses: Counter[int] = Counter()

    def record_call(self, status: int | None = None) -> None:
        """Count one HTTP attempt sent, and its status when a response came back."""
        with self._lock:
            self._calls += 1
            if status is not None:
                self._statuses[status] += 1

    def record_request(self) -> None:
        """Count one logical request."""
        with self._lock:
            self._requests += 1

    def record_retry(self) -> None:
        """Count one retry after a transient failure."""
        with self._lock:
            self._retries += 1

    def record_rate_limited(self) -> None:
        """Count one rate-limit response."""
        with self._lock:
            self._rate_limited += 1

    def record_wait(self, seconds: float) -> None:
        """Add time spent sleeping (backoff, rate limit, pacing)."""
        with self._lock:
            self._waited_s += max(0.0, seconds)

    def record_failure(self, failure: FailureType) -> None:
        """Count one failure of type `failure`."""
        with self._lock:
            self._failures[failure] += 1

    @property
    def calls(self) -> int:
        """HTTP attempts actually sent."""
        with self._lock:
            return self._calls

    @property
    def requests(self) -> int:
        """Logical requests."""
        with self._lock:
            return self._requests

    @property
    def retries(self) -> int:
        """Retries after transient failures."""
        with self._lock:
            return self._retries

    @property
    def rate_limited(self) -> int:
        """Rate-limit responses."""
        with self._lock:
            return self._rate_limited

    @property
    def waited_s(self) -> float:
        """Seconds spent waiting."""
        with self._lock:
            return self._waited_s

    @property
    def failures(self) -> Counter[FailureType]:
        """A copy of the failure counter."""
        with self._lock:
            return Counter(self._failures)

    @property
    def statuses(self) -> Counter[int]:
        """A copy of the status counter."""
        with self._lock:
            return Counter(self._statuses)

    def snapshot(self) -> dict[str, Any]:
        """The counters as a JSON-serialisable dict (status and failure keys are strings)."""
        with self._lock:
            return {
                "name": self.name,
                "calls": self._calls,
                "requests": self._requests,
                "retries": self._retries,
                "rate_limited": self._rate_limited,
                "waited_s": round(self._waited_s, 3),
                "failures": {str(k): v for k, v in sorted(self._failures.items())},
                "statuses": {str(k): v for k, v in sorted(self._statuses.items())},
            }

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self._calls = self._requests = self._retries = self._rate_limited = 0
            self._waited_s = 0.0
            self._failures.clear()
            self._statuses.clear()


_registry: dict[str, ApiUsage] = {}
_registry_lock = threading.Lock()


def usage_for(name: str) -> ApiUsage:
    """The `ApiUsage` of connection `name` in this process (created on first use)."""
    with _registry_lock:
        usage = _registry.get(name)
        if usage is None:
            usage = _registry[name] = ApiUsage(name)
        return usage


def all_usage() -> dict[str, dict[str, Any]]:
    """Snapshots of every connection's usage in this process, by connection name."""
    with _registry_lock:
        items = sorted(_registry.items())
    return {name: usage.snapshot() for name, usage in items}


def reset_all_usage() -> None:
    """Reset every registered connection's counters (e.g. at the start of a flow run)."""
    with _registry_lock:
        usages = list(_registry.values())
    for usage in usages:
        usage.reset()
