"""V2 orders of the BigCommerce emulator over HTTPS: filters, paging, 204s, consignments,
shipments and statuses, transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import pytest

from sandbox.bigcommerce.seed_orders import order_id
from tests.sandbox.bc_helpers import V2, V3, Running, decimal_json, running_fixture


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def api(running: Running) -> Iterator[httpx.Client]:
    with running.client() as client:
        yield client


@pytest.fixture
def restore(running: Running) -> Iterator[None]:
    snapshot = running.emu.dump()
    yield
    running.emu.load(snapshot)


def _all(api: httpx.Client, **params: str | int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        r = api.get(f"{V2}/orders", params={**params, "page": page, "limit": 250})
        if r.status_code == 204:
            assert r.content == b""
            return rows
        rows += r.json()
        page += 1


def test_empty_and_past_the_end_are_204_with_no_body(api: httpx.Client, running: Running) -> None:
    listed = [o for o in running.world.orders if o.status_id != 7]
    pages = -(-len(listed) // 250)
    past = api.get(f"{V2}/orders", params={"page": pages + 1, "limit": 250})
    future = api.get(f"{V2}/orders", params={"min_date_modified": "2040-01-01T00:00:00Z"})
    assert past.status_code == future.status_code == 204
    assert past.content == future.content == b""
    assert len(_all(api)) == len(listed)


def test_date_filters_filter_in_both_formats(api: httpx.Client, running: Running) -> None:
    since = running.world.anchor - dt.timedelta(days=10)
    until = running.world.anchor - dt.timedelta(days=3)
    expected = {
        order_id(o.order_id)
        for o in running.world.orders
        if o.status_id != 7 and since <= o.last_update <= until
    }
    iso = _all(api, min_date_modified=since.isoformat(), max_date_modified=until.isoformat())
    rfc = _all(
        api,
        min_date_modified=format_datetime(since.astimezone(dt.timezone(dt.timedelta(hours=-4)))),
        max_date_modified=format_datetime(until),
    )
    assert 0 < len(expected) < len(running.world.orders) - 10
    assert {o["id"] for o in iso} == {o["id"] for o in rfc} == expected


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-45", "Thu, 99 Foo 2026"])
def test_a_malformed_date_is_an_error_never_all_orders(api: httpx.Client, bad: str) -> None:
    r = api.get(f"{V2}/orders", params={"min_date_modified": bad})
    assert r.status_code == 400
    assert r.json()[0]["status"] == 400
    assert "min_date_modified" in r.json()[0]["message"]


def test_paging_sorting_and_limits(api: httpx.Client) -> None:
    first = api.get(f"{V2}/orders", params={"limit": 5, "sort": "date_modified:asc"}).json()
    second = api.get(
        f"{V2}/orders", params={"limit": 5, "page": 2, "sort": "date_modified:asc"}
    ).json()
    stamps = [parsedate_to_datetime(o["date_modified"]) for o in first + second]
    assert stamps == sorted(stamps)
    assert len({o["id"] for o in first + second}) == 10
    default = api.get(f"{V2}/orders").json()
    assert len(default) == 50
    assert [o["id"] for o in default] == sorted(o["id"] for o in default)
    assert api.get(f"{V2}/orders", params={"limit": 251}).status_code == 400
    desc = api.get(f"{V2}/orders", params={"sort": "id:desc", "limit": 3}).json()
    assert desc[0]["id"] > desc[1]["id"] > desc[2]["id"]


def test_filters_on_ids_customer_and_email(api: httpx.Client, running: Running) -> None:
    rows = _all(api, min_id=150, max_id=160)
    assert {o["id"] for o in rows} <= set(range(150, 161))
    assert rows
    buyer = next(o for o in running.world.orders if o.customer.customer_id and o.status_id != 7)
    by_customer = _all(api, customer_id=buyer.customer.customer_id)
    assert by_customer
    assert all(o["customer_id"] == buyer.customer.customer_id for o in by_customer)
    by_email = _all(api, email=buyer.customer.email.upper())
    assert order_id(buyer.order_id) in {o["id"] for o in by_email}


def test_consignments_embed_ship_tos_and_lines(api: httpx.Client, running: Running) -> None:
    split = next(o for o in running.world.orders if len(o.shipments) == 2 and o.status_id != 7)
    oid = order_id(split.order_id)
    params: dict[str, str | int] = {
        "min_id": oid,
        "max_id": oid,
        "include": "consignments.line_items",
        "consignment_structure": "object",
    }
    (order,) = api.get(f"{V2}/orders", params=params).json()
    shipping = order["consignments"]["shipping"]
    assert len(shipping) == 2
    lines = [ln for c in shipping for ln in c["line_items"]]
    assert sorted(ln["sku"] for ln in lines) == sorted(ln.sku for ln in split.lines)
    assert all(ln["order_address_id"] == c["id"] for c in shipping for ln in c["line_items"])
    plain = api.get(f"{V2}/orders/{oid}").json()
    assert set(plain["consignments"]) == {"url", "resource"}
    addresses = api.get(f"{V2}/orders/{oid}/shipping_addresses").json()
    assert [a["id"] for a in addresses] == [c["id"] for c in shipping]


def test_money_is_strings_and_totals_add_up(api: httpx.Client, running: Running) -> None:
    seed = next(o for o in running.world.orders if o.coupon and o.status_id != 7)
    order = api.get(f"{V2}/orders/{order_id(seed.order_id)}").json()
    assert isinstance(order["total_inc_tax"], str)
    assert order["total_inc_tax"].count(".") == 1
    assert len(order["total_inc_tax"].split(".")[1]) == 4
    from decimal import Decimal

    assert Decimal(order["total_inc_tax"]) == seed.total
    coupons = api.get(f"{V2}/orders/{order_id(seed.order_id)}/coupons").json()
    assert coupons[0]["code"] == seed.coupon


def test_shipments_move_status_partial_then_shipped(
    api: httpx.Client, running: Running, restore: None
) -> None:
    seed = next(o for o in running.world.orders if o.status_id == 2 and len(o.lines) >= 2)
    oid = order_id(seed.order_id)
    assert api.get(f"{V2}/orders/{oid}/shipments").status_code == 204
    lines = api.get(f"{V2}/orders/{oid}/products").json()
    first = {
        "order_address_id": lines[0]["order_address_id"],
        "tracking_number": "1Z999",
        "shipping_provider": "ups",
        "items": [{"order_product_id": lines[0]["id"], "quantity": lines[0]["quantity"]}],
    }
    created = api.post(f"{V2}/orders/{oid}/shipments", json=first)
    assert created.status_code == 201
    assert created.json()["tracking_number"] == "1Z999"
    partial = api.get(f"{V2}/orders/{oid}").json()
    assert partial["status_id"] == 3
    assert partial["items_shipped"] == lines[0]["quantity"]
    assert partial["date_shipped"] != ""
    for ln in lines[1:]:
        body = {
            "order_address_id": ln["order_address_id"],
            "items": [{"order_product_id": ln["id"], "quantity": ln["quantity"]}],
        }
        assert api.post(f"{V2}/orders/{oid}/shipments", json=body).status_code == 201
    done = api.get(f"{V2}/orders/{oid}").json()
    assert done["status_id"] == 2
    assert done["items_shipped"] == done["items_total"]
    assert api.get(f"{V2}/orders/{oid}/shipments/count").json()["count"] == len(lines)
    again = api.post(f"{V2}/orders/{oid}/shipments", json=first)
    assert again.status_code == 400
    assert "quantity" in again.json()[0]["message"]
    sid = created.json()["id"]
    put = api.put(f"{V2}/orders/{oid}/shipments/{sid}", json={"tracking_number": "1Z000"})
    assert put.json()["tracking_number"] == "1Z000"
    shipped = api.get(f"{V2}/orders/{oid}/products").json()
    assert all(ln["quantity_shipped"] == ln["quantity"] for ln in shipped)


def test_put_status_and_statuses_list(api: httpx.Client, restore: None) -> None:
    r = api.put(f"{V2}/orders/101", json={"status_id": 10})
    assert r.status_code == 200
    assert r.json()["status"] == "Completed"
    assert api.put(f"{V2}/orders/101", json={"status_id": 99}).status_code == 400
    statuses = api.get(f"{V2}/order_statuses").json()
    assert [s["id"] for s in statuses] == list(range(15))


def test_transactions_are_v3_with_decimal_amounts(api: httpx.Client, running: Running) -> None:
    paid = next(o for o in running.world.orders if o.transactions and o.status_id != 7)
    body = decimal_json(api.get(f"{V3}/orders/{order_id(paid.order_id)}/transactions"))
    assert [t["amount"] for t in body["data"]] == [t.amount for t in paid.transactions]
    unpaid = next(o for o in running.world.orders if not o.transactions)
    assert api.get(f"{V3}/orders/{order_id(unpaid.order_id)}/transactions").status_code == 204
