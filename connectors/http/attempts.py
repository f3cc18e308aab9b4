"""State of one logical request across its attempts, and the errors built from its responses.

Internal to `ResilientClient`; separate so the client module stays readable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.http.classify import (
    ErrorRule,
    build_error,
    classify_exception,
    classify_response,
    error_code,
    error_message,
    is_tls_verify_failure,
    response_body,
    tls_failure_message,
)
from connectors.http.errors import (
    ERROR_TYPES,
    Action,
    ConnectorError,
    FailureType,
    QuotaExhaustedError,
    RateLimitedError,
    TransientError,
)
from connectors.http.policy import RateLimitPolicy, RetryPolicy
from connectors.http.quota import Pacer, QuotaReader, parse_retry_after, retry_after_seconds
from connectors.http.redaction import redact_payload, redact_text
from connectors.http.usage import ApiUsage

MAX_LIMITED_RESPONSES = 100
"""Hard stop for one request answered by rate limits with zero waits, whatever the budget says."""
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Exceptions after which the request certainly did not reach the server."""


@dataclass
class Call:
    """One logical request: what was asked and what it has spent so far.

    Attributes:
        request: the built request (re-sent as is on retries).
        idempotent: whether it may be re-sent after it may have reached the server.
        expect: extra statuses that count as success.
        raise_errors: raise (True) or return (False) final auth/config/record error responses.
        started: clock reading when the request started.
        url: the redacted URL, for logs and errors.
        failed: transient failures so far (attempts spent).
        limited: rate-limit responses so far.
        rate_waited_s: seconds waited on rate limits (against `RateLimitPolicy.wait_budget`).
        excluded_s: seconds of pacing and rate-limit waits, not counted against
            `RetryPolicy.max_elapsed`.
    """

    request: httpx.Request
    idempotent: bool
    expect: frozenset[int]
    raise_errors: bool
    started: float
    url: str
    failed: int = 0
    limited: int = 0
    rate_waited_s: float = 0.0
    excluded_s: float = 0.0


def context_of(connection: str, call: Call) -> dict[str, Any]:
    """The `ConnectorError` keyword context of `call` (connection, method, redacted URL)."""
    return {"connection": connection, "method": call.request.method, "url": call.url}


def give_up_note(call: Call) -> str:
    """The prefix of an error raised after retries were exhausted."""
    plural = "s" if call.failed != 1 else ""
    return f"gave up after {call.failed} attempt{plural}"


def response_error(
    connection: str,
    call: Call,
    response: httpx.Response,
    failure: FailureType,
    note: str = "",
    *,
    error_type: type[ConnectorError] | None = None,
    retry_after: float | None = None,
) -> ConnectorError:
    """Build the error of an unsuccessful response.

    The message is the remote system's message (redacted), prefixed by `note`; the body is the
    parsed error body (JSON or text), redacted with `redact_payload`; the code is the remote
    error code (e.g. ``REQUEST_LIMIT_EXCEEDED``, ``0x80044331``, ``RecordNotFound``).
    """
    body = response_body(response)
    message = redact_text(error_message(body, response.text))
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    if note:
        message = f"{note}: {message}"
    context: dict[str, Any] = {
        **context_of(connection, call),
        "status": response.status_code,
        "code": error_code(body),
        "body": redact_payload(body),
        "retry_after": retry_after,
    }
    if error_type is None or error_type is ERROR_TYPES[failure]:
        return build_error(failure, message, **context)
    return error_type(message, **context)


class AttemptLoop:
    """The attempt loop of `ResilientClient`: retry, wait, pace, classify, count, log.

    `ResilientClient` inherits it and sets the attributes declared here.
    """

    name: str
    http: httpx.Client
    retry: RetryPolicy
    rate_limit: RateLimitPolicy
    quota_reader: QuotaReader | None
    error_table: tuple[ErrorRule, ...]
    usage: ApiUsage
    log: logging.Logger
    _pacer: Pacer
    _sleep: Callable[[float], None]
    _clock: Callable[[], float]
    _rand: Callable[[float, float], float]

    def _run(self, call: Call) -> httpx.Response:
        while True:
            self._pace(call)
            try:
                response = self._attempt(call)
            except httpx.HTTPError as exc:
                self._after_exception(call, exc)
                continue
            status = response.status_code
            if 200 <= status < 400 or status in call.expect:
                return response
            action, failure = classify_response(response, self.error_table)
            if action is Action.RETRY:
                self._after_transient_response(call, response, failure)
            elif action is Action.WAIT:
                self._after_limited_response(call, response)
            elif call.raise_errors:
                raise response_error(self.name, call, response, failure)
            else:
                self.usage.record_failure(failure)
                return response

    def _pace(self, call: Call) -> None:
        try:
            wait = self._pacer.before_request()
        except QuotaExhaustedError as exc:
            exc.connection, exc.method, exc.url = self.name, call.request.method, call.url
            raise
        if wait > 0:
            self.log.debug("%s %s: pacing %.2f s", call.request.method, call.url, wait)
            self._wait(call, wait, counts_against_retry=False)

    def _attempt(self, call: Call) -> httpx.Response:
        method, started = call.request.method, self._clock()
        try:
            response = self.http.send(call.request)
        except httpx.HTTPError as exc:
            if not isinstance(exc, NOT_SENT):
                self.usage.record_call()
            self.log.debug("%s %s -> %s", method, call.url, type(exc).__name__)
            raise
        self.usage.record_call(response.status_code)
        elapsed_ms = (self._clock() - started) * 1000.0
        self.log.debug("%s %s -> %d in %d ms", method, call.url, response.status_code, elapsed_ms)
        if self.quota_reader is not None:
            self._pacer.after_response(self.quota_reader.read(response.headers))
        return response

    def _wait(self, call: Call, seconds: float, *, counts_against_retry: bool) -> None:
        if not counts_against_retry:
            call.excluded_s += seconds
        self.usage.record_wait(seconds)
        self._sleep(seconds)

    def _after_exception(self, call: Call, exc: httpx.HTTPError) -> None:
        action, failure = classify_exception(exc)
        reason = type(exc).__name__
        if action is not Action.RETRY:
            if is_tls_verify_failure(exc):
                message = tls_failure_message(self.name)
            else:
                message = f"{reason}: {redact_text(str(exc))}"
            raise build_error(failure, message, **context_of(self.name, call)) from exc
        if not call.idempotent and not isinstance(exc, NOT_SENT):
            raise TransientError(
                f"{reason} on a non-idempotent {call.request.method}; not retried because it "
                "may have reached the server",
                **context_of(self.name, call),
            ) from exc
        if not self._backoff(call, reason, None):
            raise TransientError(
                f"{give_up_note(call)}: {reason}: {redact_text(str(exc))}",
                **context_of(self.name, call),
            ) from exc

    def _after_transient_response(
        self, call: Call, response: httpx.Response, failure: FailureType
    ) -> None:
        reason = f"HTTP {response.status_code}"
        if not call.idempotent:
            note = f"not retried: a {call.request.method} is not idempotent"
            raise response_error(self.name, call, response, failure, note)
        server_wait = parse_retry_after(response.headers.get("Retry-After"))
        if not self._backoff(call, reason, server_wait):
            raise response_error(self.name, call, response, failure, give_up_note(call))

    def _backoff(self, call: Call, reason: str, server_wait: float | None) -> bool:
        """Spend an attempt and sleep before the next one; ``False`` when it is time to give up."""
        call.failed += 1
        policy = self.retry
        if call.failed >= policy.max_attempts:
            return False
        delay = policy.backoff(call.failed - 1, self._rand)
        if server_wait is not None:
            delay = max(delay, server_wait)
        spent = self._clock() - call.started - call.excluded_s
        if spent + delay > policy.max_elapsed:
            return False
        self.log.warning(
            "%s %s -> %s: retry %d/%d in %.2f s",
            call.request.method,
            call.url,
            reason,
            call.failed,
            policy.max_attempts - 1,
            delay,
        )
        self.usage.record_retry()
        self._wait(call, delay, counts_against_retry=True)
        return True

    def _after_limited_response(self, call: Call, response: httpx.Response) -> None:
        self.usage.record_rate_limited()
        call.limited += 1
        self._raise_if_daily_quota_used_up(call, response)
        server_wait = retry_after_seconds(response.headers)
        if server_wait is not None and server_wait > 0:
            delay = server_wait
        else:  # no usable header: platform load shedding; back off by consecutive refusals
            delay = self.retry.backoff(call.limited - 1, self._rand)
        policy = self.rate_limit
        if (
            delay > policy.max_single_wait
            or call.rate_waited_s + delay > policy.wait_budget
            or call.limited > MAX_LIMITED_RESPONSES
        ):
            note = (
                f"rate limited: would wait {delay:.1f} s after {call.rate_waited_s:.1f} s "
                f"(budget {policy.wait_budget:.0f} s, "
                f"single wait <= {policy.max_single_wait:.0f} s)"
            )
            raise response_error(
                self.name,
                call,
                response,
                FailureType.RATE_LIMITED,
                note,
                error_type=RateLimitedError,
                retry_after=delay,
            )
        code = error_code(response_body(response))
        self.log.warning(
            "%s %s -> %d%s: rate limited, waiting %.2f s (%s)",
            call.request.method,
            call.url,
            response.status_code,
            f" {code}" if code else "",
            delay,
            "as the server asks" if server_wait else "backoff, no wait header",
        )
        call.rate_waited_s += delay
        self._wait(call, delay, counts_against_retry=False)

    def _raise_if_daily_quota_used_up(self, call: Call, response: httpx.Response) -> None:
        """A limit response whose quota has nothing left and no reset time cannot be waited out."""
        snapshot = self.quota_reader.read(response.headers) if self.quota_reader else None
        if snapshot is None or snapshot.reset_after is not None or snapshot.remaining is None:
            return
        if snapshot.remaining <= 0:
            raise response_error(
                self.name,
                call,
                response,
                FailureType.RATE_LIMITED,
                f"daily API quota used up ({snapshot.limit} requests)",
                error_type=QuotaExhaustedError,
            )
