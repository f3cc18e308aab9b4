"""The BigCommerce emulator's core over real HTTPS: auth, error shapes, rate limits, seeding,
persistence and business-clock stamps."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest

from sandbox.bigcommerce import OTHER_TOKEN, READ_ONLY_TOKEN, BigCommerceEmulator
from sandbox.bigcommerce.seed_orders import order_id
from sandbox.bigcommerce.seeding import product_id
from sandbox.core import FaultConfig
from sandbox.seed import NOT_COMPLETED, UNKNOWN_SKU, current
from tests.sandbox.bc_helpers import V2, V3, Running, running_fixture

RATE_HEADERS = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Window-Ms",
)


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


def test_missing_or_wrong_token_is_401_in_each_versions_shape(running: Running) -> None:
    with running.client(headers={}) as anon:
        v2 = anon.get(f"{V2}/orders")
        v3 = anon.get(f"{V3}/customers")
    with running.client(headers={"X-Auth-Token": "nope"}) as wrong:
        wrong_v3 = wrong.get(f"{V3}/catalog/products")
    assert v2.status_code == 401
    assert isinstance(v2.json(), list)
    assert v2.json()[0]["status"] == 401
    assert v3.status_code == wrong_v3.status_code == 401
    assert v3.json()["title"].startswith("Unauthorized")
    assert set(v3.json()) == {"status", "title", "type"}
    assert all(h in v2.headers for h in RATE_HEADERS)


def test_read_only_token_cannot_write_and_unknown_store_is_404(running: Running) -> None:
    with running.client(headers={"X-Auth-Token": READ_ONLY_TOKEN}) as ro:
        assert ro.get(f"{V2}/orders/count").status_code == 200
        put = ro.put(f"{V2}/orders/101", json={"status_id": 2})
    assert put.status_code == 403
    assert put.json()[0]["status"] == 403
    with running.client() as api:
        other = api.get("/stores/nosuchstore/v3/customers")
        missing = api.get(f"{V3}/no/such/path")
        bad_id = api.get(f"{V2}/orders/99999")
    assert other.status_code == 404
    assert missing.status_code == 404
    assert missing.json()["status"] == 404
    assert bad_id.status_code == 404
    assert bad_id.json()[0]["status"] == 404


def test_rate_limit_headers_count_down_and_a_real_429(running: Running, api: httpx.Client) -> None:
    first = api.get(f"{V2}/order_statuses")
    second = api.get(f"{V2}/order_statuses")
    assert int(second.headers["X-Rate-Limit-Requests-Left"]) == (
        int(first.headers["X-Rate-Limit-Requests-Left"]) - 1
    )
    assert first.headers["X-Rate-Limit-Requests-Quota"] == "10000"
    admin = running.client(headers={})
    try:
        assert admin.put("/__admin/rate-limit", json={"quota": 3, "window_ms": 60000}).is_success
        statuses = [api.get(f"{V3}/inventory/locations").status_code for _ in range(4)]
        refused = api.get(f"{V3}/inventory/locations")
    finally:
        admin.put("/__admin/rate-limit", json={"quota": 10000, "window_ms": 30000})
        admin.close()
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert refused.headers["X-Rate-Limit-Requests-Quota"] == "3"
    assert 0 < int(refused.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 60000
    assert int(refused.headers["X-Retry-After"]) >= 1


def test_fault_injector_uses_the_same_429(running: Running, api: httpx.Client) -> None:
    running.emu.set_faults(FaultConfig(rate_limit_share=1.0, retry_after_s=2, seed=1))
    try:
        r = api.get(f"{V2}/orders/count")
    finally:
        running.emu.set_faults(FaultConfig())
    assert r.status_code == 429
    assert r.headers["X-Rate-Limit-Time-Reset-Ms"] == "2000"
    assert r.headers["X-Retry-After"] == "2"
    assert all(h in r.headers for h in RATE_HEADERS)


def test_seed_has_the_same_customers_and_catalogue(running: Running, api: httpx.Client) -> None:
    world = running.world
    emails = {current(world, c).email for c in world.customers}
    page = api.get(f"{V3}/customers", params={"limit": 250}).json()
    assert {c["email"] for c in page["data"]} == emails
    sellable = {p.sku for p in world.products if not p.variants} | {
        v.sku for p in world.products for v in p.variants
    }
    variants = api.get(f"{V3}/catalog/variants", params={"limit": 250}).json()
    assert {v["sku"] for v in variants["data"]} == sellable
    products = api.get(f"{V3}/catalog/products", params={"limit": 250}).json()
    assert {p["sku"] for p in products["data"]} == {p.sku for p in world.products}
    sized = next(p for p in world.products if p.variants)
    product = api.get(
        f"{V3}/catalog/products/{product_id(sized.catalog_id)}",
        params={"include": "variants,options"},
    ).json()["data"]
    assert product["inventory_tracking"] == "variant"
    assert product["base_variant_id"] is None
    assert [v["sku"] for v in product["variants"]] == [v.sku for v in sized.variants]
    assert product["options"][0]["display_name"] == "Size"
    assert len(api.get(f"{V3}/inventory/locations").json()["data"]) == 2


def test_seed_orders_keep_defects_and_statuses(running: Running, api: httpx.Client) -> None:
    world = running.world
    abandoned = [o for o in world.orders if o.status_id == NOT_COMPLETED]
    unknown = next(o for o in world.orders if o.defect and "unknown SKU" in o.defect)
    lines = api.get(f"{V2}/orders/{order_id(unknown.order_id)}/products").json()
    assert any(ln["sku"] == UNKNOWN_SKU and ln["product_id"] == 0 for ln in lines)
    no_email = next(o for o in world.orders if o.defect == "missing e-mail")
    got = api.get(f"{V2}/orders/{order_id(no_email.order_id)}").json()
    assert got["billing_address"]["email"] == ""
    incomplete = api.get(f"{V2}/orders", params={"status_id": 0, "limit": 250}).json()
    assert {o["id"] for o in incomplete} == {order_id(o.order_id) for o in abandoned}
    count = api.get(f"{V2}/orders/count").json()
    assert count["count"] == len(world.orders)
    assert next(s for s in count["statuses"] if s["id"] == 0)["count"] == len(abandoned)


def test_dump_and_load_round_trip(running: Running, restore: None) -> None:
    emu = running.emu
    emu.set_price(product_id(1), __import__("decimal").Decimal("99.95"))
    data = json.loads(json.dumps(emu.dump()))
    copy = BigCommerceEmulator(running.world)
    copy.base_url = emu.base_url
    copy.load(data)
    assert copy.records() == emu.records()
    assert copy.state.products[product_id(1)]["price"] == __import__("decimal").Decimal("99.95")


def test_stamps_come_from_the_business_clock(
    running: Running, api: httpx.Client, restore: None
) -> None:
    emu = running.emu
    pinned = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    emu.clock = lambda: pinned
    try:
        r = api.put(f"{V2}/orders/101", json={"status_id": 9})
        customer = api.put(f"{V3}/customers", json=[{"id": 1, "notes": "vip"}]).json()["data"][0]
        with running.client(headers={"X-Auth-Token": OTHER_TOKEN}) as other:
            hook = other.post(
                f"{V3}/hooks",
                json={"scope": "store/order/*", "destination": "https://example.test/h"},
            )
    finally:
        from connectors.clock import utcnow

        emu.clock = utcnow
    assert parsedate_to_datetime(r.json()["date_modified"]) == pinned
    assert dt.datetime.fromisoformat(customer["date_modified"]) == pinned
    assert hook.json()["data"]["created_at"] == int(pinned.timestamp())


def test_merchant_helpers_and_demo_activity(
    running: Running, api: httpx.Client, restore: None
) -> None:
    emu = running.emu
    waiting = [o["id"] for o in api.get(f"{V2}/orders", params={"status_id": 11}).json()]
    before = api.get(f"{V3}/customers", params={"id:in": "1", "include": "addresses"}).json()
    done = emu.demo_activity()
    assert done == [
        f"store shipped order {waiting[0]}",
        f"store shipped order {waiting[1]}",
        "store customer 1 moved",
    ]
    for oid in waiting[:2]:
        shipped = api.get(f"{V2}/orders/{oid}").json()
        assert shipped["status_id"] == 2
        assert shipped["items_shipped"] == shipped["items_total"]
    after = api.get(f"{V3}/customers", params={"id:in": "1", "include": "addresses"}).json()
    assert after["data"][0]["addresses"][0]["address1"] == "9 Harbour Road"
    assert after["data"][0]["date_modified"] > before["data"][0]["date_modified"]
    customer = running.world.customers[2]
    simple = next(p for p in running.world.products if not p.variants)
    new_id = emu.place_order(customer, [(simple.sku, 2)])
    placed = api.get(f"{V2}/orders/{new_id}/products").json()
    assert [(ln["sku"], ln["quantity"]) for ln in placed] == [(simple.sku, 2)]
    emu.set_stock(simple.sku, 17, location_id=2)
    item = api.get(f"{V3}/inventory/items", params={"sku:in": simple.sku}).json()["data"][0]
    assert {loc["location_id"]: loc["total_inventory_onhand"] for loc in item["locations"]}[2] == 17
    emu.touch_order(new_id, status_id=5)
    assert api.get(f"{V2}/orders/{new_id}").json()["status"] == "Cancelled"
