"""Error classification as a table: HTTP status (and error code) → action and failure type.

Modelled on Airbyte's `default_error_mapping.py`: the table is data, `classify_response` only looks
rows up. Error bodies of all five systems are understood: Salesforce REST
(``[{"errorCode", "message"}]``, sObject Collections ``statusCode``), Dataverse Web API v9.2 and
Sage 300 Web API (``{"error": {"code", "message"}}``), BigCommerce V2 arrays and V3 problem objects,
Shift4Shop/3dcart REST v1 (``[{"Key": "Error", "Message"}]``) and OAuth token endpoints.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.http.errors import ERROR_TYPES, Action, ConnectorError, FailureType

MESSAGE_LIMIT = 500
"""Longest error message (characters) taken from a text body."""


@dataclass(frozen=True)
class ErrorRule:
    """One row of the error table.

    Attributes:
        statuses: HTTP statuses the rule applies to.
        action: what the client does (retry, wait, fail, dead-letter).
        failure: the failure type of the error raised.
        codes: if set, the rule only applies when the body's error code is one of these.
        description: why, for the reader of the table and for error messages.
    """

    statuses: frozenset[int] | range
    action: Action
    failure: FailureType
    codes: frozenset[str] | None = None
    description: str = ""

    def matches(self, status: int, code: str | None) -> bool:
        """Whether this rule applies to `status` with error `code`."""
        if status not in self.statuses:
            return False
        return self.codes is None or (code is not None and code in self.codes)


def _s(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


DEFAULT_ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(_s(408, 425), Action.RETRY, FailureType.TRANSIENT, None, "timeout, too early"),
    ErrorRule(_s(429), Action.WAIT, FailureType.RATE_LIMITED, None, "too many requests"),
    ErrorRule(_s(401), Action.FAIL, FailureType.AUTH, None, "credentials rejected or expired"),
    ErrorRule(_s(403), Action.FAIL, FailureType.AUTH, None, "permission denied"),
    ErrorRule(
        _s(405, 406, 415, 501, 505),
        Action.FAIL,
        FailureType.CONFIG,
        None,
        "wrong method, media type, API version or endpoint",
    ),
    ErrorRule(
        _s(400, 404, 409, 412, 413, 422),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "the request or record is invalid",
    ),
    ErrorRule(range(400, 500), Action.DEAD_LETTER, FailureType.RECORD, None, "other client error"),
    ErrorRule(_s(500, 502, 503, 504), Action.RETRY, FailureType.TRANSIENT, None, "server error"),
    ErrorRule(range(500, 600), Action.RETRY, FailureType.TRANSIENT, None, "other server error"),
)
"""The default table, HTTP semantics only. First match wins; rules with `codes` are tried before
code-less rules. A system's own rows (e.g. Salesforce's 403 REQUEST_LIMIT_EXCEEDED, which is a
wait) live next to its connector and are put in front: `(*ERROR_ROWS, *DEFAULT_ERROR_TABLE)`."""

UNKNOWN_STATUS = (Action.FAIL, FailureType.CONFIG)
"""What a status outside every rule (1xx, 6xx, ...) means: the endpoint is not what we think."""


def _first_item(body: Any) -> Any:
    if isinstance(body, list):
        return body[0] if body else None
    return body


def _str_or_none(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def error_code(body: Any) -> str | None:
    """Extract the remote system's error code from a parsed error body.

    Args:
        body: the parsed JSON body (or text, which has no code).

    Returns:
        Salesforce ``errorCode`` (or sObject Collections ``errors[0].statusCode``), Dataverse /
        Sage 300 ``error.code``, an OAuth ``error``, a top-level ``code``; ``None`` for
        BigCommerce problem objects without a code, Shift4Shop arrays and text.
    """
    item = _first_item(body)
    if not isinstance(item, dict):
        return None
    for key in ("errorCode", "statusCode"):
        if code := _str_or_none(item.get(key)):
            return code
    error = item.get("error")
    if isinstance(error, dict):
        return _str_or_none(error.get("code"))
    if isinstance(error, str):  # OAuth 2.0: {"error": "invalid_grant", "error_description": ...}
        return _str_or_none(error)
    nested = item.get("errors")
    if isinstance(nested, list) and nested:
        return error_code(nested)
    return _str_or_none(item.get("code"))


def _message_of(item: dict[str, Any]) -> str | None:
    for key in ("message", "title", "Message", "error_description"):
        if message := _str_or_none(item.get(key)):
            return message
    error = item.get("error")
    if isinstance(error, dict):
        inner = error.get("message")
        if isinstance(inner, dict):  # Sage 300: {"lang": "en-US", "value": "..."}
            inner = inner.get("value")
        if message := _str_or_none(inner):
            return message
    nested = item.get("errors")
    if isinstance(nested, list) and nested and isinstance(nested[0], dict):
        return _message_of(nested[0])
    return None


def error_message(body: Any, text: str) -> str:
    """The best human-readable message of an error body.

    Args:
        body: the parsed JSON body, or ``None`` / text when it was not JSON.
        text: the raw body text, used (truncated) when no known field carries a message.

    Returns:
        The first of ``message``, ``title``, ``Message``, ``error.message``,
        ``error.message.value``, ``error_description``; else the truncated text (or ``""``).
    """
    item = _first_item(body)
    if isinstance(item, dict) and (message := _message_of(item)):
        return message
    text = " ".join(text.split())
    if len(text) > MESSAGE_LIMIT:
        return text[: MESSAGE_LIMIT - 1] + "…"
    return text


def response_body(response: httpx.Response) -> Any:
    """The parsed body of a (read) response: JSON if it parses, else the text, ``None`` if empty."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def classify_status(
    status: int, code: str | None, table: tuple[ErrorRule, ...] = DEFAULT_ERROR_TABLE
) -> tuple[Action, FailureType]:
    """Look `status` and `code` up in `table`: rules with codes first, then the others, in order."""
    coded = (rule for rule in table if rule.codes is not None)
    plain = (rule for rule in table if rule.codes is None)
    for rule in (*coded, *plain):
        if rule.matches(status, code):
            return rule.action, rule.failure
    return UNKNOWN_STATUS


def classify_response(
    response: httpx.Response, table: tuple[ErrorRule, ...] = DEFAULT_ERROR_TABLE
) -> tuple[Action, FailureType]:
    """Classify an unsuccessful response by its status and the error code in its body.

    Args:
        response: a read `httpx.Response`.
        table: the error table; `DEFAULT_ERROR_TABLE` unless a connector extends it.

    Returns:
        ``(action, failure_type)``.
    """
    return classify_status(response.status_code, error_code(response_body(response)), table)


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# An EOF during the handshake is a dropped connection, not a certificate problem.
_TRANSIENT_SSL = (ssl.SSLEOFError, ssl.SSLZeroReturnError)


def is_tls_verify_failure(exc: BaseException) -> bool:
    """Whether `exc` (or anything in its cause/context chain) is a TLS certificate failure."""
    for link in _exception_chain(exc):
        if isinstance(link, ssl.SSLError) and not isinstance(link, _TRANSIENT_SSL):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(link):
            return True
    return False


def tls_failure_message(connection: str | None = None) -> str:
    """The message of a TLS verification failure: tell the user which setting to set."""
    var = f"STOREBRIDGE_{connection.upper()}_CA_BUNDLE" if connection else "<PREFIX>_CA_BUNDLE"
    return (
        "TLS certificate verification failed: the server's certificate is not signed by a trusted "
        f"CA. Set the CA bundle setting ({var}) to the PEM file of the CA that signed it "
        "(the sandbox CA or your corporate proxy CA)."
    )


_RETRYABLE_EXCEPTIONS = (
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
_CONFIG_EXCEPTIONS = (
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
    httpx.LocalProtocolError,
    httpx.TooManyRedirects,
)


def classify_exception(exc: BaseException) -> tuple[Action, FailureType]:
    """Classify an exception raised while sending a request.

    Returns:
        FAIL/CONFIG for a TLS certificate failure (see `tls_failure_message`), a bad URL or
        protocol; RETRY/TRANSIENT for timeouts, connection errors and other transport errors;
        FAIL/CONFIG for anything else (a bug or a setting, never worth retrying).
    """
    if is_tls_verify_failure(exc):
        return Action.FAIL, FailureType.CONFIG
    if isinstance(exc, _CONFIG_EXCEPTIONS):
        return Action.FAIL, FailureType.CONFIG
    if isinstance(exc, (*_RETRYABLE_EXCEPTIONS, httpx.TransportError, httpx.DecodingError)):
        return Action.RETRY, FailureType.TRANSIENT
    return Action.FAIL, FailureType.CONFIG


def build_error(failure: FailureType, message: str, **context: Any) -> ConnectorError:
    """Instantiate the `ConnectorError` subclass of `failure`.

    Args:
        failure: the failure type (picks the class through `errors.ERROR_TYPES`).
        message: the human message.
        **context: `ConnectorError` keyword attributes (connection, method, url, status, code,
            body, retry_after).
    """
    return ERROR_TYPES[failure](message, **context)
