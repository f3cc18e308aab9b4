"""The catalogue side of the Salesforce org emulator (REST API v42.0–v62.0): the storebridge
package's fields and custom objects as describe reports them, the seed (products, variants,
price book entries, stock per location) and the back-office helpers `set_stock` / `set_price`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.schema import SCHEMA
from sandbox.seed import SeedProduct
from tests.sandbox.sf_helpers import emulator, rows, rows_all, ticking


@pytest.fixture(scope="module")
def emu(sb: Sandbox) -> SalesforceEmulator:
    return emulator(sb)


@pytest.fixture(scope="module")
def sized(sb: Sandbox) -> SeedProduct:
    """A seeded product sold in sizes, with a variant stocked in two locations."""
    return next(p for p in sb.world.products if p.variants and len(p.variants[1].levels) > 1)


def fields_of(api: httpx.Client, sobject: str) -> dict[str, dict[str, Any]]:
    response = api.get(f"/sobjects/{sobject}/describe")
    assert response.status_code == 200, response.text
    return {f["name"]: f for f in response.json()["fields"]}


# --- describe ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sobject", "expected"),
    [
        (
            "Product2",
            {
                "Quantity_On_Hand__c": "double",
                "Quantity_Reserved__c": "double",
                "Variant_Of__c": "string",
                "Variant_Option__c": "string",
                "StockKeepingUnit": "string",
                "Storebridge_Id__c": "string",
            },
        ),
        (
            "Order",
            {
                "Fulfillment_Status__c": "picklist",
                "Tracking_Number__c": "string",
                "Carrier__c": "string",
                "Shipping_Service__c": "string",
                "Shipped_Date__c": "date",
                "Amount_Paid__c": "currency",
                "Payment_Status__c": "string",
                "Payment_Reference__c": "string",
                "Coupon_Codes__c": "string",
                "Discount_Amount__c": "currency",
                "Invoice_Number__c": "string",
            },
        ),
        ("OrderItem", {"Quantity_Shipped__c": "double"}),
        ("Contact", {"MobilePhone": "phone"}),
        (
            "Stock_Level__c",
            {
                "Product__c": "reference",
                "Location__c": "string",
                "On_Hand__c": "double",
                "Reserved__c": "double",
                "Storebridge_Id__c": "string",
            },
        ),
        (
            "Storebridge_Payment__c",
            {
                "Order__c": "reference",
                "Amount__c": "currency",
                "Kind__c": "string",
                "Status__c": "string",
                "Gateway__c": "string",
                "Reference__c": "string",
                "Processed_At__c": "datetime",
                "Storebridge_Id__c": "string",
            },
        ),
    ],
)
def test_describe_reports_the_package_fields(
    api: httpx.Client, sobject: str, expected: dict[str, str]
) -> None:
    fields = fields_of(api, sobject)
    assert {name: fields[name]["type"] for name in expected} == expected


def test_field_properties(api: httpx.Client) -> None:
    order = fields_of(api, "Order")
    assert (
        order["Tracking_Number__c"]["length"],
        order["Carrier__c"]["length"],
        order["Shipping_Service__c"]["length"],
        order["Invoice_Number__c"]["length"],
        order["Coupon_Codes__c"]["length"],
    ) == (100, 80, 120, 40, 255)
    statuses = [p["value"] for p in order["Fulfillment_Status__c"]["picklistValues"]]
    assert statuses == [
        "Unfulfilled",
        "Processing",
        "Partially Shipped",
        "Shipped",
        "Delivered",
        "Cancelled",
        "On Hold",
    ]
    ext = fields_of(api, "Product2")["Storebridge_Id__c"]
    assert (ext["externalId"], ext["unique"], ext["custom"]) == (True, True, True)
    level = fields_of(api, "Stock_Level__c")["Product__c"]
    assert (level["referenceTo"], level["relationshipName"], level["cascadeDelete"]) == (
        ["Product2"],
        "Product__r",
        True,
    )
    payment = fields_of(api, "Storebridge_Payment__c")["Order__c"]
    assert (payment["referenceTo"], payment["relationshipName"]) == (["Order"], "Order__r")


def test_custom_objects_in_describe_global(api: httpx.Client) -> None:
    objects = {o["name"]: o for o in api.get("/sobjects").json()["sobjects"]}
    assert (objects["Stock_Level__c"]["keyPrefix"], objects["Stock_Level__c"]["custom"]) == (
        "a0S",
        True,
    )
    assert objects["Storebridge_Payment__c"]["keyPrefix"] == "a0P"
    assert objects["Account"]["custom"] is False


# --- seed --------------------------------------------------------------------------------------
def test_every_product_and_variant_is_seeded_with_a_standard_price(
    api: httpx.Client, sb: Sandbox, sized: SeedProduct
) -> None:
    soql = (
        "SELECT ProductCode, UnitPrice, IsActive, Pricebook2.IsStandard FROM PricebookEntry"
        " WHERE Product2.ProductCode LIKE 'SB-%'"
    )
    entries = {r["ProductCode"]: r for r in rows(api, soql)}
    assert set(entries) == set(sb.world.skus())
    assert all(r["IsActive"] and r["Pricebook2"]["IsStandard"] for r in entries.values())
    for v in sized.variants:
        assert Decimal(str(entries[v.sku]["UnitPrice"])) == v.price
    assert Decimal(str(entries[sized.sku]["UnitPrice"])) == sized.price


def test_variant_products_name_their_parent_and_option(
    api: httpx.Client, sized: SeedProduct
) -> None:
    variant = sized.variants[0]
    row = rows(
        api,
        "SELECT Name, StockKeepingUnit, Variant_Of__c, Variant_Option__c, "
        f"Description FROM Product2 WHERE ProductCode = '{variant.sku}'",
    )[0]
    assert row == {
        **row,
        "Name": f"{sized.name} - {variant.option_value}",
        "StockKeepingUnit": variant.sku,
        "Variant_Of__c": sized.sku,
        "Variant_Option__c": f"Size={variant.option_value}",
    }
    parent = rows(
        api,
        "SELECT Variant_Of__c, StockKeepingUnit, Description FROM Product2 "
        f"WHERE ProductCode = '{sized.sku}'",
    )[0]
    assert (parent["Variant_Of__c"], parent["StockKeepingUnit"]) == (None, sized.sku)
    assert parent["Description"] == sized.description


def test_long_html_descriptions_are_kept(api: httpx.Client, sb: Sandbox) -> None:
    long = next(p for p in sb.world.products if len(p.description) > 255)
    row = rows(api, f"SELECT Description FROM Product2 WHERE ProductCode = '{long.sku}'")[0]
    assert row["Description"] == long.description
    assert "<p>" in row["Description"]


def test_stock_levels_and_product_totals(
    api: httpx.Client, sb: Sandbox, sized: SeedProduct
) -> None:
    variant = sized.variants[1]
    levels = rows(
        api,
        "SELECT Storebridge_Id__c, Location__c, On_Hand__c, Reserved__c, "
        "Product__r.ProductCode FROM Stock_Level__c WHERE Product__r.ProductCode = "
        f"'{variant.sku}' ORDER BY Location__c",
    )
    expected = sorted(variant.levels, key=lambda lv: lv.location)
    assert [(r["Storebridge_Id__c"], r["On_Hand__c"], r["Reserved__c"]) for r in levels] == [
        (f"{variant.sku}@{lv.location}", lv.on_hand, lv.reserved) for lv in expected
    ]
    product = rows(
        api,
        "SELECT Quantity_On_Hand__c, Quantity_Reserved__c FROM Product2 "
        f"WHERE ProductCode = '{variant.sku}'",
    )[0]
    assert product["Quantity_On_Hand__c"] == sum(lv.on_hand for lv in variant.levels)
    assert product["Quantity_Reserved__c"] == sum(lv.reserved for lv in variant.levels)
    total = sum(len(p.levels) + sum(len(v.levels) for v in p.variants) for p in sb.world.products)
    count = api.get("/query", params={"q": "SELECT COUNT() FROM Stock_Level__c"}).json()
    assert count["totalSize"] == total


# --- helpers -----------------------------------------------------------------------------------
def _product(api: httpx.Client, sku: str) -> dict[str, Any]:
    return rows(
        api,
        "SELECT Id, Quantity_On_Hand__c, SystemModstamp, LastModifiedDate FROM "
        f"Product2 WHERE ProductCode = '{sku}'",
    )[0]


def test_set_stock_writes_the_level_and_the_total(
    emu: SalesforceEmulator, api: httpx.Client, sized: SeedProduct
) -> None:
    variant = sized.variants[1]
    other = next(lv for lv in variant.levels if lv.location != emu.default_location)
    before = _product(api, variant.sku)
    with ticking(emu):
        emu.set_stock(variant.sku, 7)
    level = rows(
        api,
        "SELECT On_Hand__c, SystemModstamp FROM Stock_Level__c WHERE "
        f"Storebridge_Id__c = '{variant.sku}@{emu.default_location}'",
    )[0]
    after = _product(api, variant.sku)
    assert level["On_Hand__c"] == 7
    assert after["Quantity_On_Hand__c"] == 7 + other.on_hand
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] > before["LastModifiedDate"]
    emu.set_stock(variant.sku.lower(), 3, location="WEST")  # a new location: a new level
    assert _product(api, variant.sku)["Quantity_On_Hand__c"] == 10 + other.on_hand
    with pytest.raises(KeyError):
        emu.set_stock("NO-SUCH-SKU", 1)


def test_set_price_updates_the_standard_entry(
    emu: SalesforceEmulator, api: httpx.Client, sized: SeedProduct
) -> None:
    sku = sized.variants[2].sku
    soql = (
        f"SELECT UnitPrice, SystemModstamp FROM PricebookEntry WHERE Product2.ProductCode = '{sku}'"
    )
    before = rows(api, soql)[0]
    with ticking(emu):
        emu.set_price(sku, "99.5")
    after = rows(api, soql)[0]
    assert after["UnitPrice"] == 99.5
    assert after["SystemModstamp"] > before["SystemModstamp"]
    with pytest.raises(KeyError):
        emu.set_price("NO-SUCH-SKU", 1)


# --- custom objects through the REST API -------------------------------------------------------
@pytest.fixture(scope="module")
def order(api: httpx.Client) -> str:
    book = rows(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"]
    account = api.patch("/sobjects/Account/Storebridge_Id__c/CAT-1", json={"Name": "Cat"})
    response = api.patch(
        "/sobjects/Order/Storebridge_Id__c/CAT-O-1",
        json={
            "AccountId": account.json()["id"],
            "EffectiveDate": "2026-11-20",
            "Status": "Draft",
            "Pricebook2Id": book,
            "Fulfillment_Status__c": "Partially Shipped",
            "Shipped_Date__c": "2026-11-21",
            "Amount_Paid__c": 10.555,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_payment_by_order_external_id(api: httpx.Client, order: str) -> None:
    response = api.patch(
        "/sobjects/Storebridge_Payment__c/Storebridge_Id__c/PAY-1",
        json={
            "Order__r": {"Storebridge_Id__c": "CAT-O-1"},
            "Amount__c": "12.345",
            "Kind__c": "Sale",
            "Processed_At__c": "2026-11-20T05:00:00-05:00",
        },
    )
    assert response.status_code == 201, response.text
    row = api.get(f"/sobjects/Storebridge_Payment__c/{response.json()['id']}").json()
    assert row["Id"].startswith("a0P")
    assert (row["Order__c"], row["Amount__c"], row["Processed_At__c"]) == (
        order,
        12.35,
        "2026-11-20T10:00:00.000+0000",
    )
    assert row["Name"].startswith("PAY-")
    joined = rows(
        api,
        "SELECT Amount__c, Order__r.Amount_Paid__c FROM Storebridge_Payment__c "
        "WHERE Order__r.Storebridge_Id__c = 'CAT-O-1'",
    )
    assert [(r["Amount__c"], r["Order__r"]["Amount_Paid__c"]) for r in joined] == [(12.35, 10.56)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Processed_At__c": "yesterday"}, "JSON_PARSER_ERROR"),
        ({"Kind__c": "x" * 41}, "STRING_TOO_LONG"),
        ({"Order__c": None}, "REQUIRED_FIELD_MISSING"),
    ],
)
def test_payment_field_errors(
    api: httpx.Client, order: str, body: dict[str, Any], code: str
) -> None:
    response = api.post("/sobjects/Storebridge_Payment__c", json={"Order__c": order, **body})
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, code)


def test_fulfillment_status_is_a_restricted_picklist(api: httpx.Client, order: str) -> None:
    response = api.patch(f"/sobjects/Order/{order}", json={"Fulfillment_Status__c": "Lost"})
    assert response.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_deleting_an_order_cascades_to_its_payments(api: httpx.Client, order: str) -> None:
    pay = api.post("/sobjects/Storebridge_Payment__c", json={"Order__c": order, "Amount__c": 1})
    assert api.delete(f"/sobjects/Order/{order}").status_code == 204
    gone = rows_all(
        api, f"SELECT Id, IsDeleted FROM Storebridge_Payment__c WHERE Id = '{pay.json()['id']}'"
    )
    assert [r["IsDeleted"] for r in gone] == [True]


def test_dump_and_load_keep_custom_objects_and_indexes(
    emu: SalesforceEmulator, sb: Sandbox, sized: SeedProduct
) -> None:
    variant = sized.variants[0]
    fresh = SalesforceEmulator(sb.world)
    fresh.load(emu.dump())
    assert fresh.records()["Stock_Level__c"] == emu.records()["Stock_Level__c"]
    key = SCHEMA["Stock_Level__c"].fields["Storebridge_Id__c"]
    found = fresh.store.find("Stock_Level__c", key, f"{variant.sku.lower()}@main")
    assert [r["Id"] for r in found] == [
        r["Id"] for r in emu.store.find("Stock_Level__c", key, f"{variant.sku}@MAIN")
    ]
    fresh.set_stock(variant.sku, 1)  # writes keep working on the loaded state
    product = fresh.store.find("Product2", SCHEMA["Product2"].fields["ProductCode"], variant.sku)
    assert product[0]["Quantity_On_Hand__c"] == 1 + sum(
        lv.on_hand for lv in variant.levels if lv.location != "MAIN"
    )
