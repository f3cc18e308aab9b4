"""The paginator protocol and the `paginate` loop (modelled on singer-sdk's `pagination.py`).

Page to the end or raise: a short read never looks like the end. `paginate` also refuses to
request the same page twice (a cursor that does not move) and stops at `max_pages`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from connectors.http.classify import response_body
from connectors.http.errors import IncompletePaginationError
from connectors.http.redaction import redact_url

if TYPE_CHECKING:
    from connectors.http.client import ResilientClient


@dataclass
class PageRequest:
    """The URL (absolute, or relative to the client's base URL) and query of one page."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)


def dig(body: Any, path: str | None) -> Any:
    """Dotted lookup into a JSON body: ``dig(body, "meta.pagination.total")``; ``None`` if absent.

    A key that itself contains dots (``@odata.nextLink``) is matched whole first.
    """
    if path is None or body is None:
        return None
    if isinstance(body, Mapping) and path in body:
        return body[path]
    current = body
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def as_int(value: Any) -> int | None:
    """An int from an int or a numeric string (OData v3 counts are strings); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def page_body(response: httpx.Response) -> Any:
    """The parsed JSON of a page; ``None`` for 204 / an empty body."""
    if response.status_code == 204 or not response.content:
        return None
    return response_body(response)


def records_at(body: Any, key: str | None) -> list[Any]:
    """The record list of a page body: the body itself, or the list at dotted `key`.

    Raises:
        IncompletePaginationError: the page does not hold a list where one is expected.
    """
    if body is None:
        return []
    records = body if key is None else dig(body, key)
    if not isinstance(records, list):
        where = f"at {key!r}" if key else "as the body"
        raise IncompletePaginationError(f"page has no record list {where}")
    return records


def resolve(response: httpx.Response, link: str) -> str:
    """Resolve a next link (absolute URL, absolute path, or ``?query``) against the page's URL."""
    return str(response.request.url.join(link))


class Paginator(ABC):
    """One pagination style. An instance serves one pagination at a time; `first` resets it.

    Attributes:
        expect: non-2xx statuses that mean "no records" for this API (passed to the client).
        records_key: dotted path of the record list in a page (``None``: the body is the list).
    """

    expect: tuple[int, ...] = ()
    records_key: str | None = None

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """The request of the first page."""
        return PageRequest(url, dict(params or {}))

    def records(self, response: httpx.Response) -> list[Any]:
        """The records of one page (none for an `expect` status such as an empty-list 404)."""
        if response.status_code in self.expect:
            return []
        return records_at(page_body(response), self.records_key)

    @abstractmethod
    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The next page's request, or ``None`` at the end.

        Raises:
            IncompletePaginationError: the page says there is more but gives no way to get it.
        """

    def finish(self, total_read: int) -> None:  # noqa: B027 - optional hook, no-op by default
        """Check the records read against a total the server declared.

        Raises:
            IncompletePaginationError: the counts disagree.
        """


def paginate(
    client: ResilientClient,
    paginator: Paginator,
    url: str,
    params: Mapping[str, Any] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    max_pages: int = 100_000,
) -> Iterator[list[Any]]:
    """GET every page and yield each non-empty page's records.

    Args:
        client: the resilient client (retries and rate limits apply per page).
        paginator: the pagination style.
        url: the collection URL; params: its query.
        headers: extra headers sent with every page (e.g. Dataverse ``Prefer``).
        max_pages: a safety stop.

    Raises:
        IncompletePaginationError: a page repeats (the cursor did not move), `max_pages` is hit,
            or the paginator finds the read incomplete.
    """
    page = paginator.first(url, params)
    seen: set[str] = set()
    total = 0
    while len(seen) < max_pages:
        request = client.build_request("GET", page.url, params=page.params or None, headers=headers)
        where = redact_url(str(request.url))
        if str(request.url) in seen:
            raise IncompletePaginationError(
                "the same page was requested twice (the cursor did not move)",
                connection=client.name,
                method="GET",
                url=where,
            )
        seen.add(str(request.url))
        response = client.send(request, expect=paginator.expect)
        try:
            records = paginator.records(response)
            total += len(records)
            if records:
                yield records
            following = paginator.next(page, response, records)
            if following is None:
                paginator.finish(total)
                return
        except IncompletePaginationError as exc:
            exc.connection, exc.method, exc.url = client.name, "GET", where
            raise
        page = following
    raise IncompletePaginationError(
        f"stopped after max_pages={max_pages} pages",
        connection=client.name,
        method="GET",
        url=redact_url(url),
    )
