"""`ResilientClient`: the one HTTP client every REST connector uses (httpx, sync, thread-safe).

It retries transient failures with full-jitter exponential backoff within an attempt and time cap,
waits out rate limits as the server asks without spending attempts, paces itself from quota headers,
classifies every failure through the error table, counts usage, and logs only redacted URLs.
"""

from __future__ import annotations

import logging
import os
import random
import ssl
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from connectors.http.attempts import AttemptLoop, Call
from connectors.http.classify import DEFAULT_ERROR_TABLE, ErrorRule
from connectors.http.errors import ConfigError, ConnectorError, FailureType, TransientError
from connectors.http.logs import connection_logger, install_httpx_log_redaction
from connectors.http.policy import RateLimitPolicy, RetryPolicy
from connectors.http.quota import Pacer, QuotaReader
from connectors.http.redaction import redact_url
from connectors.http.usage import ApiUsage, usage_for

if TYPE_CHECKING:
    from connectors.settings import ConnectionSettings

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
DEFAULT_RETRY = RetryPolicy()
DEFAULT_RATE_LIMIT = RateLimitPolicy()


def _ssl_verify(name: str, verify: str | bool) -> ssl.SSLContext | bool:
    """httpx 0.28 wants an SSL context for a CA bundle; a bad bundle is a `ConfigError`."""
    if isinstance(verify, bool):
        return verify
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except OSError as exc:  # ssl.SSLError is an OSError: an unreadable or non-PEM bundle
        raise ConfigError(
            f"cannot load the CA bundle {verify!r}: {exc}. Point the CA bundle setting "
            f"(STOREBRIDGE_{name.upper()}_CA_BUNDLE) at a readable PEM file.",
            connection=name,
        ) from exc


class ResilientClient(AttemptLoop):
    """An `httpx.Client` wrapper that retries, waits, paces, classifies, counts and redacts.

    Args:
        name: the connection name (system slug): logger child, usage key, error context.
        base_url: prefix of relative URLs.
        headers: default headers of every request.
        auth: an `httpx.Auth` (token refresh flows live there).
        verify: CA bundle path or ``True`` for the system store.
        timeout: connect/read/write/pool timeout per attempt, seconds.
        retry: transient-failure policy.
        rate_limit: pacing and rate-limit waiting policy.
        quota_reader: reads quota headers after each response (e.g. `RateLimitHeaders`).
        error_table: status/code → action table.
        transport: an httpx transport (`httpx.MockTransport` in tests).
        sleep: how to wait (injected in tests); clock: monotonic seconds; rand: ``uniform(a, b)``.
        usage: counters; defaults to the process-wide `usage_for(name)`.
        logger: defaults to ``storebridge.http.<name>``.
    """

    def __init__(
        self,
        name: str,
        base_url: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        verify: str | bool = True,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        rate_limit: RateLimitPolicy = DEFAULT_RATE_LIMIT,
        quota_reader: QuotaReader | None = None,
        error_table: tuple[ErrorRule, ...] = DEFAULT_ERROR_TABLE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[float, float], float] = random.uniform,
        usage: ApiUsage | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.name = name
        self.http = httpx.Client(
            base_url=base_url,
            headers=headers,
            auth=auth,
            verify=_ssl_verify(name, verify),
            timeout=timeout,
            transport=transport,
        )
        self.retry = retry
        self.rate_limit = rate_limit
        self.quota_reader = quota_reader
        self.error_table = error_table
        self.usage = usage if usage is not None else usage_for(name)
        self.log = logger or connection_logger(name)
        self._sleep, self._clock, self._rand = sleep, clock, rand
        self._pacer = Pacer(rate_limit, self.usage, clock)
        self._lock = threading.Lock()
        install_httpx_log_redaction()

    # -- public surface -------------------------------------------------------------------------

    def set_header(self, name: str, value: str) -> None:
        """Set a default header of every later request (e.g. a refreshed bearer token)."""
        with self._lock:
            self.http.headers[name] = value

    def build_request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """Build a request with the client's base URL and default headers merged in.

        Raises:
            ConfigError: the URL cannot be parsed.
        """
        try:
            with self._lock:
                return self.http.build_request(
                    method,
                    url,
                    params=params,
                    json=json,
                    content=content,
                    data=data,
                    headers=headers,
                )
        except httpx.InvalidURL as exc:
            raise ConfigError(
                f"invalid URL: {exc}",
                connection=self.name,
                method=method,
                url=redact_url(str(url)),
            ) from exc

    def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Collection[int] = (),
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request with retries, waits and pacing; return the successful response.

        Args:
            method: HTTP method.
            url: absolute, or relative to the base URL.
            params, json, content, data, headers: as in `httpx.Client.request`.
            expect: non-2xx/3xx statuses that count as success (e.g. ``(404,)`` for an empty list).
            idempotent: whether the request may be resent after it may have reached the server;
                defaults to ``True`` for every method but POST.

        Raises:
            TransientError: retries exhausted (or a non-idempotent request failed in flight).
            RateLimitedError: the rate-limit wait budget is spent.
            QuotaExhaustedError: the run's call budget or quota floor is reached.
            AuthError, ConfigError: credentials, permissions, URL or certificate are wrong.
            RecordError: a 4xx about this request's record, with the parsed body and code.
        """
        request = self.build_request(
            method, url, params=params, json=json, content=content, data=data, headers=headers
        )
        return self.send(request, expect=expect, idempotent=idempotent)

    def get_json(self, url: str | httpx.URL, **kw: Any) -> Any:
        """GET `url` and return the parsed JSON (``None`` for an empty body).

        Raises:
            TransientError: the body is not JSON (e.g. an HTML error page behind a proxy).
        """
        response = self.request("GET", url, **kw)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            self.usage.record_failure(FailureType.TRANSIENT)
            raise TransientError(
                f"expected JSON, got {response.headers.get('content-type', 'no content type')}",
                connection=self.name,
                method="GET",
                url=redact_url(str(response.request.url)),
                status=response.status_code,
            ) from exc

    def send(
        self,
        request: httpx.Request,
        *,
        raise_errors: bool = True,
        expect: Collection[int] = (),
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a built request with retries, waits and pacing.

        Args:
            request: e.g. from `build_request`.
            raise_errors: if ``False``, a final auth/config/record error response is returned
                instead of raised (transient and rate-limit handling are unchanged).
            expect: statuses that count as success.
            idempotent: see `request`.
        """
        method = request.method.upper()
        call = Call(
            request=request,
            idempotent=idempotent if idempotent is not None else method in IDEMPOTENT_METHODS,
            expect=frozenset(expect),
            raise_errors=raise_errors,
            started=self._clock(),
            url=redact_url(str(request.url)),
        )
        self.usage.record_request()
        try:
            return self._run(call)
        except ConnectorError as exc:
            self.usage.record_failure(exc.failure_type)
            raise

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.http.close()

    def __enter__(self) -> ResilientClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def client_from_settings(
    name: str,
    settings: ConnectionSettings,
    *,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
    quota_reader: QuotaReader | None = None,
    error_table: tuple[ErrorRule, ...] = DEFAULT_ERROR_TABLE,
    transport: httpx.BaseTransport | None = None,
    **kw: Any,
) -> ResilientClient:
    """Build a `ResilientClient` from a connection's settings.

    Maps base_url, verify (ca_bundle), timeout_s, max_attempts and max_retry_s (`RetryPolicy`),
    rate_limit_per_s, rate_limit_wait_budget_s and max_calls_per_run (`RateLimitPolicy`).
    `retry=` / `rate_limit=` in `kw` are the base policies the settings then override; the other
    keyword arguments go to `ResilientClient` (sleep, clock, rand, usage, logger).
    """
    retry = replace(
        kw.pop("retry", DEFAULT_RETRY),
        max_attempts=settings.max_attempts,
        max_elapsed=settings.max_retry_s,
    )
    rate_limit = replace(
        kw.pop("rate_limit", DEFAULT_RATE_LIMIT),
        max_per_second=settings.rate_limit_per_s,
        wait_budget=settings.rate_limit_wait_budget_s,
        max_calls=settings.max_calls_per_run,
    )
    return ResilientClient(
        name,
        settings.base_url,
        headers=headers,
        auth=auth,
        verify=settings.verify,
        timeout=settings.timeout_s,
        retry=retry,
        rate_limit=rate_limit,
        quota_reader=quota_reader,
        error_table=error_table,
        transport=transport,
        **kw,
    )
