"""The error taxonomy every connector raises.

Five failure types drive behaviour everywhere (see `classify.py` for the status table):

* `TransientError`: 5xx, timeouts, connection resets. Retried inside the HTTP client.
* `RateLimitedError`: 429 or a quota signal. Waited out as the server says, within a budget.
* `AuthError` / `ConfigError`: wrong credential, permission, URL or certificate. Fail the run fast.
* `RecordError`: a 4xx about one record. Dead-letter that record, never retry it.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar


class FailureType(enum.StrEnum):
    """Why a call failed; decides what the caller does next."""

    TRANSIENT = "transient"
    RATE_LIMITED = "rate_limited"
    AUTH = "auth"
    CONFIG = "config"
    RECORD = "record"


class Action(enum.StrEnum):
    """What the HTTP client does with a failure."""

    RETRY = "retry"  # back off exponentially, spend an attempt
    WAIT = "wait"  # wait as the server says, without spending an attempt
    FAIL = "fail"  # raise at once: retrying cannot help
    DEAD_LETTER = "dead_letter"  # raise a RecordError: the caller parks the record


class ConnectorError(Exception):
    """Base of every failure a connector raises.

    Attributes carry what an operator needs to act, never a secret: the URL is redacted and the
    body is the parsed error body of the remote system (JSON or text).
    """

    failure_type: ClassVar[FailureType] = FailureType.TRANSIENT

    def __init__(
        self,
        message: str,
        *,
        connection: str | None = None,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        code: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.connection = connection
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.body = body
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = " ".join(p for p in (self.connection, self.method, self.url) if p)
        status = f" -> {self.status}" if self.status is not None else ""
        code = f" [{self.code}]" if self.code else ""
        prefix = f"{where}{status}{code}: " if (where or status or code) else ""
        return f"{prefix}{self.message}"


class TransientError(ConnectorError):
    """A failure that may succeed later (5xx, timeout, reset); retries were exhausted."""

    failure_type = FailureType.TRANSIENT


class IncompletePaginationError(TransientError):
    """Paging stopped before the end the server announced; a short read is never the end."""


class RateLimitedError(ConnectorError):
    """The server refused for quota; `retry_after` says how long it asked us to wait."""

    failure_type = FailureType.RATE_LIMITED


class QuotaExhaustedError(RateLimitedError):
    """The run's API budget (or the configured share of the daily quota) is spent: stop cleanly."""


class AuthError(ConnectorError):
    """Credentials are wrong, expired beyond refresh, or lack a permission."""

    failure_type = FailureType.AUTH


class ConfigError(ConnectorError):
    """A setting is missing or wrong (URL, certificate, API version, missing variable)."""

    failure_type = FailureType.CONFIG


class RecordError(ConnectorError):
    """A 4xx (or a validation rule) about one record; the body says which field."""

    failure_type = FailureType.RECORD


ERROR_TYPES: dict[FailureType, type[ConnectorError]] = {
    FailureType.TRANSIENT: TransientError,
    FailureType.RATE_LIMITED: RateLimitedError,
    FailureType.AUTH: AuthError,
    FailureType.CONFIG: ConfigError,
    FailureType.RECORD: RecordError,
}
