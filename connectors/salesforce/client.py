"""Salesforce REST API client: JWT bearer login, SOQL, and simple-salesforce on our retries.

simple-salesforce does the SOQL paging, quoting and REST plumbing; it talks `requests`, so it gets
a session whose transport is our `ResilientClient` (retries, rate-limit waits, quota pacing from
`Sforce-Limit-Info`, counters, redaction: one retry policy for everything). What it lacks is
written here: the JWT login against any host (its own login URL cannot point at a sandbox), one
re-login when the session expires (it does not re-login when given a session id), translation of
its exceptions into our taxonomy, and a check that paging reached `totalSize`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import jwt
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMoreThanOneRecord,
)

from connectors.http import (
    DEFAULT_ERROR_TABLE,
    AuthError,
    ConnectorClient,
    ConnectorError,
    IncompletePaginationError,
    RateLimitPolicy,
    RecordError,
    build_error,
    client_from_settings,
    error_code,
    error_message,
    make_requests_session,
)
from connectors.http.classify import classify_status
from connectors.salesforce import resources
from connectors.salesforce.limits import ERROR_ROWS, SforceLimitInfo
from connectors.salesforce.models import TokenResponse
from connectors.salesforce.settings import SalesforceSettings
from connectors.settings import load_settings

SYSTEM = "salesforce"
T = TypeVar("T")


def translate(exc: SalesforceError) -> ConnectorError:
    """A simple-salesforce exception as our error type (the body stays on `.body`)."""
    body = exc.content
    context: dict[str, Any] = {
        "connection": SYSTEM,
        "url": exc.resource_name,
        "status": exc.status,
        "code": error_code(body),
        "body": body,
    }
    message = error_message(body, str(body))
    if isinstance(exc, SalesforceExpiredSession):
        return AuthError(message, **context)
    if isinstance(exc, SalesforceMoreThanOneRecord):  # 300: several records match
        return RecordError(message, **context)
    _, failure = classify_status(
        int(exc.status), context["code"], (*ERROR_ROWS, *DEFAULT_ERROR_TABLE)
    )
    return build_error(failure, message, **context)


class SalesforceClient(ConnectorClient):
    """One org. Logs in lazily; re-logs in once when the session expires."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        **http_options: Any,
    ) -> None:
        """Args:
        settings: the org connection.
        transport: an httpx transport (tests).
        **http_options: passed to `ResilientClient` (e.g. `sleep`, `clock` in tests).
        """
        self.settings = settings
        self.http = client_from_settings(
            SYSTEM,
            settings,
            quota_reader=SforceLimitInfo(),
            error_table=(*ERROR_ROWS, *DEFAULT_ERROR_TABLE),
            transport=transport,
            rate_limit=RateLimitPolicy(stop_below_share=settings.quota_stop_share),
            **http_options,
        )
        self._sf: Salesforce | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, **overrides: Any) -> SalesforceClient:
        """Build from `STOREBRIDGE_SALESFORCE_*` (a `ConfigError` names what is missing)."""
        return cls(load_settings(SalesforceSettings, **overrides))

    def _assertion(self) -> str:
        s = self.settings
        claims = {
            "iss": s.consumer_key,
            "sub": s.username,
            "aud": s.audience,
            "exp": int(time.time()) + resources.JWT_LIFETIME_S,
        }
        return jwt.encode(claims, s.private_key_file.read_bytes(), algorithm="RS256")

    def login(self) -> Salesforce:
        """Obtain a session with the JWT bearer flow and bind simple-salesforce to it.

        Raises:
            AuthError: the org refused the assertion (its `error_description` is in the message).
        """
        form = {"grant_type": resources.JWT_GRANT, "assertion": self._assertion()}
        try:
            response = self.http.request("POST", resources.TOKEN_PATH, data=form, idempotent=True)
        except RecordError as exc:  # 400 invalid_grant & co: a credential problem, not a record
            raise AuthError(
                f"JWT login refused: {exc.message} (check consumer key, username, the "
                "connected app's certificate and STOREBRIDGE_SALESFORCE_AUDIENCE)",
                connection=SYSTEM,
                status=exc.status,
                code=exc.code,
            ) from None
        token = TokenResponse.model_validate(response.json())
        self._sf = Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token,
            version=self.settings.api_version,
            session=make_requests_session(self.http),
        )
        return self._sf

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce handle (logs in on first use)."""
        with self._lock:
            return self._sf or self.login()

    def call(self, fn: Callable[[Salesforce], T]) -> T:
        """Run `fn(sf)`; re-login once on an expired session; translate errors."""
        for attempt in (1, 2):
            try:
                return fn(self.sf)
            except SalesforceExpiredSession as exc:
                if attempt == 2:
                    raise translate(exc) from None
                with self._lock:
                    self.login()
            except SalesforceError as exc:
                raise translate(exc) from None
        raise AssertionError("unreachable")

    def query(self, soql: str, *, batch_size: int | None = None) -> list[dict[str, Any]]:
        """All records of a SOQL query, following `nextRecordsUrl` to `totalSize` or raising.

        Args:
            soql: the query (quote values with `soql_quote`).
            batch_size: rows per page (200-2000, `Sforce-Query-Options`); the org's default
                (2000) when None.
        """
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}

        def run(sf: Salesforce) -> list[dict[str, Any]]:
            page = sf.query(soql, headers=headers)
            total, records = int(page["totalSize"]), list(page["records"])
            while not page["done"]:
                if not page.get("nextRecordsUrl"):
                    raise IncompletePaginationError("done is false but nextRecordsUrl is missing")
                page = sf.query_more(
                    page["nextRecordsUrl"], identifier_is_url=True, headers=headers
                )
                records.extend(page["records"])
            if len(records) != total:
                raise IncompletePaginationError(f"read {len(records)} of totalSize {total}")
            return records

        return self.call(run)

    def query_page(
        self, soql: str, cursor: str | None = None, *, include_deleted: bool = False
    ) -> tuple[list[dict[str, Any]], str | None, int]:
        """One page of a query: its records, the cursor of the next page (None at the end),
        and the query's `totalSize`. `cursor` is the `nextRecordsUrl` a previous page gave.

        Raises:
            IncompletePaginationError: the org says there is more but gives no locator.
        """

        def run(sf: Salesforce) -> dict[str, Any]:
            if cursor:
                page: dict[str, Any] = sf.query_more(cursor, identifier_is_url=True)
            else:
                page = sf.query(soql, include_deleted=include_deleted)
            return page

        page = self.call(run)
        nxt = None if page["done"] else page.get("nextRecordsUrl")
        if not page["done"] and not nxt:
            raise IncompletePaginationError("done is false but nextRecordsUrl is missing")
        return list(page["records"]), nxt, int(page["totalSize"])

    def restful(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        """A REST call relative to `/services/data/vXX.X/` (errors translated)."""
        return self.call(lambda sf: sf.restful(path, method=method, **kwargs))


def soql_quote(value: str) -> str:
    """A SOQL string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
