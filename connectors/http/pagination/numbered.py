"""Page-number and offset pagination.

`PageNumberPaginator`: BigCommerce V2 (``page``/``limit``, HTTP 204 when empty) and V3 with
``meta.pagination.total_pages``. `OffsetPaginator`: Shift4Shop/3dcart REST v1 (``offset`` from 1,
404 when empty, total from ``countonly=1``) and Sage 300 Web API (``$skip``/``$top`` from 0).
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
)


class PageNumberPaginator(Paginator):
    """``?page=N&limit=M``. Ends on an empty page / HTTP 204, or after the declared last page.

    A short page does NOT end the pagination (only an empty page or the declared total does).

    Args:
        page_param: name of the page number parameter.
        size_param: name of the page size parameter.
        page_size: records per page.
        start: number of the first page.
        records_key: dotted path of the record list (``None``: the body is the list).
        total_pages_path: dotted path of the page count (V3 ``meta.pagination.total_pages``).
        total_path: dotted path of the record count to verify at the end (optional).
    """

    def __init__(
        self,
        page_param: str = "page",
        size_param: str = "limit",
        page_size: int = 250,
        start: int = 1,
        records_key: str | None = None,
        total_pages_path: str | None = None,
        total_path: str | None = None,
    ) -> None:
        self.page_param, self.size_param, self.page_size = page_param, size_param, page_size
        self.start, self.records_key = start, records_key
        self.total_pages_path, self.total_path = total_pages_path, total_path
        self._total_pages: int | None = None
        self._total: int | None = None

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """Page `start` of `page_size` records."""
        self._total_pages = self._total = None
        query = {**(params or {}), self.page_param: self.start, self.size_param: self.page_size}
        return PageRequest(url, query)

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The next page number, or ``None`` after an empty page or the last declared page."""
        body = page_body(response)
        if (pages := as_int(dig(body, self.total_pages_path))) is not None:
            self._total_pages = pages
        if (total := as_int(dig(body, self.total_path))) is not None:
            self._total = total
        page = int(request.params[self.page_param])
        last = None if self._total_pages is None else self.start + self._total_pages - 1
        if not records:
            # An empty collection may declare one page (BigCommerce V3 says `total_pages: 1`
            # for `total: 0` on some endpoints): an empty *first* page of one ends it.
            empty_collection = page == self.start and (self._total_pages or 0) <= 1
            if last is not None and page <= last and not empty_collection:
                raise IncompletePaginationError(
                    f"page {page} is empty but the server declared {self._total_pages} pages"
                )
            return None
        if last is not None and page >= last:
            return None
        return PageRequest(request.url, {**request.params, self.page_param: page + 1})

    def finish(self, total_read: int) -> None:
        """Verify the declared record count, if any."""
        if self._total is not None and total_read != self._total:
            raise IncompletePaginationError(
                f"read {total_read} records but the server declared {self._total}"
            )


class OffsetPaginator(Paginator):
    """``?offset=N&limit=M``, the offset advancing by the rows returned (1, 101, 201, ...).

    With a known `total` (e.g. Shift4Shop ``countonly=1``) it stops exactly at the total and
    raises if an empty page comes first or more rows arrive. Without one, only an empty page or
    an `empty_statuses` response ends it (the client is called with ``expect=empty_statuses``).

    Args:
        offset_param: name of the offset parameter (``$skip`` for Sage 300).
        limit_param: name of the page size parameter (``$top`` for Sage 300).
        page_size: rows per page.
        start: the first offset (1 for Shift4Shop, 0 for Sage 300).
        total: the number of rows to read, if known beforehand.
        empty_statuses: statuses that mean "no (more) rows" (Shift4Shop answers 404).
        records_key: dotted path of the record list (``None``: the body is the list;
            ``"value"`` for Sage 300).
    """

    def __init__(
        self,
        offset_param: str = "offset",
        limit_param: str = "limit",
        page_size: int = 100,
        start: int = 1,
        total: int | None = None,
        empty_statuses: tuple[int, ...] = (404,),
        records_key: str | None = None,
    ) -> None:
        self.offset_param, self.limit_param, self.page_size = offset_param, limit_param, page_size
        self.start, self.total, self.records_key = start, total, records_key
        self.expect = tuple(empty_statuses)
        self._read = 0

    def first(self, url: str, params: Mapping[str, Any] | None) -> PageRequest:
        """Rows from offset `start`."""
        self._read = 0
        query = {**(params or {}), self.offset_param: self.start, self.limit_param: self.page_size}
        return PageRequest(url, query)

    def next(
        self, request: PageRequest, response: httpx.Response, records: list[Any]
    ) -> PageRequest | None:
        """The next offset, or ``None`` at an empty page or when `total` rows were read."""
        if not records:
            if self.total is not None and self._read < self.total:
                raise IncompletePaginationError(
                    f"empty page after {self._read} of {self.total} rows"
                )
            return None
        self._read += len(records)
        if self.total is not None:
            if self._read > self.total:
                raise IncompletePaginationError(
                    f"read {self._read} rows but the total is {self.total}"
                )
            if self._read == self.total:
                return None
        offset = int(request.params[self.offset_param]) + len(records)
        return PageRequest(request.url, {**request.params, self.offset_param: offset})

    def finish(self, total_read: int) -> None:
        """Verify the known total, if any."""
        if self.total is not None and total_read != self.total:
            raise IncompletePaginationError(f"read {total_read} rows but the total is {self.total}")
