"""BigCommerce client over `httpx.MockTransport`: fakes built from the official samples.

Paging (V2 204 = end, a short page is not; V3 `meta.pagination`), the calls an order costs,
413 halving, 422 bodies naming the item and field, 429 waits from the rate-limit headers,
pacing, and the error rows. Nothing sleeps: waits are recorded.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings
from connectors.bigcommerce.base import rfc2822
from connectors.http import ApiUsage, AuthError, ConfigError, IncompletePaginationError, RecordError
from connectors.settings import load_settings
from tests.connectors.contract import FakeSleep

# The official samples, copied into the repository (tests/fixtures/bigcommerce/SOURCE.md).
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "bigcommerce" / "samples"
ROOT = "/stores/abc123"
Handler = Callable[[httpx.Request], httpx.Response]


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


class Store:
    """A recording fake: `routes` maps (method, path) to a handler; every request is kept."""

    def __init__(self, routes: dict[tuple[str, str], Handler]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(ROOT)
        handler = self.routes.get((request.method, path))
        if handler is None:
            return httpx.Response(404, json=[{"status": 404, "message": "not found"}])
        return handler(request)

    def paths(self) -> list[str]:
        return [r.url.path.removeprefix(ROOT) for r in self.requests]


def make_client(
    store: Store, sleep: FakeSleep | None = None, **overrides: Any
) -> BigCommerceClient:
    settings = load_settings(
        BigCommerceSettings,
        base_url="https://bc.test",
        store_hash="abc123",
        access_token="sbx-token",
        **overrides,
    )
    return BigCommerceClient(
        settings,
        transport=httpx.MockTransport(store),
        sleep=sleep or FakeSleep(),
        usage=ApiUsage("bigcommerce"),  # its own counters, not the process-wide ones
    )


def order_row(oid: int, modified: dt.datetime, **fields: Any) -> dict[str, Any]:
    """The official list sample, re-numbered, with lines embedded as consignments."""
    row = copy.deepcopy(sample("v2_orders_list.json")[0])
    lines = copy.deepcopy(sample("v2_order_products_list.json"))
    for line in lines:
        line["order_id"] = oid
    ship_to = copy.deepcopy(sample("v2_order_shipping_addresses_list.json")[0])
    ship_to["line_items"] = lines
    row.update(
        id=oid,
        date_modified=rfc2822(modified),
        payment_status="",
        consignments={"pickups": [], "shipping": [ship_to], "downloads": [], "email": {}},
    )
    row.update(fields)
    return row


T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
WINDOW = (T0, T0 + dt.timedelta(days=1))


# --- V2 orders ------------------------------------------------------------------------------
def test_v2_pages_until_204_and_a_short_page_is_not_the_end() -> None:
    rows = [order_row(100 + i, T0 + dt.timedelta(minutes=i)) for i in range(3)]

    def orders(request: httpx.Request) -> httpx.Response:
        q = query(request)
        page, limit = int(q["page"]), int(q["limit"])
        chunk = rows[(page - 1) * limit : page * limit]
        if page == 1:
            chunk = chunk[:1]  # a short first page: the API never said it was the last
        elif page == 2:
            chunk = rows[1:]
        return httpx.Response(200, json=chunk) if chunk else httpx.Response(204)

    store = Store({("GET", "/v2/orders"): orders})
    client = make_client(store, orders_page_size=2)
    ids: list[int] = []
    cursor: Any = None
    while True:
        page = client.orders_page(*WINDOW, cursor)
        assert not page.failures
        ids += [o.id for o in page.records]
        cursor = page.next
        if cursor is None:
            break
    assert ids == [100, 101, 102]
    assert store.paths() == ["/v2/orders"] * 3  # the third answered 204: the end
    first = query(store.requests[0])
    assert first["min_date_modified"] == "Sun, 01 Nov 2026 10:00:00 +0000"
    assert first["max_date_modified"] == "Mon, 02 Nov 2026 10:00:00 +0000"
    assert first["sort"] == "date_modified:asc"
    assert first["include"] == "consignments.line_items"
    assert first["consignment_structure"] == "object"
    assert all(o.products and o.shipping_addresses for o in client.orders_page(*WINDOW, 2).records)


def test_orders_outside_the_exact_window_and_abandoned_ones_are_dropped() -> None:
    rows = [
        order_row(1, T0 - dt.timedelta(seconds=1)),  # the API filters by second: re-checked
        order_row(2, T0),
        order_row(3, T0 + dt.timedelta(hours=1), status_id=0, status="Incomplete"),
    ]
    store = Store({("GET", "/v2/orders"): lambda r: httpx.Response(200, json=rows)})
    page = make_client(store).orders_page(*WINDOW, None)
    assert [o.id for o in page.records] == [2]
    assert page.next == 2
    store2 = Store({("GET", "/v2/orders"): lambda r: httpx.Response(200, json=rows)})
    kept = make_client(store2).orders_page(*WINDOW, None, include_abandoned=True)
    assert [o.id for o in kept.records] == [2, 3]


def test_an_order_costs_calls_only_for_coupons_and_payments() -> None:
    coupons = [
        {
            "id": 3,
            "coupon_id": 1,
            "order_id": 101,
            "code": "S2549JM0Y",
            "amount": 5,
            "type": 2,
            "discount": Decimal("5"),
        }
    ]
    transactions = {
        "data": [
            {
                "id": 9,
                "order_id": "101",
                "event": "purchase",
                "method": "credit_card",
                "amount": Decimal("361.95"),
                "currency": "USD",
                "gateway": "stripe",
                "gateway_transaction_id": "ch_1",
                "date_created": "2026-11-01T10:01:00+00:00",
                "test": False,
                "status": "ok",
            }
        ],
        "meta": {
            "pagination": {
                "total": 1,
                "count": 1,
                "per_page": 50,
                "current_page": 1,
                "total_pages": 1,
                "links": {"current": "?page=1"},
            }
        },
    }
    rows = [
        order_row(100, T0),  # nothing paid, no coupon: no call of its own
        order_row(101, T0, coupon_discount="5.0000", payment_status="captured"),
        order_row(102, T0, payment_status="captured"),
    ]
    routes: dict[tuple[str, str], Handler] = {
        ("GET", "/v2/orders"): lambda r: httpx.Response(200, json=rows),
        ("GET", "/v2/orders/101/coupons"): lambda r: (
            httpx.Response(200, content=json.dumps(coupons, default=str))
            if query(r)["page"] == "1"
            else httpx.Response(204)
        ),
        ("GET", "/v3/orders/101/transactions"): lambda r: httpx.Response(
            200, content=json.dumps(transactions, default=str)
        ),
        ("GET", "/v3/orders/102/transactions"): lambda r: httpx.Response(204),
    }
    store = Store(routes)
    page = make_client(store).orders_page(*WINDOW, None)
    assert not page.failures
    assert sorted(store.paths()) == sorted(
        [
            "/v2/orders",
            "/v2/orders/101/coupons",
            "/v2/orders/101/coupons",  # page 2: 204
            "/v3/orders/101/transactions",
            "/v3/orders/102/transactions",
        ]
    )
    by_id = {o.id: o for o in page.records}
    assert by_id[100].coupons == []
    assert by_id[100].transactions == []
    assert by_id[101].coupons is not None
    assert by_id[101].coupons[0].code == "S2549JM0Y"
    assert by_id[101].transactions is not None
    assert by_id[101].transactions[0].amount == Decimal("361.95")
    assert by_id[102].transactions == []

    cheap = Store(routes)
    page = make_client(cheap, payments_from="order").orders_page(*WINDOW, None)
    assert sorted(cheap.paths()) == ["/v2/orders"] + ["/v2/orders/101/coupons"] * 2
    assert all(o.transactions is None for o in page.records)  # derived from the order


def test_lines_and_ship_tos_are_fetched_when_the_list_does_not_embed_them() -> None:
    row = order_row(229, T0, shipping_address_count=2)  # the declared count ends the read
    row["consignments"] = {"url": "https://x/consignments", "resource": "/orders/229/consignments"}
    store = Store(
        {
            ("GET", "/v2/orders"): lambda r: httpx.Response(200, json=[row]),
            ("GET", "/v2/orders/229/products"): lambda r: (
                httpx.Response(200, json=sample("v2_order_products_list.json"))
                if query(r)["page"] == "1"
                else httpx.Response(204)
            ),
            ("GET", "/v2/orders/229/shipping_addresses"): lambda r: httpx.Response(
                200, json=sample("v2_order_shipping_addresses_list.json")
            ),
        }
    )
    (order,) = make_client(store).orders_page(*WINDOW, None).records
    assert order.products is not None
    assert len(order.products) == len(sample("v2_order_products_list.json"))
    assert order.shipping_addresses is not None
    assert [a.id for a in order.shipping_addresses] == [
        132,
        133,
    ]
    assert store.paths().count("/v2/orders/229/products") == 2  # page 1, then 204
    assert store.paths().count("/v2/orders/229/shipping_addresses") == 1


def test_a_server_ignoring_page_numbers_raises_instead_of_looping() -> None:
    row = order_row(229, T0, coupon_discount="5.0000")
    coupons = [{"id": 3, "code": "SAVE5", "discount": "5.0000"}]
    store = Store(
        {
            ("GET", "/v2/orders"): lambda r: httpx.Response(200, json=[row]),
            ("GET", "/v2/orders/229/coupons"): lambda r: httpx.Response(200, json=coupons),
        }
    )
    with pytest.raises(IncompletePaginationError, match="repeats"):
        make_client(store).orders_page(*WINDOW, None)
    assert store.paths().count("/v2/orders/229/coupons") == 2


def test_unknown_order_ids_are_not_found_failures() -> None:
    found = order_row(218, T0)
    store = Store({("GET", "/v2/orders/218"): lambda r: httpx.Response(200, json=found)})
    page = make_client(store).orders_by_id([218, 999, 218])
    assert [o.id for o in page.records] == [218]
    assert [(f.external_id, f.error_class) for f in page.failures] == [("999", "NotFoundError")]
    assert "bigcommerce:order:999" in page.failures[0].message
    assert store.paths() == ["/v2/orders/218", "/v2/orders/999"]


def test_naive_datetimes_are_refused() -> None:
    store = Store({})
    with pytest.raises(ValueError, match="aware"):
        make_client(store).orders_page(dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 2), None)
    assert store.requests == []


# --- V3 paging --------------------------------------------------------------------------------
def customers_body(ids: list[int], page: int, pages: int, total: int) -> dict[str, Any]:
    rows = []
    for cid in ids:
        row = copy.deepcopy(sample("v3_customers_list.json")["data"][0])
        row.update(id=cid, date_modified="2026-11-01T12:00:00Z")
        rows.append(row)
    return {
        "data": rows,
        "meta": {
            "pagination": {
                "total": total,
                "count": len(rows),
                "per_page": 2,
                "current_page": page,
                "total_pages": pages,
                "links": {"current": f"?page={page}&limit=2"},
            }
        },
    }


def test_v3_pages_follow_meta_pagination() -> None:
    def customers(request: httpx.Request) -> httpx.Response:
        page = int(query(request)["page"])
        ids = {1: [1, 2], 2: [3]}[page]
        return httpx.Response(200, json=customers_body(ids, page, 2, 3))

    store = Store({("GET", "/v3/customers"): customers})
    client = make_client(store, page_size=2)
    first = client.customers_page(*WINDOW, None)
    assert [c.id for c in first.records] == [1, 2]
    assert first.next == 2
    assert first.total == 3
    second = client.customers_page(*WINDOW, first.next)
    assert [c.id for c in second.records] == [3]
    assert second.next is None
    q = query(store.requests[0])
    assert q["date_modified:min"] == "2026-11-01T10:00:00Z"
    assert q["include"] == "addresses"
    assert q["sort"] == "date_modified:asc"


def test_an_empty_v3_page_before_the_declared_last_raises() -> None:
    store = Store(
        {("GET", "/v3/customers"): lambda r: httpx.Response(200, json=customers_body([], 1, 3, 5))}
    )
    with pytest.raises(IncompletePaginationError):
        make_client(store).customers_page(*WINDOW, None)


def test_v3_numbers_are_exact_decimals() -> None:
    body = {
        "data": [{"id": 7, "name": "Mug", "sku": "MUG", "price": 0.1, "variants": []}],
        "meta": {"pagination": {"total": 1, "total_pages": 1, "current_page": 1}},
    }
    answer = httpx.Response(200, content=json.dumps(body))
    store = Store({("GET", "/v3/catalog/products"): lambda r: answer})
    (product,) = make_client(store).products_by_sku(["MUG"])
    assert product.price == Decimal("0.1")
    assert query(store.requests[0])["sku:in"] == "MUG"


# --- batch writes ---------------------------------------------------------------------------
def test_413_halves_the_batch_and_keeps_the_smaller_size() -> None:
    sizes: list[int] = []

    def products(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        sizes.append(len(items))
        if len(items) > 5:
            return httpx.Response(413, json=sample("v3_products_batch_update_413.json"))
        return httpx.Response(200, json={"data": items, "meta": {}})

    store = Store({("PUT", "/v3/catalog/products"): products})
    results = make_client(store).update_products(
        [{"id": i, "price": Decimal("9.50")} for i in range(1, 13)]
    )
    assert [r.id for r in results] == list(range(1, 13))
    assert all(r.ok for r in results)
    assert sizes == [10, 5, 5, 2]  # 413 on 10, its halves, then the rest at the halved size
    assert b'"price": 9.50' in store.requests[1].content  # an exact JSON number


def test_422_naming_an_item_fails_that_item_only() -> None:
    def customers(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        bad = [i for i, c in enumerate(items) if "@" not in c["email"]]
        if bad:
            errors = {f"{i}.email": f"email {items[i]['email']} is not valid" for i in bad}
            return httpx.Response(422, json={"status": 422, "title": "Invalid", "errors": errors})
        data = [{**c, "id": 500 + n} for n, c in enumerate(items)]
        return httpx.Response(200, json={"data": data, "meta": {}})

    store = Store({("POST", "/v3/customers"): customers})
    items = [
        {"email": "a@example.com", "first_name": "A", "last_name": "B"},
        {"email": "not-an-address", "first_name": "C", "last_name": "D"},
        {"email": "e@example.com", "first_name": "E", "last_name": "F"},
    ]
    results = make_client(store).create_customers(items)
    assert [r.ok for r in results] == [True, False, True]
    assert [r.id for r in results] == [500, None, 501]
    bad = results[1]
    assert bad.status == 422
    assert bad.error_class == "RecordError"
    assert "bigcommerce:customer:#1" in bad.message
    assert "email" in bad.message
    assert len(store.requests) == 2  # the batch, then the good items again


def test_422_without_indexes_is_bisected_to_the_refused_item() -> None:
    def customers(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        if any(c["email"].endswith("@taken.example") for c in items):
            return httpx.Response(422, json=sample("v3_customers_create_422.json"))
        return httpx.Response(200, json={"data": [{**c, "id": 1} for c in items], "meta": {}})

    store = Store({("POST", "/v3/customers"): customers})
    items = [{"email": f"p{i}@example.com"} for i in range(4)]
    items[2]["email"] = "dup@taken.example"
    results = make_client(store).create_customers(items)
    assert [r.ok for r in results] == [True, True, False, True]
    assert ".customer_create" in results[2].message
    assert "dup@taken.example" not in results[2].message
    assert "dup" not in results[2].key


# --- rate limits and errors -----------------------------------------------------------------
def test_429_waits_the_reset_header_and_headerless_429_backs_off() -> None:
    answers = [
        httpx.Response(
            429,
            headers={
                "X-Rate-Limit-Time-Reset-Ms": "7000",
                "X-Rate-Limit-Requests-Left": "0",
                "X-Rate-Limit-Requests-Quota": "150",
            },
        ),
        httpx.Response(429),  # load shedding: no headers
        httpx.Response(200, json=[]),
    ]
    store = Store({("GET", "/v2/order_statuses"): lambda r: answers.pop(0)})
    sleep = FakeSleep()
    client = make_client(store, sleep)
    assert client.order_statuses() == []
    assert 7.0 in sleep.waits
    assert len(store.requests) == 3
    assert client.http.usage.rate_limited == 2


def test_pacing_waits_for_the_reset_when_the_window_is_spent() -> None:
    store = Store(
        {
            ("GET", "/v2/order_statuses"): lambda r: httpx.Response(
                200,
                json=sample("v2_order_statuses_list.json"),
                headers={
                    "X-Rate-Limit-Requests-Left": "1",
                    "X-Rate-Limit-Requests-Quota": "150",
                    "X-Rate-Limit-Time-Reset-Ms": "3000",
                },
            )
        }
    )
    sleep = FakeSleep()
    client = make_client(store, sleep)
    statuses = client.order_statuses()
    assert {s.id for s in statuses} >= {0, 1, 2, 11}
    assert not [w for w in sleep.waits if w > 0]
    client.order_statuses()
    assert any(2.5 < w <= 3.0 for w in sleep.waits)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"status": 401, "title": "Unauthorized"}, AuthError),
        (403, [{"status": 403, "message": "You don't have a required scope"}], AuthError),
        (
            409,
            {"status": 409, "title": "The product name is a duplicate", "errors": {}},
            RecordError,
        ),
        (507, {"status": 507, "title": "Plan limit reached"}, ConfigError),
    ],
)
def test_error_rows(status: int, body: Any, error: type[Exception]) -> None:
    store = Store({("POST", "/v3/catalog/products"): lambda r: httpx.Response(status, json=body)})
    with pytest.raises(error) as raised:
        make_client(store).create_product(
            {"name": "Mug", "type": "physical", "weight": 1, "price": 5}
        )
    assert getattr(raised.value, "status", None) == status
    assert len(store.requests) == 1  # none of them is retried


def test_hooks_and_inventory_writes() -> None:
    def hooks(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(200, json={"data": {"id": 18, "client_id": "c", **body}, "meta": {}})

    batches: list[int] = []

    def absolute(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["items"]
        batches.append(len(items))
        return httpx.Response(200, json={"transaction_id": f"t{len(batches)}"})

    store = Store(
        {("POST", "/v3/hooks"): hooks, ("PUT", "/v3/inventory/adjustments/absolute"): absolute}
    )
    client = make_client(store, inventory_batch=3)
    hook = client.create_hook(
        "store/order/*", "https://gw.example/webhooks/bigcommerce/abc123", headers={"X-Custom": "v"}
    )
    assert hook.id == 18
    assert hook.headers == {"X-Custom": "v"}
    assert hook.is_active
    items = [{"location_id": 1, "sku": f"S{i}", "quantity": i} for i in range(7)]
    assert client.adjust_absolute(items, "sync") == "t1,t2,t3"
    assert batches == [3, 3, 1]
