"""The shared core of the BigCommerce client: requests, exact JSON, pages, batches.

`BigCommerceBase` holds the HTTP client and what every area (orders, customers, catalog,
inventory, hooks) needs: JSON with Decimal numbers, V2 pages (`page`/`limit`, 204 = empty), V3
pages (`meta.pagination`), reads by `:in` filters in chunks, and batch writes that halve on 413
and isolate the item a 422 is about.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx

from connectors.bigcommerce import resources
from connectors.bigcommerce.resources import SYSTEM, TOO_LARGE, V2_EMPTY
from connectors.bigcommerce.settings import BigCommerceSettings
from connectors.bigcommerce.writes import (
    WriteResult,
    failed,
    field_errors,
    indexed_errors,
    item_key,
)
from connectors.http import (
    ConnectorClient,
    IncompletePaginationError,
    PageNumberPaginator,
    PageRequest,
    TransientError,
    jsonx,
)
from connectors.http.classify import response_body

REFUSALS = (400, 404, 409, TOO_LARGE, 422)  # a write refused for its items
KeyOf = Callable[[Mapping[str, Any], int], str]


def parse(response: httpx.Response) -> Any:
    """The JSON body with numbers as Decimal (never binary floats); None when empty or 204."""
    if response.status_code == V2_EMPTY or not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise TransientError(
            f"expected JSON, got {response.headers.get('content-type', 'no content type')}",
            connection=SYSTEM,
            status=response.status_code,
        ) from exc


def rfc2822(moment: dt.datetime) -> str:
    """An aware datetime as V2 wants it: RFC 2822 in UTC (`Wed, 10 Jan 2018 21:05:30 +0000`)."""
    if moment.tzinfo is None:
        raise ValueError("need an aware datetime (UTC), got a naive one")
    return moment.astimezone(dt.UTC).strftime(resources.V2_DATE_FORMAT)


def iso(moment: dt.datetime) -> str:
    """An aware datetime as a full V3 timestamp (`2026-11-01T10:00:00Z`): never a bare date,
    which BigCommerce completes with the time of the request."""
    if moment.tzinfo is None:
        raise ValueError("need an aware datetime (UTC), got a naive one")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_seconds(since: dt.datetime, until: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window widened to whole seconds (the API filters by second; rows are re-filtered)."""
    start = since.replace(microsecond=0)
    end = (
        until if until.microsecond == 0 else until.replace(microsecond=0) + dt.timedelta(seconds=1)
    )
    return start, end


def chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Unique values in order, `size` at a time."""
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def by_id_key(entity: str) -> KeyOf:
    return lambda item, position: item_key(entity, item, position)


class BigCommerceBase(ConnectorClient):
    """Requests and paging shared by every area of the API (see the module docstring)."""

    settings: BigCommerceSettings

    # --- reads ----------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """GET and parse (204 and empty bodies are None)."""
        response = self.http.request("GET", path, params=dict(params or {}), **kw)
        return parse(response)

    def v2_page(
        self, path: str, params: Mapping[str, Any], page: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One V2 page: its rows and the next page number (None after an empty page / 204).

        A short page is not the end: V2 says nothing about totals, so only a 204 (or an empty
        array) is; that costs one more call per read.
        """
        paginator = PageNumberPaginator(page_size=limit)
        request = PageRequest(path, {**params, "page": page, "limit": limit})
        response = self.http.request("GET", path, params=request.params, expect=(V2_EMPTY,))
        body = parse(response)
        if body is not None and not isinstance(body, list):
            raise IncompletePaginationError(f"{SYSTEM} {path}: a V2 page is not an array")
        rows = list(body or [])
        nxt = paginator.next(request, response, rows)
        return rows, None if nxt is None else int(nxt.params["page"])

    def v2_all(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        expected: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every row of a V2 collection (sub-resources such as an order's products).

        Pages until a 204, or until `expected` rows when the parent declares the count (an
        order's `shipping_address_count`): then the API has said where the end is. A page that
        repeats rows already read (a server ignoring `page`) raises instead of looping.
        """
        rows: list[dict[str, Any]] = []
        seen: set[Any] = set()
        page: int | None = 1
        while page is not None:
            chunk, page = self.v2_page(path, dict(params or {}), page, resources.V2_MAX_LIMIT)
            ids = {r.get("id") for r in chunk if isinstance(r, dict)}
            if chunk and ids and ids <= seen:
                raise IncompletePaginationError(f"{SYSTEM} {path}: page {page} repeats rows")
            seen |= ids
            rows += chunk
            if expected is not None and len(rows) >= expected:
                break
        return rows

    def v3_page(
        self, path: str, params: Mapping[str, Any], page: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None, int | None]:
        """One V3 page: rows, the next page number (from `meta.pagination`), the total.

        The end is `current_page >= total_pages` (or no `links.next` when total_pages is
        missing); an empty page before the declared last one raises.
        """
        paginator = PageNumberPaginator(
            page_size=limit,
            records_key="data",
            total_pages_path="meta.pagination.total_pages",
            total_path="meta.pagination.total",
        )
        request = PageRequest(path, {**params, "page": page, "limit": limit})
        response = self.http.request("GET", path, params=request.params, expect=(V2_EMPTY,))
        body = parse(response)
        rows = [] if body is None else body.get("data") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise IncompletePaginationError(f"{SYSTEM} {path}: a V3 page has no `data` list")
        pagination = (body or {}).get("meta", {}).get("pagination") or {}
        total = pagination.get("total")
        if (
            not pagination.get("total_pages")
            and rows
            and not (pagination.get("links") or {}).get("next")
        ):
            return rows, None, total  # no page count and no next link: the last page
        nxt = paginator.next(request, response, rows)
        return rows, None if nxt is None else int(nxt.params["page"]), total

    def v3_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every row of a V3 collection, checked against the declared total."""
        rows: list[dict[str, Any]] = []
        page: int | None = 1
        total: int | None = None
        while page is not None:
            chunk, page, declared = self.v3_page(
                path, dict(params or {}), page, self.settings.page_size
            )
            rows += chunk
            total = declared if declared is not None else total
        if total is not None and len(rows) != int(total):
            raise IncompletePaginationError(
                f"{SYSTEM} {path}: read {len(rows)} records but the server declared {total}"
            )
        return rows

    def v3_in(
        self, path: str, key: str, values: Iterable[Any], params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows matching `key:in` over `values`, `FILTER_IN_MAX` values per query."""
        rows: list[dict[str, Any]] = []
        for chunk in chunks(values, resources.FILTER_IN_MAX):
            query = {**dict(params or {}), f"{key}:in": ",".join(str(v) for v in chunk)}
            rows += self.v3_all(path, query)
        return rows

    def v3_data(self, response: httpx.Response) -> Any:
        """`data` of a V3 answer."""
        body = parse(response)
        return body.get("data") if isinstance(body, dict) else body

    # --- writes ---------------------------------------------------------------------------
    def send(
        self, method: str, path: str, body: Any, *, expect: Sequence[int] = ()
    ) -> httpx.Response:
        """A write with an exact-decimal JSON body (POST is not retried once it may have
        reached the server)."""
        return self.http.request(
            method,
            path,
            content=jsonx.dumps(body),
            headers={"Content-Type": "application/json"},
            idempotent=method != "POST",
            expect=tuple(expect),
        )

    def write_one(self, method: str, path: str, body: Any) -> Any:
        """A single-object write; `data` of its answer. Refusals raise `RecordError`."""
        return self.v3_data(self.send(method, path, body))

    def batched(
        self,
        method: str,
        path: str,
        items: Sequence[Mapping[str, Any]],
        size: int,
        *,
        entity: str,
        key_of: KeyOf | None = None,
    ) -> list[WriteResult]:
        """Write `items` in batches of at most `size`: one result per item, in order.

        413 halves the batch (and every later one) and sends the halves; a 422 (or 400/409)
        whose errors name item indexes fails those items and sends the rest again; one that
        names none is bisected until the refused item is alone.
        """
        key_of = key_of or by_id_key(entity)
        keyed = [(key_of(item, i), dict(item)) for i, item in enumerate(items)]
        out: list[WriteResult] = []
        limit = max(1, size)
        start = 0
        while start < len(keyed):
            chunk = keyed[start : start + limit]
            results, limit = self._write_chunk(method, path, chunk, limit)
            out += results
            start += len(chunk)
        return out

    def _write_chunk(
        self, method: str, path: str, chunk: list[tuple[str, dict[str, Any]]], limit: int
    ) -> tuple[list[WriteResult], int]:
        response = self.send(method, path, [item for _, item in chunk], expect=REFUSALS)
        status = response.status_code
        if status < 300:
            return self._matched(chunk, status, response), limit
        body = response_body(response)
        if len(chunk) == 1:
            return [failed(chunk[0][0], status, body)], limit
        if status == TOO_LARGE:
            limit = max(1, len(chunk) // 2)
        else:
            named = indexed_errors(field_errors(body))
            if named:
                bad = [
                    failed(chunk[i][0], status, body, e) for i, e in named.items() if i < len(chunk)
                ]
                rest = [pair for i, pair in enumerate(chunk) if i not in named]
                results, limit = (
                    self._write_chunk(method, path, rest, limit) if rest else ([], limit)
                )
                by_key = {r.key: r for r in (*bad, *results)}
                return [by_key[k] for k, _ in chunk if k in by_key], limit
        half = max(1, len(chunk) // 2)
        first, limit = self._write_chunk(method, path, chunk[:half], limit)
        second, limit = self._write_chunk(method, path, chunk[half:], limit)
        return first + second, limit

    def _matched(
        self, chunk: list[tuple[str, dict[str, Any]]], status: int, response: httpx.Response
    ) -> list[WriteResult]:
        """Results of an accepted batch: answer rows by id, else in request order (spec
        silent on the order of created rows; assumption: the request's)."""
        body = parse(response)
        data = body.get("data") if isinstance(body, dict) else body
        rows = [r for r in (data or []) if isinstance(r, dict)] if isinstance(data, list) else []
        by_id = {r.get("id"): r for r in rows if r.get("id") is not None}
        note = ""
        if status == 207 and isinstance(body, dict) and body.get("errors"):
            note = "saved with errors: " + ", ".join(str(k) for k in dict(body["errors"]))
        out = []
        for position, (key, item) in enumerate(chunk):
            row = by_id.get(item.get("id")) if item.get("id") is not None else None
            if row is None and position < len(rows) and item.get("id") is None:
                row = rows[position]
            rid = row.get("id") if row else item.get("id")
            out.append(
                WriteResult(key, status, int(rid) if rid is not None else None, None, note, row)
            )
        return out
