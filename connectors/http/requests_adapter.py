"""A `requests` transport adapter that sends through `ResilientClient` (for simple-salesforce).

simple-salesforce speaks `requests`. Mounting `ResilientRequestsAdapter` on its session gives it our
retries, rate-limit waits, pacing, usage counts and redacted logs instead of a second retry loop.
Final auth/config/record error responses are returned (``raise_errors=False``) so the SDK raises
its own exceptions; exhausted retries and rate limits raise our `ConnectorError` subclasses, which
propagate out of ``session.request(...)`` unchanged.

Given a `BearerSession`, the adapter also keeps the SDK's session alive: every request that
carries an ``Authorization`` header goes out with the current token, and a response that says
the session expired is answered by renewing it and sending the same request again, as often as
the session's per-call budget allows (the SDK never sees the refusal, so an operation in flight,
such as a Bulk 2.0 job being polled, carries on instead of starting over).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from connectors.http.client import ResilientClient
from connectors.http.renew import BearerSession

# Hop-by-hop or recomputed headers: httpx sets its own.
_DROP_REQUEST_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "host"})
# httpx has already decoded the body, so the encoding header no longer describes `_content`.
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding"})


def _request_body(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in body)


def _timeout(timeout: Any) -> httpx.Timeout | None:
    if timeout is None:
        return None
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(float(timeout))


def to_httpx_request(client: ResilientClient, prepared: requests.PreparedRequest) -> httpx.Request:
    """Convert a `requests.PreparedRequest` into an `httpx.Request` built by `client`.

    The client's default headers are merged in (the prepared request's own headers win).
    """
    headers: Mapping[str, str] = {
        name: value
        for name, value in prepared.headers.items()
        if name.lower() not in _DROP_REQUEST_HEADERS
    }
    return client.build_request(
        prepared.method or "GET",
        prepared.url or "",
        headers=headers,
        content=_request_body(prepared.body),
    )


def to_requests_response(
    response: httpx.Response, prepared: requests.PreparedRequest, adapter: BaseAdapter
) -> requests.Response:
    """Convert a read `httpx.Response` into a `requests.Response` answering `prepared`."""
    result = requests.Response()
    result.status_code = response.status_code
    result.reason = response.reason_phrase
    result.headers = CaseInsensitiveDict(
        {k: v for k, v in response.headers.items() if k.lower() not in _DROP_RESPONSE_HEADERS}
    )
    if "content-length" in result.headers:
        result.headers["content-length"] = str(len(response.content))
    result._content = response.content
    result.raw = io.BytesIO(response.content)
    result.encoding = get_encoding_from_headers(result.headers)
    result.url = str(response.url)
    result.request = prepared
    result.connection = adapter  # type: ignore[assignment]  # stubs say HTTPAdapter
    try:
        result.elapsed = response.elapsed
    except RuntimeError:  # elapsed is unknown until the response is closed
        result.elapsed = timedelta(0)
    return result


IDEMPOTENT_HEADER = "X-Storebridge-Idempotent"
"""Set to "1" on a request the caller knows is safe to resend (stripped before sending)."""


class ResilientRequestsAdapter(BaseAdapter):
    """Sends `requests` through a `ResilientClient` (retries, waits, pacing, redaction).

    `verify`, `cert` and `proxies` of the session are ignored: the client's own settings apply.
    A `timeout` passed by the caller replaces the client's timeout for that request. With a
    `session`, expired sessions are renewed and the request resent (see the module docstring).
    """

    def __init__(self, client: ResilientClient, session: BearerSession | None = None) -> None:
        super().__init__()
        self.client = client
        self.session = session

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send `request` with the client's resilience and return a `requests.Response`.

        Raises:
            ConnectorError: retries or the rate-limit budget were exhausted, or the quota is spent.
            AuthError: the session kept expiring past its renewal budget (with a `session`).
        """
        outgoing = to_httpx_request(self.client, request)
        if (limits := _timeout(timeout)) is not None:
            outgoing.extensions["timeout"] = limits.as_dict()
        # The caller vouches that this POST may be sent again (e.g. a /composite of upserts);
        # the marker header never leaves the process.
        idempotent = outgoing.headers.pop(IDEMPOTENT_HEADER, None) == "1" or None

        def send_once() -> httpx.Response:
            return self.client.send(outgoing, raise_errors=False, idempotent=idempotent)

        bearer = self.session
        response = send_once() if bearer is None else bearer.send(outgoing, send_once)
        return to_requests_response(response, request, self)

    def close(self) -> None:
        """Nothing to release: the client is owned (and closed) by whoever created it."""


def make_requests_session(
    client: ResilientClient, bearer: BearerSession | None = None
) -> requests.Session:
    """A `requests.Session` whose ``http://`` and ``https://`` traffic goes through `client`.

    Args:
        client: the resilient client that sends (retries, waits, pacing, counters).
        bearer: the renewable session whose token authorises the requests (optional).
    """
    session = requests.Session()
    adapter = ResilientRequestsAdapter(client, bearer)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
