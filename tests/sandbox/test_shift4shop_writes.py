"""Shift4Shop (3dcart) REST API v1 emulator: product, variant and customer writes over HTTPS.

Products, advanced options and customers (ship-tos: `test_shift4shop_shipments.py`):
Key/Value/Status/Message answers, per-item failures inside a 200 for batches, the 100-item limit,
validation errors naming the field, LastUpdate bumps visible through `lastupdatestart`, and
dump/load of everything written. Every writing test restores the snapshot taken before it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from connectors.clock import utcnow
from sandbox.seed import SeedWorld
from sandbox.shift4shop import Shift4ShopEmulator
from tests.sandbox import test_shift4shop_emulator as base
from tests.sandbox.test_shift4shop_emulator import local

# The shared module-scoped fixtures (this module gets its own sandbox).
api = base.api
emu = base.emu
restore = base.restore
sandbox = base.sandbox
world = base.world

pytestmark = pytest.mark.usefixtures("restore")


def results(r: httpx.Response) -> list[tuple[str, str, str]]:
    return [(e["Key"], e["Value"], e["Status"]) for e in r.json()]


def since_now(fmt: str = "%m/%d/%Y %H:%M:%S") -> str:
    """The business clock's "now" as a store-local filter value (or in `fmt`)."""
    return local(utcnow().replace(microsecond=0), fmt)


# --- products ------------------------------------------------------------------------------
def test_batch_product_put_reports_each_item_and_bumps_last_update(api: httpx.Client) -> None:
    since = since_now()
    body = [
        {"SKUInfo": {"CatalogID": 1, "Stock": -3}},
        {"CatalogID": 2, "SKUInfo": {"Price": 9.5, "Cost": "4.25"}},
        {"SKUInfo": {"CatalogID": 9999, "Stock": 1}},
        {"SKUInfo": {"CatalogID": 3, "Price": "abc"}},
        {"SKUInfo": {"Stock": 1}},
        {"SKUInfo": {"CatalogID": 4, "Stock": 1.5}},
    ]
    r = api.put("/Products", json=body)
    assert r.status_code == 200
    assert results(r) == [
        ("CatalogID", "1", "200"),
        ("CatalogID", "2", "200"),
        ("CatalogID", "9999", "404"),
        ("CatalogID", "3", "400"),
        ("CatalogID", "", "400"),
        ("CatalogID", "4", "400"),
    ]
    assert "SKUInfo.Price" in r.json()[3]["Message"]
    assert "SKUInfo.Stock" in r.json()[5]["Message"]
    assert api.get("/Products/1").json()[0]["SKUInfo"]["Stock"] == -3
    sku = api.get("/Products/2").json()[0]["SKUInfo"]
    assert (sku["Price"], sku["Cost"]) == (9.5, 4.25)
    changed = api.get("/Products/skuinfo", params={"lastupdatestart": since}).json()
    assert [p["CatalogID"] for p in changed] == [1, 2]


def test_batch_product_put_limit(api: httpx.Client, world: SeedWorld) -> None:
    body = [{"SKUInfo": {"CatalogID": 1 + i % 100, "Stock": 5}} for i in range(101)]
    r = api.put("/Products", json=body)
    assert r.status_code == 400
    assert r.json() == [{"Key": "Error", "Message": "Maximum of 100 items per request"}]
    assert api.get("/Products/1").json()[0]["SKUInfo"]["Stock"] == world.products[0].stock != 5
    r = api.put("/Products", json=body[:100])
    assert r.status_code == 200
    assert len(r.json()) == 100
    assert api.get("/Products/1").json()[0]["SKUInfo"]["Stock"] == 5


def test_put_one_product_writes_every_writable_field(api: httpx.Client) -> None:
    body: dict[str, Any] = {
        "SKUInfo": {
            "Name": "Renamed",
            "Price": 20,
            "Cost": 8,
            "RetailPrice": 25,
            "SalePrice": 18,
            "Stock": 7,
        },
        "Description": "<p>new</p>" + "x" * 300,
        "ShortDescription": "short",
        "Hide": True,
        "GTIN": "4006381333931",
        "Weight": 0.75,
        "MFGID": "MFG-1",
    }
    r = api.put("/Products/5", json=body)
    assert r.json() == [
        {"Key": "CatalogID", "Value": "5", "Status": "200", "Message": "updated successfully"}
    ]
    row = api.get("/Products/5").json()[0]
    assert {k: row["SKUInfo"][k] for k in body["SKUInfo"]} == body["SKUInfo"]
    top = {k: v for k, v in body.items() if k != "SKUInfo"}
    assert {k: row[k] for k in top} == top
    r = api.put("/Products/5", json={"Hide": "yes"})
    assert r.status_code == 400
    assert "Hide" in r.json()[0]["Message"]
    assert api.put("/Products/99999", json={"Hide": True}).status_code == 404


def test_post_products_creates_with_new_ids_and_unique_skus(
    api: httpx.Client, emu: Shift4ShopEmulator
) -> None:
    body = {
        "SKUInfo": {"SKU": "SB-NEW-001", "Name": "New tee", "Price": 21, "Stock": 3},
        "Description": "<p>new</p>",
        "AdvancedOptionList": [
            {
                "AdvancedOptionSufix": "SB-NEW-001-S",
                "AdvancedOptionName": "Size: S",
                "AdvancedOptionStock": 1,
                "AdvancedOptionPrice": 21,
            },
            {
                "AdvancedOptionCode": "9",
                "AdvancedOptionSufix": "SB-NEW-001-L",
                "AdvancedOptionName": "Size: L",
                "AdvancedOptionStock": -2,
                "AdvancedOptionPrice": 23,
            },
        ],
    }
    r = api.post("/Products", json=body)
    assert r.status_code == 201, r.text
    ((key, value, status),) = results(r)
    assert (key, status, r.json()[0]["Message"]) == ("CatalogID", "201", "Created successfully")
    catalog_id = int(value)
    assert catalog_id > max(p["SKUInfo"]["CatalogID"] for p in emu.records()["Product"][:-1])
    row = api.get(f"/Products/{catalog_id}").json()[0]
    assert row["SKUInfo"]["SKU"] == "SB-NEW-001"
    assert row["SKUInfo"]["Stock"] == 3
    assert [
        (o["AdvancedOptionCode"], o["AdvancedOptionStock"]) for o in row["AdvancedOptionList"]
    ] == [("1", 1), ("9", -2)]
    assert [o["OptionName"] for o in row["OptionSetList"][0]["OptionList"]] == ["S", "L"]
    r = api.post("/Products", json={"SKUInfo": {"SKU": "sb-new-001", "Name": "Dup"}})
    assert r.status_code == 400
    assert r.json() == [{"Key": "Error", "Message": "SKU already exists"}]
    batch = [
        {"SKUInfo": {"SKU": "SB-NEW-002", "Name": "Two"}},
        {"SKUInfo": {"SKU": "SB-NEW-002", "Name": "Two again"}},
        {"SKUInfo": {"Name": "No SKU"}},
    ]
    r = api.post("/Products", json=batch)
    assert r.status_code == 200
    assert [s for _, _, s in results(r)] == ["201", "400", "400"]
    assert r.json()[1]["Message"] == "SKU already exists"
    assert "SKUInfo.SKU" in r.json()[2]["Message"]
    assert int(r.json()[0]["Value"]) == catalog_id + 1


def test_advanced_option_writes(api: httpx.Client, world: SeedWorld) -> None:
    product = next(p for p in world.products if p.variants)
    cid = product.catalog_id
    since = since_now()
    body = [
        {"AdvancedOptionCode": "1", "AdvancedOptionStock": -5},
        {"AdvancedOptionCode": 2, "AdvancedOptionPrice": 31.5, "AdvancedOptionGTIN": "123"},
        {"AdvancedOptionCode": "99", "AdvancedOptionStock": 1},
        {"AdvancedOptionCode": "3", "AdvancedOptionPrice": -1},
        {"AdvancedOptionStock": 1},
    ]
    r = api.put(f"/Products/{cid}/AdvancedOptions", json=body)
    assert r.status_code == 200
    assert results(r) == [
        ("AdvancedOptionCode", "1", "200"),
        ("AdvancedOptionCode", "2", "200"),
        ("AdvancedOptionCode", "99", "404"),
        ("AdvancedOptionCode", "3", "400"),
        ("AdvancedOptionCode", "", "400"),
    ]
    assert "AdvancedOptionPrice" in r.json()[3]["Message"]
    r = api.put(
        f"/Products/{cid}/AdvancedOptions/4",
        json={
            "AdvancedOptionSufix": "SB-ALT-L",
            "AdvancedOptionName": "Size: Large",
            "AdvancedOptionCost": 3,
            "AdvancedOptionWeight": 2,
        },
    )
    assert results(r) == [("AdvancedOptionCode", "4", "200")]
    options = api.get(f"/Products/{cid}/AdvancedOptions").json()
    assert options[0]["AdvancedOptionStock"] == -5
    assert (options[1]["AdvancedOptionPrice"], options[1]["AdvancedOptionGTIN"]) == (31.5, "123")
    assert options[3]["AdvancedOptionSufix"] == "SB-ALT-L"
    assert (options[3]["AdvancedOptionCost"], options[3]["AdvancedOptionWeight"]) == (3, 2)
    row = api.get(f"/Products/{cid}").json()[0]
    assert row["SKUInfo"]["Stock"] == product.stock  # independent of the variants' stock
    changed = api.get("/Products", params={"lastupdatestart": since}).json()
    assert [p["SKUInfo"]["CatalogID"] for p in changed] == [cid]
    assert (
        api.put(f"/Products/{cid}/AdvancedOptions/99", json={"AdvancedOptionStock": 1}).status_code
        == 404
    )
    assert api.put("/Products/99999/AdvancedOptions", json=body[:1]).status_code == 404


# --- customers -----------------------------------------------------------------------------
def test_post_customer_then_read_it_everywhere(api: httpx.Client, emu: Shift4ShopEmulator) -> None:
    body = {
        "Email": "New.Shopper@Example.org",
        "Password": "never-shown",
        "BillingFirstName": "New",
        "BillingLastName": "Shopper",
        "BillingAddress1": "1 Elm St",
        "BillingAddress2": "Apt 2",
        "BillingCity": "Lyon",
        "BillingZipCode": "69002",
        "BillingCountry": "fr",
        "CustomerGroupID": 2,
        "NonTaxable": True,
        "Comments": "from the API",
    }
    r = api.post("/Customers", json=body)
    assert r.status_code == 201, r.text
    ((key, value, status),) = results(r)
    assert (key, status) == ("CustomerID", "201")
    customer_id = int(value)
    assert customer_id == 201
    (row,) = api.get("/Customers", params={"email": "new.shopper@example.org"}).json()
    assert row["CustomerID"] == customer_id
    assert row["BillingCountry"] == "FR"
    assert row["BillingAddress2"] == "Apt 2"
    assert row["NonTaxable"] is True
    assert row["CustomerGroupID"] == 2
    assert row["Password"] == "(redacted)"
    assert row["Enabled"] is True
    assert customer_id in [c["CustomerID"] for c in emu.records()["Customer"]]
    assert customer_id in [c["fields"]["CustomerID"] for c in emu.dump()["customers"]]
    assert api.get("/Customers", params={"countonly": 1}).json() == {"TotalCount": 201}


def test_post_customer_validation(api: httpx.Client, world: SeedWorld) -> None:
    taken = world.customers[0].email.upper()
    r = api.post("/Customers", json={"Email": taken})
    assert r.status_code == 400
    assert "Email" in r.json()[0]["Message"]
    r = api.post("/Customers", json={"BillingFirstName": "No mail"})
    assert r.status_code == 400
    assert "Email" in r.json()[0]["Message"]
    batch = [
        {"Email": "a1@example.org"},
        {"Email": "A1@example.org"},
        {"Email": "not-an-email"},
        {"Email": "b1@example.org", "BillingCountry": "France"},
        {"Email": "c1@example.org", "NonTaxable": "no"},
    ]
    r = api.post("/Customers", json=batch)
    assert r.status_code == 200
    assert [s for _, _, s in results(r)] == ["201", "400", "400", "400", "400"]
    messages = [e["Message"] for e in r.json()]
    assert "Email" in messages[1]
    assert "Email" in messages[2]
    assert "BillingCountry" in messages[3]
    assert "NonTaxable" in messages[4]


def test_put_customers_changes_address_and_bumps_hidden_last_update(
    api: httpx.Client, world: SeedWorld
) -> None:
    since = since_now()
    one, two = world.customers[0].customer_id, world.customers[1].customer_id
    r = api.put(
        f"/Customers/{one}",
        json={"BillingAddress1": "9 Pine St", "ShippingAddress1": "9 Pine St", "Enabled": False},
    )
    assert results(r) == [("CustomerID", str(one), "200")]
    row = api.get(f"/Customers/{one}").json()[0]
    assert (row["BillingAddress1"], row["ShippingAddress1"], row["Enabled"]) == (
        "9 Pine St",
        "9 Pine St",
        False,
    )
    batch = [
        {"CustomerID": two, "AdditionalField1": "vip", "Email": "Changed@example.org"},
        {"CustomerID": 9999, "Comments": "x"},
        {"CustomerID": two, "Email": world.customers[2].email},
        {"CustomerID": two, "BillingAddress": "order-style key only"},
    ]
    r = api.put("/Customers", json=batch)
    assert r.status_code == 200
    assert [s for _, _, s in results(r)] == ["200", "404", "400", "400"]
    assert "Nothing to update" in r.json()[3]["Message"]
    changed = api.get("/Customers", params={"lastupdatestart": since}).json()
    assert [c["CustomerID"] for c in changed] == [one, two]
    assert changed[1]["Email"] == "Changed@example.org"
    assert api.put("/Customers/9999", json={"Comments": "x"}).status_code == 404


def test_customer_paging(api: httpx.Client) -> None:
    first = api.get("/Customers").json()
    assert [c["CustomerID"] for c in first] == list(range(1, 11))
    page = api.get("/Customers", params={"limit": 50, "offset": 51}).json()
    assert [c["CustomerID"] for c in page] == list(range(51, 101))
    assert api.get("/Customers", params={"offset": 201}).status_code == 404


# --- persistence ---------------------------------------------------------------------------
def test_dump_load_round_trip_with_every_kind_of_write(world: SeedWorld) -> None:
    first = Shift4ShopEmulator(world)
    order = next(o for o in world.orders if len(o.shipments) == 2)
    first.update_shipment(
        order.order_id,
        order.shipments[1].shipment_id,
        {"ShipmentTrackingCode": "T", "ShipmentShippedDate": "11/20/2026"},
    )
    first.add_shipment(order.order_id, {"ShipmentCity": "Berlin", "ShipmentCountry": "DE"})
    first.create_customer({"Email": "round@trip.example"})
    first.update_customer(3, {"BillingCity": "Denver"})
    first.create_product(
        {
            "SKUInfo": {"SKU": "RT-1", "Name": "Round trip"},
            "AdvancedOptionList": [{"AdvancedOptionSufix": "RT-1-S"}],
        }
    )
    first.update_advanced_option(1, "2", {"AdvancedOptionStock": -9})
    first.delete_product(7)
    first.create_webhook({"Name": "h", "Url": "http://127.0.0.1:9/x", "EventType": 3})
    first.place_order(5, [("SB-TEE-001-XS", 2)])
    data = json.loads(json.dumps(first.dump()))
    second = Shift4ShopEmulator(world)
    assert second.dump() != data
    second.load(data)
    assert second.dump() == first.dump()
    assert second.records() == first.records()
    assert second.create_customer({"Email": "next@trip.example"}) == 202  # sequences survive
    with pytest.raises(ValueError, match="version"):
        second.load({**data, "version": 1})
