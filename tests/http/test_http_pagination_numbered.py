"""Page-number and offset pagination: to the end, never ending on a short page; the loop's stops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from http_fakes import Server, read_all, rows

from connectors.http import (
    IncompletePaginationError,
    OffsetPaginator,
    PageNumberPaginator,
    paginate,
)

# -- page number (BigCommerce V2 / V3) -------------------------------------------------------------


def test_page_number_ends_on_204_and_not_on_a_short_page(make_client) -> None:
    pages = {1: rows(1, 2), 2: rows(3, 1), 3: rows(4, 2)}  # page 2 is short, not the end

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, json=pages[page]) if page in pages else httpx.Response(204)

    server = Server(answer)
    records = read_all(
        make_client, server, PageNumberPaginator(page_size=2), "/v2/orders", {"sort": "id:asc"}
    )
    assert [r["id"] for r in records] == [1, 2, 3, 4, 5]
    assert server.param("page") == ["1", "2", "3", "4"]
    assert server.param("limit") == ["2"] * 4
    assert server.param("sort") == ["id:asc"] * 4


def test_page_number_ends_on_an_empty_list(make_client) -> None:
    server = Server(
        lambda r: httpx.Response(200, json=rows(1, 3) if r.url.params["page"] == "1" else [])
    )
    assert len(read_all(make_client, server, PageNumberPaginator(page_size=3), "/v2/x")) == 3


def _v3(page: int, total_pages: int, data: list[Any], total: int) -> httpx.Response:
    meta = {"pagination": {"total": total, "total_pages": total_pages, "current_page": page}}
    return httpx.Response(200, json={"data": data, "meta": meta})


def test_page_number_v3_stops_after_total_pages(make_client) -> None:
    server = Server(lambda r: _v3(int(r.url.params["page"]), 3, rows(1, 2), 6))
    paginator = PageNumberPaginator(
        page_size=2,
        records_key="data",
        total_pages_path="meta.pagination.total_pages",
        total_path="meta.pagination.total",
    )
    assert len(read_all(make_client, server, paginator, "/v3/catalog/products")) == 6
    assert server.param("page") == ["1", "2", "3"]  # no 4th request


def test_page_number_v3_empty_page_before_the_last_raises(make_client) -> None:
    server = Server(
        lambda r: _v3(
            int(r.url.params["page"]), 3, rows(1, 2) if r.url.params["page"] == "1" else [], 6
        )
    )
    paginator = PageNumberPaginator(
        page_size=2, records_key="data", total_pages_path="meta.pagination.total_pages"
    )
    with pytest.raises(IncompletePaginationError, match="declared 3 pages"):
        read_all(make_client, server, paginator, "/v3/catalog/products")


@pytest.mark.parametrize("declared_pages", [0, 1])
def test_page_number_v3_empty_collection_is_no_records(make_client, declared_pages: int) -> None:
    """`{"data": [], "meta": {"pagination": {"total": 0, "total_pages": 0|1}}}` is empty, not
    incomplete; an empty first page of a collection declaring two pages still raises."""
    server = Server(lambda r: _v3(int(r.url.params["page"]), declared_pages, [], 0))
    paginator = PageNumberPaginator(
        page_size=2,
        records_key="data",
        total_pages_path="meta.pagination.total_pages",
        total_path="meta.pagination.total",
    )
    assert read_all(make_client, server, paginator, "/v3/hooks") == []
    assert server.param("page") == ["1"]
    two = Server(lambda r: _v3(int(r.url.params["page"]), 2, [], 3))
    with pytest.raises(IncompletePaginationError, match="declared 2 pages"):
        read_all(make_client, two, paginator, "/v3/hooks")


def test_page_number_total_mismatch_raises(make_client) -> None:
    server = Server(lambda r: _v3(int(r.url.params["page"]), 2, rows(1, 2), 5))
    paginator = PageNumberPaginator(
        page_size=2,
        records_key="data",
        total_pages_path="meta.pagination.total_pages",
        total_path="meta.pagination.total",
    )
    with pytest.raises(IncompletePaginationError, match="declared 5"):
        read_all(make_client, server, paginator, "/v3/x")


def test_page_without_a_list_raises(make_client) -> None:
    server = Server(lambda r: httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(IncompletePaginationError, match="no record list"):
        read_all(make_client, server, PageNumberPaginator(), "/v2/x")


# -- offset (Shift4Shop from 1, Sage 300 $skip from 0) -------------------------------------------


def _shift4shop(total: int) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        if offset > total:
            return httpx.Response(404, json=[{"Key": "Error", "Message": "No records found"}])
        return httpx.Response(200, json=rows(offset, min(limit, total - offset + 1)))

    return answer


def test_offset_from_one_advances_by_rows_and_ends_on_404(make_client) -> None:
    server = Server(_shift4shop(250))
    records = read_all(make_client, server, OffsetPaginator(page_size=100), "/Orders")
    assert [r["id"] for r in records] == list(range(1, 251))
    assert server.param("offset") == ["1", "101", "201", "251"]
    assert server.param("limit") == ["100"] * 4


def test_offset_with_known_total_stops_exactly(make_client) -> None:
    server = Server(_shift4shop(250))
    records = read_all(make_client, server, OffsetPaginator(page_size=100, total=250), "/Orders")
    assert len(records) == 250
    assert server.param("offset") == ["1", "101", "201"]


def test_offset_empty_page_before_total_raises(make_client) -> None:
    server = Server(_shift4shop(250))
    with pytest.raises(IncompletePaginationError, match="250 of 300"):
        read_all(make_client, server, OffsetPaginator(page_size=100, total=300), "/Orders")


def test_offset_more_rows_than_total_raises(make_client) -> None:
    server = Server(_shift4shop(250))
    with pytest.raises(IncompletePaginationError, match="total is 120"):
        read_all(make_client, server, OffsetPaginator(page_size=100, total=120), "/Orders")


def test_offset_sage_skip_top_from_zero(make_client) -> None:
    data = rows(0, 5)

    def answer(request: httpx.Request) -> httpx.Response:
        skip, top = int(request.url.params["$skip"]), int(request.url.params["$top"])
        return httpx.Response(200, json={"odata.context": "x", "value": data[skip : skip + top]})

    server = Server(answer)
    paginator = OffsetPaginator("$skip", "$top", page_size=2, start=0, records_key="value")
    assert read_all(make_client, server, paginator, "/AR/ARCustomers") == data
    assert server.param("$skip") == ["0", "2", "4", "5"]


# -- the loop ------------------------------------------------------------------------------------


def test_max_pages_raises(make_client) -> None:
    server = Server(lambda r: httpx.Response(200, json=rows(1, 1)))
    with pytest.raises(IncompletePaginationError, match="max_pages=3"):
        read_all(make_client, server, PageNumberPaginator(page_size=1), "/v2/x", max_pages=3)
    assert len(server.urls) == 3


def test_pages_are_yielded_lazily(make_client) -> None:
    server = Server(_shift4shop(250))
    client = make_client(server)
    pages = paginate(client, OffsetPaginator(page_size=100), "/Orders")
    assert len(next(pages)) == 100
    assert len(server.urls) == 1
