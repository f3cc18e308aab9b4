"""Link and cursor pagination: follow links to the end; raise on missing links and bad totals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from http_fakes import BASE, Server, read_all, rows

from connectors.http import (
    CursorPaginator,
    IncompletePaginationError,
    NextLinkPaginator,
    NextRecordsUrlPaginator,
    ODataNextLinkPaginator,
)

# -- next link (BigCommerce V3 links) ------------------------------------------------------------


def _linked(links: dict[str, str | None], total: int) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        page = request.url.params.get("page", "1")
        meta = {"pagination": {"total": total, "links": {"next": links[page]}}}
        return httpx.Response(200, json={"data": rows(int(page) * 10, 2), "meta": meta})

    return answer


def test_next_link_follows_query_strings_paths_and_absolute_urls(make_client) -> None:
    links = {
        "1": "?page=2&limit=2",
        "2": "/stores/abc/v3/catalog/products?page=3&limit=2",
        "3": f"{BASE}/stores/abc/v3/catalog/products?page=4&limit=2",
        "4": None,
    }
    server = Server(_linked(links, 8))
    records = read_all(
        make_client, server, NextLinkPaginator(), "/stores/abc/v3/catalog/products", {"limit": 2}
    )
    assert len(records) == 8
    assert [str(u) for u in server.urls] == [
        f"{BASE}/stores/abc/v3/catalog/products?limit=2",
        f"{BASE}/stores/abc/v3/catalog/products?page=2&limit=2",
        f"{BASE}/stores/abc/v3/catalog/products?page=3&limit=2",
        f"{BASE}/stores/abc/v3/catalog/products?page=4&limit=2",
    ]


def test_next_link_missing_before_the_total_raises(make_client) -> None:
    server = Server(_linked({"1": "?page=2", "2": None}, 10))
    with pytest.raises(IncompletePaginationError, match=r"read 4 records but .* declared 10"):
        read_all(make_client, server, NextLinkPaginator(), "/v3/x")


def test_next_link_repeating_raises(make_client) -> None:
    server = Server(_linked({"1": "?page=2", "2": "?page=2"}, 100))
    with pytest.raises(IncompletePaginationError, match="twice") as info:
        read_all(make_client, server, NextLinkPaginator(), "/v3/x")
    assert info.value.url == f"{BASE}/v3/x?page=2"
    assert len(server.urls) == 2  # the repeated page is not requested again


# -- cursor (BigCommerce V3 cursor_pagination) ---------------------------------------------------


def _cursored(pages: dict[str | None, tuple[list[Any], str | None]]):
    def answer(request: httpx.Request) -> httpx.Response:
        data, end = pages[request.url.params.get("after")]
        meta = {"cursor_pagination": {"end_cursor": end}}
        return httpx.Response(200, json={"data": data, "meta": meta})

    return answer


def test_cursor_pages_until_empty(make_client) -> None:
    server = Server(
        _cursored({None: (rows(1, 2), "c2"), "c2": (rows(3, 2), "c4"), "c4": ([], "c4")})
    )
    assert len(read_all(make_client, server, CursorPaginator(), "/v3/customers")) == 4
    assert server.param("after") == [None, "c2", "c4"]


def test_cursor_that_does_not_move_raises(make_client) -> None:
    server = Server(_cursored({None: (rows(1, 2), "c2"), "c2": (rows(3, 2), "c2")}))
    with pytest.raises(IncompletePaginationError, match="cursor did not move"):
        read_all(make_client, server, CursorPaginator(), "/v3/customers")


def test_cursor_has_more_without_cursor_raises(make_client) -> None:
    server = Server(lambda r: httpx.Response(200, json={"data": rows(1, 2), "has_more": True}))
    paginator = CursorPaginator(cursor_path="next_cursor", has_more_path="has_more")
    with pytest.raises(IncompletePaginationError, match="no cursor"):
        read_all(make_client, server, paginator, "/items")


def test_cursor_has_more_false_ends(make_client) -> None:
    server = Server(
        lambda r: httpx.Response(
            200, json={"data": rows(1, 2), "next_cursor": "zz", "has_more": False}
        )
    )
    paginator = CursorPaginator(cursor_path="next_cursor", has_more_path="has_more")
    assert len(read_all(make_client, server, paginator, "/items")) == 2


# -- Salesforce nextRecordsUrl -------------------------------------------------------------------


def _soql(pages: dict[str, dict[str, Any]]):
    return lambda request: httpx.Response(200, json=pages[request.url.path])


def test_next_records_url_pages_to_done(make_client) -> None:
    server = Server(
        _soql(
            {
                "/services/data/v59.0/query": {
                    "totalSize": 3,
                    "done": False,
                    "records": rows(1, 2),
                    "nextRecordsUrl": "/services/data/v59.0/query/01g-2",
                },
                "/services/data/v59.0/query/01g-2": {
                    "totalSize": 3,
                    "done": True,
                    "records": rows(3, 1),
                },
            }
        )
    )
    records = read_all(
        make_client,
        server,
        NextRecordsUrlPaginator(),
        "/services/data/v59.0/query",
        {"q": "SELECT Id FROM Account"},
    )
    assert len(records) == 3
    assert server.urls[0].params["q"] == "SELECT Id FROM Account"


def test_next_records_url_missing_while_not_done_raises(make_client) -> None:
    server = Server(_soql({"/q": {"totalSize": 5, "done": False, "records": rows(1, 2)}}))
    with pytest.raises(IncompletePaginationError, match="no nextRecordsUrl"):
        read_all(make_client, server, NextRecordsUrlPaginator(), "/q")


def test_next_records_url_total_size_mismatch_raises(make_client) -> None:
    server = Server(_soql({"/q": {"totalSize": 5, "done": True, "records": rows(1, 2)}}))
    with pytest.raises(IncompletePaginationError, match="declared 5"):
        read_all(make_client, server, NextRecordsUrlPaginator(), "/q")


# -- OData (Dataverse, Sage 300) -----------------------------------------------------------------


def _odata(count_key: str, link_key: str, count: Any, total_rows: int, page: int = 2):
    def answer(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("skip", "0"))
        body: dict[str, Any] = {count_key: count, "value": rows(skip, min(page, total_rows - skip))}
        if skip + page < total_rows:
            body[link_key] = f"{BASE}/api/data/v9.2/accounts?skip={skip + page}"
        return httpx.Response(200, json=body)

    return answer


def test_odata_next_link_with_count(make_client) -> None:
    server = Server(_odata("@odata.count", "@odata.nextLink", 5, 5))
    records = read_all(
        make_client,
        server,
        ODataNextLinkPaginator(),
        "/api/data/v9.2/accounts",
        headers={"Prefer": "odata.maxpagesize=2"},
    )
    assert len(records) == 5
    assert len(server.urls) == 3


def test_odata_count_mismatch_raises(make_client) -> None:
    server = Server(_odata("@odata.count", "@odata.nextLink", 7, 5))
    with pytest.raises(IncompletePaginationError, match="declared 7"):
        read_all(make_client, server, ODataNextLinkPaginator(), "/api/data/v9.2/accounts")


def test_odata_capped_count_is_not_verified(make_client) -> None:
    server = Server(_odata("@odata.count", "@odata.nextLink", 5000, 5))
    assert len(read_all(make_client, server, ODataNextLinkPaginator(), "/accounts")) == 5


def test_odata_sage_style_keys_and_string_count(make_client) -> None:
    server = Server(_odata("odata.count", "odata.nextLink", "5", 5))
    assert len(read_all(make_client, server, ODataNextLinkPaginator(), "/AR/ARCustomers")) == 5
    broken = Server(_odata("odata.count", "odata.nextLink", "9", 5))
    with pytest.raises(IncompletePaginationError):
        read_all(make_client, broken, ODataNextLinkPaginator(), "/AR/ARCustomers")
