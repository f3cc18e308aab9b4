"""Link and cursor pagination.

`NextLinkPaginator`: BigCommerce V3 ``meta.pagination.links.next``. `CursorPaginator`: BigCommerce
V3 ``meta.cursor_pagination``. `NextRecordsUrlPaginator`: Salesforce REST SOQL
(``done``/``nextRecordsUrl``/``totalSize``). `ODataNextLinkPaginator`: Dataverse Web API v9.2
(``@odata.nextLink``, ``@odata.count``) and Sage 300 Web API (``odata.nextLink``, ``odata.count``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.http.errors import IncompletePaginationError
from connectors.http.pagination.base import (
    PageRequest,
    Paginator,
    as_int,
    dig,
    page_body,
    resolve,
)


def _check_total(total_read: int, declared: int | None) -> None:
    if declared is not None and total_read != declared:
        raise IncompletePaginationError(
            f"read {total_read} records but the server declared {declared}"
        )


class NextLinkPaginator(Paginator):
    """Follows a next link: an absolute URL, an absolute path, or a bare ``?page=2&limit=50``.

    Args:
        next_path: dotted path of the next link; absent or empty ends the pagination.
        records_key: dotted path of the record list.
        total_path: dotted path of the declared record count, verified at the end.
    """

    def __init__(
        self,
        next_path: str = "meta.pagination.links.next",
        records_key: str = "data",
        total_path: str | None = "meta.pagination.total",
    ) -> None:
        self.next_path, self.records_key, self.total_path = next_path, records_key, total_path
        self._total: int | None = None

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """The collection URL as given."""
        self._total = None
        return super().first(url, params)

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The resolved next link, or ``None`` when there is none."""
        body = page_body(response)
        if (total := as_int(dig(body, self.total_path))) is not None:
            self._total = total
        link = dig(body, self.next_path)
        if not isinstance(link, str) or not link.strip():
            return None
        return PageRequest(resolve(response, link.strip()))

    def finish(self, total_read: int) -> None:
        """Verify the declared total, if the pages carried one."""
        _check_total(total_read, self._total)


class CursorPaginator(Paginator):
    """Sends the last page's cursor as `cursor_param` (``?after=<end_cursor>``).

    Without `has_more_path` the pagination ends on an empty page or a page without a cursor;
    with it, ``has_more`` decides, and ``has_more`` without a cursor raises.

    Args:
        cursor_path: dotted path of the cursor in the body.
        cursor_param: query parameter that carries it.
        records_key: dotted path of the record list.
        has_more_path: dotted path of a "more pages" flag, if the API has one.
    """

    def __init__(
        self,
        cursor_path: str = "meta.cursor_pagination.end_cursor",
        cursor_param: str = "after",
        records_key: str = "data",
        has_more_path: str | None = None,
    ) -> None:
        self.cursor_path, self.cursor_param = cursor_path, cursor_param
        self.records_key, self.has_more_path = records_key, has_more_path

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The same URL with the new cursor, or ``None`` at the end."""
        body = page_body(response)
        cursor = dig(body, self.cursor_path)
        has_cursor = cursor is not None and str(cursor) != ""
        if self.has_more_path is not None:
            has_more = dig(body, self.has_more_path)
            if not isinstance(has_more, bool):
                raise IncompletePaginationError(f"page has no boolean at {self.has_more_path!r}")
            if not has_more:
                return None
            if not has_cursor:
                raise IncompletePaginationError("the page says there is more but has no cursor")
        elif not records or not has_cursor:
            return None
        return PageRequest(request.url, {**request.params, self.cursor_param: cursor})


class NextRecordsUrlPaginator(Paginator):
    """Salesforce SOQL: ``records``, ``done``, ``nextRecordsUrl`` (a path), ``totalSize``."""

    records_key = "records"

    def __init__(self) -> None:
        self._total: int | None = None

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """The query URL (``/query?q=...``) as given."""
        self._total = None
        return super().first(url, params)

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """``nextRecordsUrl`` while ``done`` is false.

        Raises:
            IncompletePaginationError: ``done`` is missing, or false without ``nextRecordsUrl``.
        """
        body = page_body(response)
        if self._total is None:
            self._total = as_int(dig(body, "totalSize"))
        done = dig(body, "done")
        if done is True:
            return None
        if done is not False:
            raise IncompletePaginationError("query result has no 'done' flag")
        link = dig(body, "nextRecordsUrl")
        if not isinstance(link, str) or not link:
            raise IncompletePaginationError("'done' is false but there is no nextRecordsUrl")
        return PageRequest(resolve(response, link))

    def finish(self, total_read: int) -> None:
        """The records read must equal ``totalSize``."""
        _check_total(total_read, self._total)


class ODataNextLinkPaginator(Paginator):
    """OData: ``value`` and ``@odata.nextLink`` (Sage 300: ``odata.nextLink``).

    The count (``@odata.count``, or Sage's ``odata.count``) is verified only below `count_cap`,
    because Dataverse caps it at 5000.

    Args:
        count_key: key of the declared count.
        count_cap: counts at or above this are capped by the server and not verified.
    """

    records_key = "value"

    def __init__(self, count_key: str = "@odata.count", count_cap: int = 5000) -> None:
        self.count_key, self.count_cap = count_key, count_cap
        self._count: int | None = None

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """The collection URL as given (send ``Prefer: odata.maxpagesize`` via headers)."""
        self._count = None
        return super().first(url, params)

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The next link followed verbatim, or ``None`` when there is none."""
        body = page_body(response)
        if not isinstance(body, Mapping):
            return None
        if self._count is None:
            self._count = as_int(body.get(self.count_key, body.get("odata.count")))
        link = body.get("@odata.nextLink") or body.get("odata.nextLink")
        if not isinstance(link, str) or not link:
            return None
        return PageRequest(resolve(response, link))

    def finish(self, total_read: int) -> None:
        """Verify the count unless the server capped it."""
        if self._count is not None and self._count < self.count_cap:
            _check_total(total_read, self._count)
