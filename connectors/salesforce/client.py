"""Salesforce REST API client: JWT bearer login, SOQL, and simple-salesforce on our retries.

simple-salesforce does the SOQL paging, quoting and REST plumbing; it talks `requests`, so it gets
a session whose transport is our `ResilientClient` (retries, rate-limit waits, quota pacing from
`Sforce-Limit-Info`, counters, redaction: one retry policy for everything). What it lacks is
written here: the JWT login against any host (its own login URL cannot point at a sandbox), a
new session whenever the current one expires (it does not re-login when given a session id),
translation of its exceptions into our taxonomy, and a check that paging reached `totalSize`.

Session renewal (`BearerSession` on the requests adapter): a request answered 401
``INVALID_SESSION_ID`` gets a new session by a new JWT exchange and is sent again, as often as
the session expires within one `call` (a query followed to its last page, a Bulk 2.0 job from
create to results), at most `STOREBRIDGE_SALESFORCE_MAX_ATTEMPTS` renewals per call. Two new
sessions in a row refused at their first use mean the org takes the assertion but refuses the
user's sessions: an `AuthError` says which settings to check instead of logging in forever.
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
    BearerSession,
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
from connectors.http.classify import classify_status, response_body
from connectors.salesforce import resources
from connectors.salesforce.limits import ERROR_ROWS, SforceLimitInfo
from connectors.salesforce.models import TokenResponse
from connectors.salesforce.settings import SalesforceSettings
from connectors.settings import load_settings

SYSTEM = "salesforce"
T = TypeVar("T")
SESSION_HINT = (
    "STOREBRIDGE_SALESFORCE_USERNAME (the integration user's profile: login IP ranges, login "
    "hours, session security level) and STOREBRIDGE_SALESFORCE_BASE_URL (the org that issues "
    "the sessions)"
)


def session_expired(response: httpx.Response) -> bool:
    """Whether the org refused the session a request carried: 401 ``INVALID_SESSION_ID`` (or a
    401 without an error code, e.g. from a proxy; a credential at fault still ends in an
    `AuthError` after two fresh sessions)."""
    return response.status_code == 401 and error_code(response_body(response)) in (
        "INVALID_SESSION_ID",
        None,
    )


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
    """One org. Logs in lazily; renews the session whenever it expires, within a call's budget."""

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
        self.session = BearerSession(
            SYSTEM,
            self._new_session,
            expired=session_expired,
            max_renewals=settings.max_attempts,
            budget_setting="STOREBRIDGE_SALESFORCE_MAX_ATTEMPTS",
            hint=SESSION_HINT,
            logger=self.http.log,
        )
        self._sf: Salesforce | None = None
        self._instance_url = ""
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
        return jwt.encode(claims, s.private_key_pem(), algorithm="RS256")

    def _token(self) -> TokenResponse:
        """A new session from the JWT bearer flow.

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
        return TokenResponse.model_validate(response.json())

    def _bind(self, token: TokenResponse) -> Salesforce:
        self._instance_url = token.instance_url
        self._sf = Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token,
            version=self.settings.api_version,
            session=make_requests_session(self.http, self.session),
        )
        return self._sf

    def login(self) -> Salesforce:
        """Obtain a session with the JWT bearer flow and bind simple-salesforce to it.

        Raises:
            AuthError: the org refused the assertion (its `error_description` is in the message).
        """
        token = self._token()
        self.session.start(token.access_token)
        return self._bind(token)

    def _new_session(self) -> str:
        """A renewal (called by `self.session`): a new token, also kept on simple-salesforce."""
        token = self._token()
        sf = self._sf
        if sf is None or token.instance_url != self._instance_url:
            self._bind(token)  # the next `call` uses the new instance
        else:  # handlers built from now on carry the new token (the adapter rewrites the rest)
            sf.session_id = token.access_token
            sf.headers["Authorization"] = f"Bearer {token.access_token}"
        return token.access_token

    @property
    def renewals(self) -> int:
        """Sessions obtained because the previous one expired (since this client was built)."""
        return self.session.renewals

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce handle (logs in on first use)."""
        with self._lock:
            return self._sf or self.login()

    def call(self, fn: Callable[[Salesforce], T]) -> T:
        """Run `fn(sf)` as one call: the session is renewed whenever it expires during it, at
        most `max_attempts` times (see the module docstring); errors are translated.

        Raises:
            AuthError: the session kept expiring past the call's budget, new sessions were
                refused at once, or the login itself was refused.
            ConnectorError: as translated from simple-salesforce's exceptions.
        """
        with self.session.budget():
            try:
                return fn(self.sf)
            except SalesforceError as exc:
                # SalesforceExpiredSession included: a 401 that is no expiry (another error
                # code) reaches the SDK, and `translate` makes it an AuthError.
                raise translate(exc) from None

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
