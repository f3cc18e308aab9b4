"""Reads of the Dataverse client: collections paged by `@odata.nextLink`, rows by key, `In`
look-ups chunked to URL limits, and change tracking (`changes`) with the full-read fallback.

A mixin of `Dynamics365Client` (it provides `http`, `settings`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.dynamics365 import odata, resources
from connectors.dynamics365.changes import ChangePage, split_delta
from connectors.dynamics365.settings import Dynamics365Settings
from connectors.http import RecordError, ResilientClient, paginate

Key = str | uuid.UUID | Mapping[str, Any]


class ReadsMixin:
    """OData reads (see the module docstring)."""

    http: ResilientClient
    settings: Dynamics365Settings

    def _read_headers(self, page_size: int | None, *extra: str) -> dict[str, str]:
        size = odata.max_page_size(page_size or self.settings.page_size)
        return {**resources.READ_HEADERS, **odata.prefer(size, *extra)}

    def pages(
        self,
        entity_set: str,
        *,
        select: Sequence[str],
        filter: str | None = None,
        orderby: str | Sequence[str] | None = None,
        expand: str | Sequence[str] | None = None,
        page_size: int | None = None,
        count: bool = False,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a collection read, following `@odata.nextLink` to a page without one.

        Raises:
            IncompletePaginationError: a page repeats, or fewer rows than `@odata.count` (below
                its cap of 5000) came back.
        """
        params = odata.query_params(
            select=select, filter=filter, orderby=orderby, expand=expand, count=count
        )
        url = odata.with_query(entity_set, params)
        headers = self._read_headers(page_size)
        yield from paginate(self.http, odata.TrackingPaginator(), url, headers=headers)

    def query(
        self,
        entity_set: str,
        *,
        select: Sequence[str],
        filter: str | None = None,
        orderby: str | Sequence[str] | None = None,
        expand: str | Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every row of a collection read (see `pages`); numbers are exact (`Decimal`)."""
        for page in self.pages(
            entity_set,
            select=select,
            filter=filter,
            orderby=orderby,
            expand=expand,
            page_size=page_size,
        ):
            yield from page

    def page(
        self,
        entity_set: str,
        *,
        select: Sequence[str],
        filter: str | None = None,
        orderby: str | Sequence[str] | None = None,
        expand: str | Sequence[str] | None = None,
        page_size: int | None = None,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page: its rows and the cursor of the next (its `@odata.nextLink`, followed
        verbatim), ``None`` on the last page. `cursor` is a previous page's cursor."""
        if cursor is None:
            params = odata.query_params(
                select=select, filter=filter, orderby=orderby, expand=expand
            )
            cursor = odata.with_query(entity_set, params)
        paginator = odata.TrackingPaginator()
        response = self.http.request("GET", cursor, headers=self._read_headers(page_size))
        rows = paginator.records(response)
        following = paginator.next(paginator.first(cursor, None), response, rows)
        return rows, following.url if following else None

    def query_in(
        self,
        entity_set: str,
        column: str,
        values: Sequence[Any],
        *,
        select: Sequence[str],
        filter: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Rows whose `column` is one of `values` (`Microsoft.Dynamics.CRM.In`, chunked so no
        URL grows past the limits)."""
        for chunk in odata.in_filters(column, values):
            yield from self.query(entity_set, select=select, filter=odata.all_of(filter, chunk))

    def get(
        self,
        entity_set: str,
        key: Key,
        *,
        select: Sequence[str] | None = None,
        expand: str | Sequence[str] | None = None,
    ) -> dict[str, Any] | None:
        """One row by GUID or alternate key (a mapping); ``None`` when it does not exist."""
        params: dict[str, str] = {}
        if select:
            params["$select"] = ",".join(select)
        if expand:
            params["$expand"] = expand if isinstance(expand, str) else ",".join(expand)
        url = odata.with_query(odata.entity_path(entity_set, key), params)
        response = self.http.request("GET", url, headers=resources.READ_HEADERS, expect=(404,))
        if response.status_code == 404:
            return None
        row = odata.exact_json(response)
        return row if isinstance(row, dict) else None

    def changes(
        self,
        entity_set: str,
        *,
        select: Sequence[str],
        delta_link: str | None = None,
        page_size: int | None = None,
    ) -> ChangePage:
        """Rows changed since `delta_link` (and deleted ids); without one, or when the platform
        no longer honours it, a full tracked read (`ChangePage.full`)."""
        headers = self._read_headers(page_size, "odata.track-changes")
        if delta_link:
            try:
                rows, link = self._tracked(delta_link, headers)
            except RecordError as exc:
                if exc.status not in resources.EXPIRED_DELTA_STATUSES:
                    raise
                self.http.log.warning(
                    "%s: delta link refused (HTTP %s %s); reading the table in full",
                    entity_set,
                    exc.status,
                    exc.code or "",
                )
            else:
                records, deleted = split_delta(rows)
                return ChangePage(records, deleted, link, full=False)
        url = odata.with_query(entity_set, odata.query_params(select=select))
        rows, link = self._tracked(url, headers)
        return ChangePage(split_delta(rows)[0], [], link, full=True)

    def _tracked(
        self, url: str, headers: dict[str, str]
    ) -> tuple[list[dict[str, Any]], str | None]:
        paginator = odata.TrackingPaginator()
        rows = [
            row for page in paginate(self.http, paginator, url, headers=headers) for row in page
        ]
        return rows, self._relative(paginator.delta_link)

    def _relative(self, link: str | None) -> str | None:
        """A delta link relative to the Web API root (`products?$select=...&$deltatoken=...`),
        as it is stored: it stays valid when the environment's URL changes (a renamed org, the
        sandbox on another port), and is resolved against the configured root when used."""
        root = self.settings.base_url.rstrip("/") + "/"
        if link and link.startswith(root):
            return link[len(root) :]
        return link
