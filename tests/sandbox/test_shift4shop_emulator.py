"""The Shift4Shop (3dcart) REST API v1 emulator, driven over real HTTPS through `Sandbox`.

The world is anchored on 2026-11-23 so the 90-day order window spans the 2026-11-01 DST change of
America/New_York. Tests that write restore the snapshot taken at start, so the others can compare
with the seed world.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from connectors.clock import utcnow
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED, UNKNOWN_SKU, SeedConfig, SeedWorld, current
from sandbox.shift4shop import Shift4ShopEmulator
from sandbox.shift4shop.emulator import PRIVATE_KEY, SECURE_URL, TOKEN
from sandbox.shift4shop.query import OFFSET_MESSAGE

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
DST_END = dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC)  # 02:00 EDT -> 01:00 EST
NY = ZoneInfo("America/New_York")
AUTH = {"SecureURL": SECURE_URL, "PrivateKey": PRIVATE_KEY, "Token": TOKEN}
ORDERS = "/3dCartWebAPI/v1/Orders"
# Top-level keys of samples/orders_get_list_response.redacted.json (the live 2015 capture).
# fmt: off
SAMPLE_ORDER_KEYS = [
    "InvoiceNumberPrefix", "InvoiceNumber", "OrderID", "CustomerID", "OrderDate", "OrderStatusID",
    "LastUpdate", "UserID", "SalesPerson", "ContinueURL", "BillingFirstName", "BillingLastName",
    "BillingCompany", "BillingAddress", "BillingAddress2", "BillingCity", "BillingState",
    "BillingZipCode", "BillingCountry", "BillingPhoneNumber", "BillingEmail",
    "BillingPaymentMethod", "BillingOnLinePayment", "BillingPaymentMethodID", "ShipmentList",
    "OrderItemList", "OrderDiscount", "SalesTax", "SalesTax2", "SalesTax3", "OrderAmount",
    "AffiliateCommission", "TransactionList", "CardType", "CardNumber", "CardName",
    "CardExpirationMonth", "CardExpirationYear", "CardIssueNumber", "CardStartMonth",
    "CardStartYear", "CardAddress", "CardVerification", "RewardPoints", "QuestionList", "Referer",
    "IP", "CustomerComments", "InternalComments", "ExternalComments",
]
# fmt: on
# Newer than the 2015 capture: the schema's promotion keys, in the schema's order.
SCHEMA_ORDER_KEYS = ["PromotionList", "OrderDiscountCoupon", "OrderDiscountPromotion"]
ORDER_KEYS = [
    *SAMPLE_ORDER_KEYS[:26],
    "PromotionList",
    "OrderDiscount",
    *SCHEMA_ORDER_KEYS[1:],
    *SAMPLE_ORDER_KEYS[27:],
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(
        tmp_path_factory.mktemp("s4s"), systems=["shift4shop"], seed=SeedConfig(anchor=ANCHOR)
    )
    with sb:
        yield sb


@pytest.fixture(scope="module")
def emu(sandbox: Sandbox) -> Shift4ShopEmulator:
    emulator = sandbox.emulator("shift4shop")
    assert isinstance(emulator, Shift4ShopEmulator)
    return emulator


@pytest.fixture(scope="module")
def world(sandbox: Sandbox) -> SeedWorld:
    return sandbox.world


@pytest.fixture(scope="module")
def api(sandbox: Sandbox, emu: Shift4ShopEmulator) -> Iterator[httpx.Client]:
    base = f"{sandbox.urls['shift4shop']}/3dCartWebAPI/v1"
    with httpx.Client(base_url=base, headers=AUTH, verify=trust(sandbox)) as client:
        yield client


@pytest.fixture(scope="module")
def admin(sandbox: Sandbox) -> Iterator[httpx.Client]:
    base = f"{sandbox.urls['shift4shop']}/__admin"
    with httpx.Client(base_url=base, verify=trust(sandbox)) as client:
        yield client


@pytest.fixture
def restore(emu: Shift4ShopEmulator) -> Iterator[None]:
    snapshot = emu.dump()
    yield
    emu.load(snapshot)


@pytest.fixture
def faults(admin: httpx.Client) -> Iterator[httpx.Client]:
    yield admin
    admin.put("/faults", json={}).raise_for_status()


def trust(sb: Sandbox) -> ssl.SSLContext:
    """Trust the sandbox CA (only)."""
    return ssl.create_default_context(cafile=str(sb.tls.ca_cert))


def fetch_all(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Page with limit=100 and offsets 1, 101, ... until the documented 404."""
    rows: list[dict[str, Any]] = []
    while True:
        r = api.get("/Orders", params={**params, "limit": 100, "offset": len(rows) + 1})
        if r.status_code == 404:
            return rows
        assert r.status_code == 200, r.text
        assert r.json(), "an empty 200 page would page forever"
        rows.extend(r.json())


def local(value: dt.datetime, fmt: str = "%m/%d/%Y %H:%M:%S") -> str:
    return value.astimezone(NY).strftime(fmt)


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["OrderID"] for row in rows]


def test_auth_headers_are_required(sandbox: Sandbox, api: httpx.Client) -> None:
    url = f"{api.base_url}Orders"
    bad = [{}, {**AUTH, "Token": "nope"}, {**AUTH, "PrivateKey": "nope"}]
    bad.append({**AUTH, "SecureURL": "https://other-store.3dcartstores.com"})
    for headers in bad:
        r = httpx.get(url, headers=headers, verify=trust(sandbox))
        assert r.status_code == 401
        assert r.json()[0]["Key"] == "Error"
        assert r.json()[0]["Message"]


@pytest.mark.parametrize(
    "secure_url",
    ["sandbox-store.3dcartstores.com", "http://www.SANDBOX-store.3dcartstores.com/", SECURE_URL],
)
def test_lowercase_headers_and_lenient_secure_url(sandbox: Sandbox, secure_url: str) -> None:
    headers = {"secureurl": secure_url, "privatekey": PRIVATE_KEY, "token": TOKEN}
    url = f"{sandbox.urls['shift4shop']}{ORDERS}/1001"
    r = httpx.get(url, headers=headers, verify=trust(sandbox))
    assert r.status_code == 200, r.text


def test_paging_reads_every_order_exactly_once(api: httpx.Client, world: SeedWorld) -> None:
    rows = fetch_all(api)
    assert ids(rows) == sorted(o.order_id for o in world.orders)
    assert len(rows) == 525
    r = api.get("/Orders", params={"limit": 100, "offset": 601})
    assert r.status_code == 404
    assert r.json() == [{"Key": "Error", "Message": OFFSET_MESSAGE}]
    assert len(api.get("/Orders").json()) == 10  # default limit


def test_countonly_and_limit(api: httpx.Client, emu: Shift4ShopEmulator) -> None:
    assert api.get("/Orders", params={"countonly": 1}).json() == {"TotalCount": 525}
    assert api.get("/Orders", params={"countonly": 1, "orderstatus": 7}).json() == {"TotalCount": 5}
    assert len(api.get("/Orders", params={"limit": 300}).json()) == 300
    r = api.get("/Orders", params={"limit": 301})
    assert r.status_code == 400
    assert "limit" in r.json()[0]["Message"]
    emu.max_limit = 50
    try:
        assert api.get("/Orders", params={"limit": 51}).status_code == 400
    finally:
        emu.max_limit = 300


def test_order_dates_are_store_local_across_dst(api: httpx.Client, world: SeedWorld) -> None:
    before = max((o for o in world.orders if o.order_date < DST_END), key=lambda o: o.order_date)
    after = min((o for o in world.orders if o.order_date >= DST_END), key=lambda o: o.order_date)
    for order, hours in ((before, 4), (after, 5)):
        body = api.get(f"/Orders/{order.order_id}").json()
        wall = (order.order_date - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")
        assert body[0]["OrderDate"] == wall == local(order.order_date, "%Y-%m-%dT%H:%M:%S")


def test_lastupdate_full_timestamps_filter_exactly(api: httpx.Client, world: SeedWorld) -> None:
    same = world.orders[100].last_update  # three orders share this second
    rows = fetch_all(api, lastupdatestart=local(same), lastupdateend=local(same))
    expected = [o.order_id for o in world.orders if o.last_update == same]
    assert ids(rows) == expected
    assert len(expected) >= 3
    start, end = same - dt.timedelta(hours=30), same + dt.timedelta(hours=7)
    rows = fetch_all(api, lastupdatestart=local(start), lastupdateend=local(end))
    expected = sorted(o.order_id for o in world.orders if start <= o.last_update <= end)
    assert ids(rows) == expected
    assert len(expected) > 3


def test_date_only_end_excludes_that_day(api: httpx.Client, world: SeedWorld) -> None:
    day = world.orders[100].last_update.astimezone(NY).date()
    fmt = "%m/%d/%Y"
    rows = fetch_all(
        api,
        lastupdatestart=(day - dt.timedelta(days=1)).strftime(fmt),
        lastupdateend=day.strftime(fmt),
    )
    expected = [
        o.order_id
        for o in sorted(world.orders, key=lambda o: o.order_id)
        if o.last_update.astimezone(NY).date() == day - dt.timedelta(days=1)
    ]
    assert ids(rows) == expected
    assert expected
    rows = fetch_all(api, datestart=day.strftime(fmt), dateend=day.strftime(fmt))
    assert rows == []


@pytest.mark.parametrize("name", ["datestart", "dateend", "lastupdatestart", "lastupdateend"])
def test_bad_date_is_400_naming_the_parameter(api: httpx.Client, name: str) -> None:
    r = api.get("/Orders", params={name: "2026-11-01"})
    assert r.status_code == 400
    assert name in r.json()[0]["Message"]


def test_orderstatus_filter_and_not_completed(api: httpx.Client, world: SeedWorld) -> None:
    shipped = fetch_all(api, orderstatus=4)
    assert ids(shipped) == sorted(o.order_id for o in world.orders if o.status_id == 4)
    assert {row["OrderStatusID"] for row in shipped} == {4}
    abandoned = ids(fetch_all(api, orderstatus=7))
    assert abandoned == [o.order_id for o in world.orders if o.status_id == NOT_COMPLETED]
    assert len(abandoned) == 5
    statuses = api.get("/OrderStatus").json()
    assert {s["OrderStatusID"]: s["StatusText"] for s in statuses}[7] == "Not Completed"


def test_single_order_is_a_one_element_array_shaped_like_the_capture(
    api: httpx.Client, world: SeedWorld
) -> None:
    order = next(
        o
        for o in world.orders
        if o.status_id == 4 and [t.kind for t in o.transactions] == ["Sale"] and o.shipments
    )
    body = api.get(f"/Orders/{order.order_id}").json()
    assert isinstance(body, list)
    assert len(body) == 1
    row = body[0]
    assert list(row) == ORDER_KEYS
    assert [k for k in row if k in SAMPLE_ORDER_KEYS] == SAMPLE_ORDER_KEYS
    assert row["CustomerID"] == order.customer.customer_id
    assert row["OrderAmount"] == float(order.total)
    assert row["SalesTax"] == float(order.tax)
    shipment = row["ShipmentList"][0]
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", shipment["ShipmentShippedDate"])
    assert shipment["ShipmentTrackingCode"] == order.shipments[0].tracking == order.tracking
    assert row["TransactionList"][0]["TransactionType"] == "Sale"
    assert row["TransactionList"][0]["TransactionAmount"] == float(order.total)
    for sub, key in (("Items", "OrderItemList"), ("Shipments", "ShipmentList")):
        assert api.get(f"/Orders/{order.order_id}/{sub}").json() == row[key]
    unpaid = next(o for o in world.orders if not o.transactions)
    assert api.get(f"/Orders/{unpaid.order_id}/Transactions").status_code == 404


def test_not_found_body_shape(api: httpx.Client) -> None:
    r = api.get("/Orders/999999")
    assert r.status_code == 404
    assert r.json() == [{"Key": "Error", "Message": "No orders found"}]
    r = api.get("/Orders", params={"billingemail": "nobody@example.org"})
    assert r.status_code == 404
    assert r.json()[0]["Key"] == "Error"


@pytest.mark.usefixtures("restore")
def test_put_changes_status_and_last_update(api: httpx.Client, world: SeedWorld) -> None:
    order = next(o for o in world.orders if o.status_id == 2 and o.shipments)
    assert all(s.shipped_at is None for s in order.shipments)
    before = utcnow().replace(microsecond=0)
    r = api.put(f"/Orders/{order.order_id}", json={"OrderStatusID": 4})
    assert r.status_code == 200
    written = {"Key": "OrderID", "Value": str(order.order_id), "Status": "200"}
    assert r.json() == [{**written, "Message": "updated successfully"}]
    row = api.get(f"/Orders/{order.order_id}").json()[0]
    assert row["OrderStatusID"] == 4
    today = local(utcnow(), "%m/%d/%Y")
    assert {s["ShipmentShippedDate"] for s in row["ShipmentList"]} == {today}
    assert {s["ShipmentOrderStatus"] for s in row["ShipmentList"]} == {4}
    assert row["LastUpdate"] >= local(before, "%Y-%m-%dT%H:%M:%S")
    assert order.order_id in ids(fetch_all(api, lastupdatestart=local(before)))
    r = api.put(f"/Orders/{order.order_id}", json=[{"InternalComments": "synced"}])
    assert r.status_code == 200
    assert api.get(f"/Orders/{order.order_id}").json()[0]["InternalComments"] == "synced"
    assert api.put("/Orders/999999", json={"OrderStatusID": 4}).status_code == 404
    assert api.put(f"/Orders/{order.order_id}", json={"OrderStatusID": 99}).status_code == 400


@pytest.mark.usefixtures("restore")
def test_batch_put_reports_each_item_inside_a_200(api: httpx.Client) -> None:
    body = [
        {"OrderID": 1001, "OrderStatusID": 5, "InternalComments": "cancelled"},
        {"OrderID": 999999, "OrderStatusID": 5},
        {"OrderID": 1002, "OrderStatusID": 99},
    ]
    r = api.put("/Orders", json=body)
    assert r.status_code == 200
    assert [(e["Key"], e["Value"], e["Status"]) for e in r.json()] == [
        ("OrderID", "1001", "200"),
        ("OrderID", "999999", "404"),
        ("OrderID", "1002", "400"),
    ]
    assert api.get("/Orders/1001").json()[0]["OrderStatusID"] == 5


def test_rate_limit_and_server_error_faults(api: httpx.Client, faults: httpx.Client) -> None:
    faults.post("/counts/reset").raise_for_status()
    faults.put("/faults", json={"rate_limit_share": 1, "retry_after_s": 2.5}).raise_for_status()
    r = api.get("/Orders")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.json()[0]["Key"] == "Error"
    faults.put("/faults", json={"server_error_share": 1, "after_apply_share": 0})
    r = api.get("/Orders")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text
    assert faults.get("/counts").json()["faults"] == {"rate_limited": 1, "server_error": 1}


def test_counts_per_endpoint_template(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("/counts/reset").raise_for_status()
    api.get("/Orders")
    api.get("/Orders", params={"offset": 11})
    api.get("/Orders/1001")
    api.get("/Orders/1002/Items")
    counts = admin.get("/counts").json()["by_endpoint"]
    assert counts == {
        f"GET {ORDERS}": 2,
        f"GET {ORDERS}/{{orderid}}": 1,
        f"GET {ORDERS}/{{orderid}}/Items": 1,
    }


def test_dump_load_round_trip(world: SeedWorld) -> None:
    first = Shift4ShopEmulator(world)
    first.touch_order(1003, status_id=6)
    first.update_order(1004, {"InternalComments": "note"})
    data = json.loads(json.dumps(first.dump()))
    second = Shift4ShopEmulator(world)
    assert second.dump() != data
    second.load(data)
    assert second.dump() == first.dump()
    assert second.records() == first.records()


def test_persisted_sandbox_resumes(tmp_path: Path) -> None:
    seed = SeedConfig(anchor=ANCHOR)
    with Sandbox(tmp_path, systems=["shift4shop"], seed=seed, persist=True) as sb:
        emulator = sb.emulator("shift4shop")
        assert isinstance(emulator, Shift4ShopEmulator)
        emulator.touch_order(1005, status_id=12)
    with Sandbox(tmp_path, systems=["shift4shop"], seed=seed, persist=True) as sb:
        base = f"{sb.urls['shift4shop']}{ORDERS}/1005"
        r = httpx.get(base, headers=AUTH, verify=trust(sb))
        assert r.json()[0]["OrderStatusID"] == 12


def test_seeded_defects_are_visible(api: httpx.Client, world: SeedWorld) -> None:
    rows = {row["OrderID"]: row for row in fetch_all(api)}
    by_defect = {o.order_id: o.defect for o in world.defective()}
    no_email = [i for i, row in rows.items() if row["BillingEmail"] == ""]
    assert no_email
    assert all(by_defect[i] == "missing e-mail" for i in no_email)
    lines = [(i, item) for i, row in rows.items() for item in row["OrderItemList"]]
    assert {i for i, item in lines if item["ItemQuantity"] == 0} == {
        i for i, d in by_defect.items() if d == "zero quantity"
    }
    assert {i for i, item in lines if item["ItemID"] == UNKNOWN_SKU} == {
        i for i, d in by_defect.items() if d == f"unknown SKU {UNKNOWN_SKU}"
    }


def test_customers_and_products(api: httpx.Client, world: SeedWorld) -> None:
    assert api.get("/Customers", params={"countonly": 1}).json() == {"TotalCount": 200}
    customer = current(world, world.customers[4])
    rows = api.get("/Customers", params={"email": customer.email.upper()}).json()
    assert [r["CustomerID"] for r in rows] == [customer.customer_id]
    assert rows[0]["BillingAddress1"] == customer.address
    assert "BillingAddress" not in rows[0]
    assert api.get(f"/Customers/{customer.customer_id}").json() == rows
    product = world.products[6]
    rows = api.get("/Products", params={"sku": product.sku}).json()
    assert rows[0]["SKUInfo"]["CatalogID"] == product.catalog_id
    assert rows[0]["SKUInfo"]["Price"] == float(product.price)
    assert api.get(f"/Products/{product.catalog_id}").json() == rows
    skus = api.get("/Products/skuinfo", params={"limit": 200}).json()
    assert [s["SKU"] for s in skus] == [p.sku for p in world.products]
    assert api.get("/Products", params={"sku": UNKNOWN_SKU}).status_code == 404


def test_env_points_at_the_emulator(sandbox: Sandbox) -> None:
    env = sandbox.env()
    assert env["STOREBRIDGE_SHIFT4SHOP_BASE_URL"] == f"{sandbox.urls['shift4shop']}/3dCartWebAPI/v1"
    assert env["STOREBRIDGE_SHIFT4SHOP_TOKEN"] == TOKEN
    assert env["STOREBRIDGE_SHIFT4SHOP_STORE_TIMEZONE"] == "America/New_York"
    assert Path(env["STOREBRIDGE_SHIFT4SHOP_CA_BUNDLE"]) == sandbox.tls.ca_cert
