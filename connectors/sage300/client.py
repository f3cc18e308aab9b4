"""Sage 300 Web API client: HTTP Basic, OData reads paged by ``$skip``/``$top``, single writes.

Every request goes through the shared `ResilientClient` with Sage's error rows in front
(`resources.ERROR_ROWS`) and carries ``Content-Type: application/json`` (GETs included: the Web
API answers 500 without it). A ``TooManyRequests`` refusal is waited out (``Retry-After`` when the
server sends one, else backoff), 5xx and timeouts are retried for requests that may be resent,
``Unauthorized`` is an `AuthError`; Sage's error body becomes a `Sage300Error` of the matching
failure type (`errors.py`).

Writes: one record per request (the Web API has no batch and no upsert by an external id). A POST
is **never resent** after it may have reached the server: a 5xx, a timeout or a reset raises
`Sage300WriteUnknown` (a `TransientError`), and the caller looks the record up (an order by its
OrderReference, over ODBC) before it creates it again. ``RecordDuplicate`` on a create with a key
of ours (a customer number) means the record is there (`Sage300Error.duplicate`). PATCH and
DELETE are resent like any idempotent request, except a PATCH carrying detail lines (an inserted
line would be inserted twice); `$template` reads are safe to resend.

Reads: ``$top`` of `page_size` rows with ``$count=true`` on the first page; the next page is the
``odata.nextLink`` / ``@odata.nextLink`` when the server sends one (then the first page without
one is the last), else ``$skip`` by the rows read, until the declared count is read (or, without
a count, an empty page). A short page is not
the end (the server's PageSize may be smaller than ``$top``); an empty page before the count is an
`IncompletePaginationError`. JSON numbers are parsed exactly (`Decimal`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from connectors.http import (
    ConfigError,
    ConnectorClient,
    ConnectorError,
    IncompletePaginationError,
    PageRequest,
    Paginator,
    client_from_settings,
    error_code,
    error_message,
    paginate,
    usage_for,
)
from connectors.http.jsonx import dumps
from connectors.http.pagination.base import as_int, resolve
from connectors.sage300 import odata, resources
from connectors.sage300.errors import (
    Sage300ConfigError,
    Sage300Error,
    Sage300WriteUnknown,
    error_table,
    from_connector_error,
)
from connectors.sage300.odata import KeyValue, entity_path, key, literal
from connectors.sage300.resources import SYSTEM
from connectors.sage300.settings import Sage300Settings
from connectors.settings import load_settings

__all__ = [
    "SYSTEM",
    "Sage300Client",
    "Sage300Error",
    "Sage300WriteUnknown",
    "error_table",
    "key",
    "literal",
]


class SagePaginator(Paginator):
    """``$skip``/``$top`` to the declared count, following a next link when one is sent.

    Args:
        page_size: rows asked per page (``$top``).
        limit: stop after this many rows in all (the caller's ``top``).
    """

    records_key = "value"

    def __init__(self, page_size: int, limit: int | None = None) -> None:
        self.page_size, self.limit = page_size, limit
        self.count: int | None = None
        self._read = 0
        self._skip = 0
        self._path = ""
        self._params: dict[str, str | int] = {}
        self._parsed: tuple[int, Any] | None = None
        self._linked = False

    def _top(self) -> int:
        if self.limit is None:
            return self.page_size
        return max(0, min(self.page_size, self.limit - self._read))

    def _request(self, first: bool) -> PageRequest:
        params: dict[str, str | int] = {**self._params, "$top": self._top(), "$skip": self._skip}
        if first:
            params["$count"] = "true"
        return PageRequest(odata.with_query(self._path, params))

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """The first page of `url` with its query options `params` (``$count=true`` added)."""
        self.count, self._read, self._skip, self._parsed = None, 0, 0, None
        self._linked = False
        self._path, self._params = url, dict(params or {})
        return self._request(first=True)

    def _body(self, response: httpx.Response) -> Any:
        if self._parsed is None or self._parsed[0] != id(response):
            self._parsed = (id(response), odata.exact_json(response))
        return self._parsed[1]

    def records(self, response: httpx.Response) -> list[Any]:
        """The page's ``value``, numbers exact."""
        body = self._body(response)
        if body is None:
            return []
        records = body.get("value") if isinstance(body, Mapping) else None
        if not isinstance(records, list):
            raise IncompletePaginationError("page has no record list at 'value'")
        return records

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The next page, or ``None`` at the end (see the module docstring)."""
        body = self._body(response)
        if self.count is None and isinstance(body, Mapping):
            for name in resources.COUNT_KEYS:
                if (count := as_int(body.get(name))) is not None:
                    self.count = count
                    break
        self._read += len(records)
        self._skip += len(records)
        if self.limit is not None and self._read >= self.limit:
            return None
        link = None
        if isinstance(body, Mapping):
            link = next((body[k] for k in resources.NEXT_LINK_KEYS if body.get(k)), None)
        if isinstance(link, str) and link.strip():
            self._linked = True
            return PageRequest(resolve(response, link.strip()))
        if self._linked:  # server-driven paging: the page without a next link is the last
            return None
        if not records:
            if self.count is not None and self._read < self.count:
                raise IncompletePaginationError(
                    f"empty page after {self._read} of {self.count} rows"
                )
            return None
        if self.count is not None and self._read >= self.count:
            return None
        return self._request(first=False)


def _has_details(payload: Mapping[str, Any]) -> bool:
    return any(
        isinstance(v, list) and any(isinstance(i, Mapping) for i in v) for v in payload.values()
    )


class Sage300Client(ConnectorClient):
    """One Sage 300 company's Web API. Thread-safe; close it (or use ``with``).

    Args:
        settings: the company connection.
        transport: an httpx transport (tests).
        **http_options: passed to `ResilientClient` (e.g. `sleep`, `clock`, `usage` in tests).
    """

    def __init__(
        self,
        settings: Sage300Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        **http_options: Any,
    ) -> None:
        self.settings = settings
        options = {**http_options, "usage": http_options.get("usage") or usage_for(SYSTEM)}
        self.http = client_from_settings(
            SYSTEM,
            settings,
            headers=resources.COMMON_HEADERS,
            auth=httpx.BasicAuth(settings.user, settings.password.get_secret_value()),
            error_table=error_table(),
            transport=transport,
            **options,
        )
        self._calls = 0
        self._lock = threading.Lock()
        self.http.http.event_hooks["request"].append(self._count_call)

    @classmethod
    def from_env(cls, **overrides: Any) -> Sage300Client:
        """Build from `STOREBRIDGE_SAGE300_*` (a `ConfigError` names what is missing)."""
        return cls(load_settings(Sage300Settings, **overrides))

    def _count_call(self, request: httpx.Request) -> None:
        with self._lock:
            self._calls += 1

    @property
    def calls(self) -> int:
        """HTTP requests this client sent (retries and rate-limited attempts included)."""
        with self._lock:
            return self._calls

    # -- plumbing -------------------------------------------------------------------------------

    def _check_verb(self, method: str, resource: str) -> None:
        verbs = resources.VERBS.get(resource)
        if verbs is not None and method not in verbs:
            raise ConfigError(
                f"{resource} does not support {method} (Web API endpoint reference: "
                f"{', '.join(sorted(verbs))})",
                connection=SYSTEM,
                method=method,
            )

    def _send(
        self,
        method: str,
        url: str,
        *,
        payload: Mapping[str, Any] | None = None,
        expect: Sequence[int] = (),
        idempotent: bool | None = None,
    ) -> httpx.Response:
        content = dumps(payload) if payload is not None else None
        write = idempotent is False  # a lost answer is a write of unknown outcome
        try:
            return self.http.request(
                method, url, content=content, expect=expect, idempotent=idempotent
            )
        except ConnectorError as exc:
            raise from_connector_error(exc, write=write) from exc

    def _error(self, method: str, response: httpx.Response) -> Sage300Error:
        try:
            body = odata.exact_json(response)
        except ValueError:
            body = None
        if not isinstance(body, Mapping | list):
            body = response.text or None
        code = error_code(body)
        message = error_message(body, response.text) or response.reason_phrase
        context = {"method": method, "url": str(response.request.url.path), "body": body}
        if code is None and response.status_code == 404:
            return Sage300ConfigError(
                404,
                None,
                f"{message or 'Not Found'} (no Sage error code: is STOREBRIDGE_SAGE300_URL the "
                "Web API root?)",
                **context,
            )
        return Sage300Error(response.status_code, code, message, **context)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        body = odata.exact_json(response)
        return body if isinstance(body, dict) else {}

    # -- reads ----------------------------------------------------------------------------------

    def get(
        self, resource: str, key: KeyValue, *, select: Sequence[str] | None = None
    ) -> dict[str, Any] | None:
        """One entry by key (``ARCustomers('1200')``, ``OEOrders(10021638)``); ``None`` when Sage
        answers ``RecordNotFound``."""
        params = {"$select": ",".join(select)} if select else {}
        url = odata.with_query(entity_path(resource, key), params)
        response = self._send("GET", url, expect=(404,))
        if response.status_code == 404:
            error = self._error("GET", response)
            if error.not_found:
                return None
            raise error
        return self._json(response)

    def pages(
        self,
        resource: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str | Sequence[str] | None = None,
        top: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a feed read to the end (see the module docstring).

        Raises:
            IncompletePaginationError: an empty page before the declared count, or a page
                requested twice.
        """
        params: dict[str, str] = {}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = ",".join(select)
        if orderby:
            params["$orderby"] = orderby if isinstance(orderby, str) else ",".join(orderby)
        if top is not None and top <= 0:
            return
        paginator = SagePaginator(page_size or self.settings.page_size, top)
        try:
            yield from paginate(self.http, paginator, resource, params)
        except ConnectorError as exc:
            raise from_connector_error(exc) from exc

    def query(
        self,
        resource: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str | Sequence[str] | None = None,
        top: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every entry of a feed (``$filter``, ``$select``, ``$orderby``; at most `top`)."""
        for page in self.pages(
            resource, filter=filter, select=select, orderby=orderby, top=top, page_size=page_size
        ):
            yield from page

    def count(self, resource: str, filter: str | None = None) -> int:
        """The number of entries (matching `filter`): ``odata.count`` of a one-row page.

        Raises:
            Sage300ConfigError: the answer has no count.
        """
        params: dict[str, str | int] = {"$top": 1, "$count": "true"}
        if filter:
            params["$filter"] = filter
        response = self._send("GET", odata.with_query(resource, params))
        body = odata.exact_json(response)
        if isinstance(body, Mapping):
            for name in resources.COUNT_KEYS:
                if (count := as_int(body.get(name))) is not None:
                    return count
        raise Sage300ConfigError(
            response.status_code, None, f"{resource}: the answer has no odata.count"
        )

    # -- writes ---------------------------------------------------------------------------------

    def create(self, resource: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST one entry; the inserted entry as Sage returns it (generated keys included).

        Never resent after it may have reached the server.

        Raises:
            Sage300WriteUnknown: a 5xx, timeout or reset after sending: look the record up.
            Sage300Error: Sage refused it (``duplicate`` for ``RecordDuplicate``).
            ConfigError: the resource has no POST.
        """
        self._check_verb("POST", resource)
        return self._json(self._send("POST", resource, payload=payload, idempotent=False))

    def patch(
        self,
        resource: str,
        key: KeyValue,
        payload: Mapping[str, Any],
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """PATCH one entry (partial: only the given properties; detail lines carry
        ``UpdateOperation``). The updated entry when Sage returns one, else ``{}``.

        Args:
            idempotent: whether it may be resent after it may have reached the server; by
                default yes, unless the payload holds detail lines (they may be inserts): then a
                5xx or timeout raises `Sage300WriteUnknown`.

        Raises:
            ConfigError: the resource has no PATCH (OE/OEOrders).
        """
        self._check_verb("PATCH", resource)
        safe = idempotent if idempotent is not None else not _has_details(payload)
        response = self._send("PATCH", entity_path(resource, key), payload=payload, idempotent=safe)
        return self._json(response)

    def delete(self, resource: str, key: KeyValue) -> bool:
        """DELETE one entry; ``False`` when it did not exist (``RecordNotFound``)."""
        self._check_verb("DELETE", resource)
        response = self._send("DELETE", entity_path(resource, key), expect=(404,))
        if response.status_code == 404:
            error = self._error("DELETE", response)
            if error.not_found:
                return False
            raise error
        return True

    def template(self, resource: str) -> dict[str, Any]:
        """``POST Resource('$template')``: an entry with the view's defaults (no side effect)."""
        url = resource + "('" + resources.TEMPLATE_KEY + "')"
        return self._json(self._send("POST", url, payload={}, idempotent=True))

    def process(self, resource: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """``POST Resource('$process')``: run a process endpoint (e.g. ``GL/GLPostJournal``);
        never resent after it may have reached the server."""
        url = resource + "('" + resources.PROCESS_KEY + "')"
        return self._json(self._send("POST", url, payload=payload, idempotent=False))
