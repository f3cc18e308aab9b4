"""`Sage300Error`: a failure the Sage 300 Web API answered with its error body.

``Sage300Error(status, code, message)`` is classified through `resources.ERROR_ROWS` (then the
shared table) and *is* an instance of the matching shared type, so callers catch either:

* ``RecordError`` (dead letter): RecordInvalid, InvalidPayload, General, RecordNotFound,
  InvalidEntityKey, InvalidParameters, RecordDuplicate (`duplicate` is then true: for a create
  whose answer was lost, the record is already there);
* ``AuthError``: Unauthorized, Forbidden, HTTP 401/403;
* ``RateLimitedError``: TooManyRequests, HTTP 429 (the client waits them out first);
* ``ConfigError``: ResourceNotFound, MethodNotAllowed, InvalidAction, DBLinkError, SessionError;
* ``TransientError``: InternalServerError and other 5xx (retried first when the request may be
  resent); `Sage300WriteUnknown` when a POST failed after it may have reached the server.
"""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.http import (
    DEFAULT_ERROR_TABLE,
    AuthError,
    ConfigError,
    ConnectorError,
    ErrorRule,
    FailureType,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    TransientError,
)
from connectors.http.classify import classify_status
from connectors.sage300 import resources


def error_table() -> tuple[ErrorRule, ...]:
    """Sage 300's rows in front of the shared table."""
    return (*resources.ERROR_ROWS, *DEFAULT_ERROR_TABLE)


def failure_of(status: int | None, code: str | None) -> FailureType:
    """The failure type of a Sage answer (`status` unknown: the first row naming `code`)."""
    if status is not None:
        return classify_status(status, code, error_table())[1]
    for rule in resources.ERROR_ROWS:
        if rule.codes is not None and code in rule.codes:
            return rule.failure
    return FailureType.TRANSIENT


class Sage300Error(ConnectorError):
    """An error answer of the Web API: HTTP `status`, Sage `code` (e.g. ``RecordInvalid``) and
    Sage's message (``error.message.value``).

    Constructing ``Sage300Error(...)`` returns the subclass of its failure type (see the module
    docstring), so ``except RecordError`` catches a ``Sage300Error(400, "RecordInvalid", ...)``.
    """

    _by_failure: ClassVar[dict[FailureType, type[Sage300Error]]] = {}

    def __new__(
        cls, status: int | None, code: str | None, message: str, **context: Any
    ) -> Sage300Error:
        target = cls
        if cls is Sage300Error:
            target = cls._by_failure[failure_of(status, code)]
        return super().__new__(target, status, code, message)

    def __init__(self, status: int | None, code: str | None, message: str, **context: Any) -> None:
        context.setdefault("connection", resources.SYSTEM)
        super().__init__(message, status=status, code=code, **context)

    def __reduce__(self) -> tuple[Any, ...]:
        context = {
            "connection": self.connection,
            "method": self.method,
            "url": self.url,
            "body": self.body,
            "retry_after": self.retry_after,
        }
        return (_rebuild, (type(self), self.status, self.code, self.message, context))

    @property
    def duplicate(self) -> bool:
        """A create refused because a record with the key exists (``RecordDuplicate``)."""
        return self.code == resources.DUPLICATE

    @property
    def not_found(self) -> bool:
        """No record for the key (``RecordNotFound``)."""
        return self.code == resources.NOT_FOUND


def _rebuild(
    cls: type[Sage300Error], status: int | None, code: str | None, message: str, context: Any
) -> Sage300Error:
    return cls(status, code, message, **context)


class Sage300RecordError(Sage300Error, RecordError):
    """A 4xx about one record: dead-letter it (the message names the field)."""


class Sage300AuthError(Sage300Error, AuthError):
    """The Sage 300 user, password or rights are wrong."""


class Sage300RateLimitedError(Sage300Error, RateLimitedError):
    """The Web API refused for load beyond the wait budget."""


class Sage300ConfigError(Sage300Error, ConfigError):
    """The resource, verb or installation is not what storebridge expects."""


class Sage300TransientError(Sage300Error, TransientError):
    """A server error that may pass; retries (if any were allowed) are spent."""


class Sage300WriteUnknown(Sage300TransientError):
    """A POST failed after it may have reached the server (5xx, timeout, reset): it is not
    resent. Look the record up (e.g. the order by its reference) before creating it again."""


Sage300Error._by_failure.update(
    {
        FailureType.RECORD: Sage300RecordError,
        FailureType.AUTH: Sage300AuthError,
        FailureType.RATE_LIMITED: Sage300RateLimitedError,
        FailureType.CONFIG: Sage300ConfigError,
        FailureType.TRANSIENT: Sage300TransientError,
    }
)


def from_connector_error(exc: ConnectorError, *, write: bool = False) -> ConnectorError:
    """The Sage error of a shared-client error (its status, code, message and context kept).

    Errors without an HTTP status (quota budget, incomplete paging, TLS, URL) stay as they are,
    except on a `write`: every transient failure of a POST becomes `Sage300WriteUnknown`.
    """
    if isinstance(exc, Sage300Error | QuotaExhaustedError):
        return exc
    context = {
        "connection": exc.connection,
        "method": exc.method,
        "url": exc.url,
        "body": exc.body,
        "retry_after": exc.retry_after,
    }
    if write and isinstance(exc, TransientError):
        return Sage300WriteUnknown(
            exc.status,
            exc.code,
            f"{exc.message} (the record may have been created: look it up before writing again)",
            **context,
        )
    if exc.status is None:
        return exc
    return Sage300Error(exc.status, exc.code, exc.message, **context)
