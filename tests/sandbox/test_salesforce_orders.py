"""Orders on the Salesforce org emulator (REST API v42.0–v62.0): the Order / OrderItem /
PricebookEntry rules real orgs enforce, order totals, relationships by external id and delete
rules (sObject Collections are in `test_salesforce_collections.py`).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.sf_helpers import entry, rows


@pytest.fixture(scope="module")
def book(api: httpx.Client) -> str:
    return str(rows(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"])


@pytest.fixture(scope="module")
def account(api: httpx.Client) -> str:
    response = api.patch("/sobjects/Account/Storebridge_Id__c/CUST-1", json={"Name": "Buyer"})
    return str(response.json()["id"])


def new_order(api: httpx.Client, account: str, book: str | None, **extra: Any) -> str:
    body = {
        "AccountId": account,
        "EffectiveDate": "2026-11-20",
        "Status": "Draft",
        "Pricebook2Id": book,
        **extra,
    }
    response = api.post("/sobjects/Order", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def add_item(
    api: httpx.Client, order: str, entry_id: str, quantity: float = 1, price: float = 10.0
) -> httpx.Response:
    return api.post(
        "/sobjects/OrderItem",
        json={
            "OrderId": order,
            "PricebookEntryId": entry_id,
            "Quantity": quantity,
            "UnitPrice": price,
        },
    )


def first_error(response: httpx.Response) -> tuple[int, str, list[str]]:
    err = response.json()[0]
    return response.status_code, err["errorCode"], err.get("fields", [])


# --- orders ------------------------------------------------------------------------------------
def test_order_lifecycle_keeps_total_amount(api: httpx.Client, account: str, book: str) -> None:
    order = new_order(api, account, book)
    tee, mug = entry(api, "SB-TEE-001", book), entry(api, "SB-MUG-002", book)
    assert add_item(api, order, tee["Id"], 2, 12.5).status_code == 201
    item = add_item(api, order, mug["Id"], 1, 9.99).json()["id"]
    got = api.get(f"/sobjects/Order/{order}").json()
    assert (got["TotalAmount"], got["StatusCode"]) == (34.99, "Draft")
    assert got["OrderNumber"].isdigit()
    assert len(got["OrderNumber"]) == 8
    line = api.get(f"/sobjects/OrderItem/{item}").json()
    assert (line["Product2Id"], line["ListPrice"], line["TotalPrice"]) == (
        mug["Product2Id"],
        mug["UnitPrice"],
        9.99,
    )
    assert api.patch(f"/sobjects/OrderItem/{item}", json={"Quantity": 3}).status_code == 204
    assert api.get(f"/sobjects/Order/{order}").json()["TotalAmount"] == 54.97
    assert api.patch(f"/sobjects/Order/{order}", json={"Status": "Activated"}).status_code == 204
    after = api.get(f"/sobjects/Order/{order}").json()
    assert after["StatusCode"] == "Activated"
    assert after["SystemModstamp"] >= got["SystemModstamp"]


def test_order_must_be_created_in_a_draft_status(
    api: httpx.Client, account: str, book: str
) -> None:
    body = {"AccountId": account, "EffectiveDate": "2026-11-20", "Pricebook2Id": book}
    activated = api.post("/sobjects/Order", json={**body, "Status": "Activated"})
    assert first_error(activated) == (400, "FIELD_INTEGRITY_EXCEPTION", ["Status"])
    unknown = api.post("/sobjects/Order", json={**body, "Status": "Shipped"})
    assert first_error(unknown)[1] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    missing = api.post("/sobjects/Order", json={"AccountId": account, "Status": "Draft"})
    assert missing.json()[0]["message"] == "Required fields are missing: [EffectiveDate]"
    assert first_error(missing) == (400, "REQUIRED_FIELD_MISSING", ["EffectiveDate"])
    bad_date = api.post(
        "/sobjects/Order", json={**body, "Status": "Draft", "EffectiveDate": "11/20/2026"}
    )
    assert first_error(bad_date)[1] == "JSON_PARSER_ERROR"


def test_items_need_the_orders_price_book(api: httpx.Client, account: str, book: str) -> None:
    tee = entry(api, "SB-TEE-006", book)
    no_book = new_order(api, account, None)
    assert first_error(add_item(api, no_book, tee["Id"]))[:2] == (400, "FIELD_INTEGRITY_EXCEPTION")
    custom = api.post("/sobjects/Pricebook2", json={"Name": "Wholesale", "IsActive": True})
    other = api.post(
        "/sobjects/PricebookEntry",
        json={
            "Pricebook2Id": custom.json()["id"],
            "Product2Id": tee["Product2Id"],
            "UnitPrice": 11,
            "IsActive": True,
        },
    ).json()["id"]
    order = new_order(api, account, book)
    refused = add_item(api, order, other)
    assert first_error(refused) == (400, "FIELD_INTEGRITY_EXCEPTION", ["PricebookEntryId"])
    assert "PricebookEntryId" in refused.json()[0]["message"]
    api.patch(f"/sobjects/PricebookEntry/{tee['Id']}", json={"IsActive": False})
    try:
        assert "inactive" in add_item(api, order, tee["Id"]).json()[0]["message"]
    finally:
        api.patch(f"/sobjects/PricebookEntry/{tee['Id']}", json={"IsActive": True})


def test_price_book_entry_rules(api: httpx.Client, book: str) -> None:
    product = api.post("/sobjects/Product2", json={"Name": "New", "ProductCode": "NEW-1"})
    custom = api.post("/sobjects/Pricebook2", json={"Name": "Retail"}).json()["id"]
    body = {"Product2Id": product.json()["id"], "UnitPrice": 5}
    no_std = api.post("/sobjects/PricebookEntry", json={**body, "Pricebook2Id": custom})
    assert first_error(no_std)[:2] == (400, "STANDARD_PRICE_NOT_DEFINED")
    standard = api.post("/sobjects/PricebookEntry", json={**body, "Pricebook2Id": book})
    assert standard.status_code == 201
    again = api.post("/sobjects/PricebookEntry", json={**body, "Pricebook2Id": book})
    assert first_error(again)[:2] == (400, "DUPLICATE_VALUE")


def test_activation_needs_an_item_and_freezes_items(
    api: httpx.Client, account: str, book: str
) -> None:
    order = new_order(api, account, book)
    empty = api.patch(f"/sobjects/Order/{order}", json={"Status": "Activated"})
    assert first_error(empty) == (400, "FIELD_INTEGRITY_EXCEPTION", ["Status"])
    tee = entry(api, "SB-TEE-011", book)
    item = add_item(api, order, tee["Id"]).json()["id"]
    assert api.patch(f"/sobjects/Order/{order}", json={"Status": "Activated"}).status_code == 204
    assert first_error(add_item(api, order, tee["Id"]))[:2] == (400, "FIELD_INTEGRITY_EXCEPTION")
    update = api.patch(f"/sobjects/OrderItem/{item}", json={"Quantity": 2})
    assert first_error(update)[:2] == (400, "FIELD_INTEGRITY_EXCEPTION")
    assert first_error(api.delete(f"/sobjects/OrderItem/{item}"))[:2] == (
        400,
        "FIELD_INTEGRITY_EXCEPTION",
    )
    other = api.post("/sobjects/Account", json={"Name": "Other"}).json()["id"]
    moved = api.patch(f"/sobjects/Order/{order}", json={"AccountId": other})
    assert first_error(moved) == (400, "FIELD_INTEGRITY_EXCEPTION", ["AccountId"])
    assert first_error(api.delete(f"/sobjects/Order/{order}"))[:2] == (400, "DELETE_FAILED")
    assert api.patch(f"/sobjects/Order/{order}", json={"Status": "Draft"}).status_code == 204
    assert api.patch(f"/sobjects/OrderItem/{item}", json={"Quantity": 2}).status_code == 204


def test_item_quantity_and_price_rules(api: httpx.Client, account: str, book: str) -> None:
    order = new_order(api, account, book)
    tee = entry(api, "SB-TEE-016", book)
    assert first_error(add_item(api, order, tee["Id"], 0)) == (
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        ["Quantity"],
    )
    no_price = api.post(
        "/sobjects/OrderItem", json={"OrderId": order, "PricebookEntryId": tee["Id"], "Quantity": 1}
    )
    assert first_error(no_price) == (400, "REQUIRED_FIELD_MISSING", ["UnitPrice"])


def test_orders_and_items_by_external_id(api: httpx.Client, account: str, book: str) -> None:
    tee = entry(api, "SB-TEE-021", book)
    order = api.patch(
        "/sobjects/Order/Storebridge_Id__c/S4S-1001",
        json={
            "Account": {"Storebridge_Id__c": "CUST-1"},
            "EffectiveDate": "2026-11-20",
            "Status": "Draft",
            "Pricebook2Id": book,
            "Store_Status__c": "Shipped",
        },
    )
    assert order.status_code == 201
    line = api.patch(
        "/sobjects/OrderItem/Storebridge_Id__c/S4S-1001-1",
        json={
            "Order": {"Storebridge_Id__c": "S4S-1001"},
            "PricebookEntryId": tee["Id"],
            "Quantity": 2,
            "UnitPrice": 20,
        },
    )
    assert line.status_code == 201
    found = rows(
        api,
        "SELECT Quantity, TotalPrice, Order.Storebridge_Id__c, Order.AccountId, "
        "Product2.ProductCode FROM OrderItem WHERE Order.Storebridge_Id__c = "
        "'S4S-1001'",
    )
    assert [
        (r["TotalPrice"], r["Order"]["AccountId"], r["Product2"]["ProductCode"]) for r in found
    ] == [(40.0, account, "SB-TEE-021")]
    dated = rows(
        api,
        "SELECT Id FROM Order WHERE EffectiveDate = 2026-11-20 AND Storebridge_Id__c = 'S4S-1001'",
    )
    assert [r["Id"] for r in dated] == [order.json()["id"]]


def test_delete_rules(api: httpx.Client, book: str) -> None:
    buyer = api.post("/sobjects/Account", json={"Name": "Delete Me"}).json()["id"]
    contact = api.post("/sobjects/Contact", json={"LastName": "Gone", "AccountId": buyer})
    order = new_order(api, buyer, book, BillToContactId=contact.json()["id"])
    item = add_item(api, order, entry(api, "SB-TEE-026", book)["Id"]).json()["id"]
    assert first_error(api.delete(f"/sobjects/Account/{buyer}"))[:2] == (400, "DELETE_FAILED")
    assert api.delete(f"/sobjects/Contact/{contact.json()['id']}").status_code == 204
    assert api.get(f"/sobjects/Order/{order}").json()["BillToContactId"] is None
    assert api.delete(f"/sobjects/Order/{order}").status_code == 204
    assert api.get(f"/sobjects/OrderItem/{item}").status_code == 404  # cascaded
    assert api.delete(f"/sobjects/Account/{buyer}").status_code == 204
