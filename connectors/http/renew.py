"""Bearer sessions that renew themselves when the server says they expired, within a budget.

An OAuth session (Salesforce's JWT bearer flow, an Entra ID token, ...) ends when it idles out,
outlives its lifetime or is revoked; the server answers 401 and the only cure is a new session.
`BearerSession` holds the current token, puts it on every request that carries an
``Authorization`` header of its scheme (so SDK objects that captured an older token, such as
simple-salesforce's Bulk 2.0 handlers, need no rebuilding), and when a response says the session
it carried expired, obtains a new one and sends the same request again. A request refused for
its session never ran, so resending it is safe whatever its method.

Renewals are bounded, never a loop:

* within one logical call (`budget`, e.g. a SOQL query followed to its last page, or a Bulk 2.0
  job from create to results) the session is renewed as often as it expires, at most
  `max_renewals` times (the connection's retry budget, named by `budget_setting`);
* a credential whose sessions are refused at once fails fast: when `max_fresh_rejections`
  sessions in a row are rejected before serving a single request, `AuthError` says so, with
  `hint` naming the settings to check;
* threads that meet the same expired token renew it once (the others adopt the new token).

Tokens never reach a log or an error message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from connectors.http.classify import error_code, response_body
from connectors.http.errors import AuthError
from connectors.http.logs import connection_logger
from connectors.http.redaction import redact_url

MAX_FRESH_REJECTIONS = 2
"""Sessions in a row refused before serving anything, after which the credential is at fault."""


@dataclass
class RenewalBudget:
    """What one logical call has spent on expired sessions.

    Attributes:
        renewals: sessions obtained because this call's session expired.
        rejections: responses of this call that refused the session they carried.
    """

    renewals: int = 0
    rejections: int = 0


class BearerSession:
    """A renewable bearer token (see the module docstring).

    Args:
        connection: the connection name (logger child, error context).
        issue: obtains a new session and returns its token (e.g. a JWT bearer exchange); it may
            raise `AuthError` when the credential itself is refused.
        expired: whether a response refused the session it carried (e.g. 401
            ``INVALID_SESSION_ID``); other responses are handed back unchanged.
        max_renewals: renewals allowed within one call (`budget`).
        max_fresh_rejections: fresh sessions in a row refused at once before giving up.
        budget_setting: the setting behind `max_renewals`, named in the error.
        hint: what to check when fresh sessions are refused (named in the error).
        scheme: the ``Authorization`` scheme this session writes (and recognises).
        logger: defaults to ``storebridge.http.<connection>``.
    """

    def __init__(
        self,
        connection: str,
        issue: Callable[[], str],
        *,
        expired: Callable[[httpx.Response], bool],
        max_renewals: int = 5,
        max_fresh_rejections: int = MAX_FRESH_REJECTIONS,
        budget_setting: str = "",
        hint: str = "",
        scheme: str = "Bearer",
        logger: logging.Logger | None = None,
    ) -> None:
        self.connection = connection
        self.max_renewals = max(1, max_renewals)
        self.max_fresh_rejections = max(1, max_fresh_rejections)
        self.budget_setting = budget_setting
        self.hint = hint
        self.scheme = scheme
        self.renewals = 0
        self._issue = issue
        self._expired = expired
        self._token: str | None = None
        self._served = False
        self._fresh_rejections = 0
        self._lock = threading.RLock()
        self._local = threading.local()
        self.log = logger or connection_logger(connection)

    # -- the token --------------------------------------------------------------------------

    @property
    def token(self) -> str:
        """The current token (a session is obtained on first use)."""
        with self._lock:
            if self._token is None:
                self.start(self._issue())
            assert self._token is not None
            return self._token

    def start(self, token: str) -> None:
        """Adopt a token obtained outside a renewal (a first login); it has served nothing yet."""
        with self._lock:
            self._token, self._served = token, False

    def accepted(self, token: str) -> None:
        """Record that `token` served a request: the credential yields working sessions."""
        with self._lock:
            if token == self._token:
                self._served = True
                self._fresh_rejections = 0

    # -- per call ---------------------------------------------------------------------------

    @contextmanager
    def budget(self) -> Iterator[RenewalBudget]:
        """The renewal budget of one logical call on this thread (nested calls share it)."""
        current: RenewalBudget | None = getattr(self._local, "budget", None)
        if current is not None:
            yield current
            return
        self._local.budget = current = RenewalBudget()
        try:
            yield current
        finally:
            self._local.budget = None

    def send(self, request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
        """Send `request` with the current token, renewing the session as often as it expires.

        Args:
            request: the request; its ``Authorization`` header is rewritten in place (only when
                it carries one of this session's scheme: other requests pass untouched).
            send: sends `request` once (with the HTTP client's own retries).

        Raises:
            AuthError: the call's renewal budget is spent, or fresh sessions are refused at once.
        """
        with self.budget() as budget:
            while True:
                token = self.authorize(request)
                response = send()
                if token is None or not self._expired(response):
                    if token is not None:
                        self.accepted(token)
                    return response
                budget.rejections += 1
                self.renew(token, request, response, budget)

    def authorize(self, request: httpx.Request) -> str | None:
        """Put the current token on `request` if it asks for this session; the token sent."""
        scheme, _, _ = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != self.scheme.lower():
            return None
        token = self.token
        request.headers["Authorization"] = f"{self.scheme} {token}"
        return token

    def renew(
        self,
        rejected: str,
        request: httpx.Request,
        response: httpx.Response,
        budget: RenewalBudget,
    ) -> None:
        """Replace the session that `response` refused, unless another thread already did.

        Raises:
            AuthError: see `send`.
        """
        with self._lock:
            if budget.rejections > self._rejection_cap():
                raise self._error(request, response, self._budget_message(budget))
            if rejected != self._token:
                return  # renewed meanwhile by another thread: resend with the new token
            if not self._served:
                self._fresh_rejections += 1
                if self._fresh_rejections >= self.max_fresh_rejections:
                    raise self._error(request, response, self._fresh_message())
            if budget.renewals >= self.max_renewals:
                raise self._error(request, response, self._budget_message(budget))
            token = self._issue()
            self._token, self._served = token, False
            budget.renewals += 1
            self.renewals += 1
        self.log.warning(
            "%s %s: session expired (%s); renewed, %d of %d in this call",
            request.method,
            redact_url(str(request.url)),
            error_code(response_body(response)) or f"HTTP {response.status_code}",
            budget.renewals,
            self.max_renewals,
        )

    # -- errors -----------------------------------------------------------------------------

    def _rejection_cap(self) -> int:
        """Refusals one call may meet in all (renewals plus refused fresh sessions, plus one)."""
        return self.max_renewals + self.max_fresh_rejections + 1

    def _fresh_message(self) -> str:
        n = self._fresh_rejections
        return (
            f"{n} newly issued sessions in a row were refused at their first use: the "
            "credential logs in but its sessions are rejected"
            + (f"; check {self.hint}" if self.hint else "")
        )

    def _budget_message(self, budget: RenewalBudget) -> str:
        setting = f" ({self.budget_setting})" if self.budget_setting else ""
        return (
            f"the session expired again after {budget.renewals} renewals within one call; "
            f"at most {self.max_renewals} renewals per call{setting}"
        )

    def _error(self, request: httpx.Request, response: httpx.Response, message: str) -> AuthError:
        return AuthError(
            message,
            connection=self.connection,
            method=request.method,
            url=redact_url(str(request.url)),
            status=response.status_code,
            code=error_code(response_body(response)),
        )
