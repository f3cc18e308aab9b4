"""Change detection on the Salesforce org emulator (REST API v42.0–v62.0): ``SystemModstamp`` and
``LastModifiedDate`` move on every write path (REST, sObject Collections, Composite, Bulk API 2.0,
roll-ups, cascade deletes), ``queryAll`` returns deleted rows with ``IsDeleted = true`` and
``query`` never does, and the polling query ``WHERE SystemModstamp > … ORDER BY SystemModstamp,
Id`` sees exactly what changed.

A ticking clock (`sf_helpers.ticking`) makes each stamp one second after the previous one, so a
stamp that "moved" is strictly greater, without sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from tests.sandbox.sf_helpers import emulator, entry, rows, rows_all, ticking


@pytest.fixture(scope="module")
def emu(sb: Sandbox) -> SalesforceEmulator:
    return emulator(sb)


@pytest.fixture(scope="module", autouse=True)
def clock(emu: SalesforceEmulator) -> Iterator[None]:
    """One ticking clock for the whole module: stamps never go back between tests."""
    with ticking(emu):
        yield


@pytest.fixture(scope="module")
def book(api: httpx.Client) -> str:
    return str(rows(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"])


def stamps(api: httpx.Client, sobject: str, rid: str) -> dict[str, Any]:
    rec = rows_all(
        api,
        f"SELECT CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted FROM "
        f"{sobject} WHERE Id = '{rid}'",
    )
    assert len(rec) == 1, (sobject, rid)
    return rec[0]


def assert_moved(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] > before["LastModifiedDate"]
    assert after["CreatedDate"] == before["CreatedDate"]


def account(api: httpx.Client, key: str) -> str:
    response = api.patch(f"/sobjects/Account/Storebridge_Id__c/{key}", json={"Name": key})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def order_with_item(api: httpx.Client, book: str, key: str, **extra: Any) -> tuple[str, str]:
    body = {
        "AccountId": account(api, f"{key}-ACC"),
        "EffectiveDate": "2026-11-20",
        "Status": "Draft",
        "Pricebook2Id": book,
        **extra,
    }
    order = api.post("/sobjects/Order", json=body).json()["id"]
    item = api.post(
        "/sobjects/OrderItem",
        json={
            "OrderId": order,
            "PricebookEntryId": entry(api, "SB-MUG-002", book)["Id"],
            "Quantity": 1,
            "UnitPrice": 5,
        },
    )
    assert item.status_code == 201, item.text
    return order, item.json()["id"]


# --- write paths -------------------------------------------------------------------------------
def test_rest_update(api: httpx.Client) -> None:
    rid = account(api, "ST-REST")
    before = stamps(api, "Account", rid)
    assert api.patch(f"/sobjects/Account/{rid}", json={"Phone": "1"}).status_code == 204
    assert_moved(before, stamps(api, "Account", rid))


def test_collections_update_and_upsert(api: httpx.Client) -> None:
    rid = account(api, "ST-COLL")
    before = stamps(api, "Account", rid)
    body = {"records": [{"attributes": {"type": "Account"}, "Id": rid, "Phone": "2"}]}
    assert api.patch("/composite/sobjects", json=body).json()[0]["success"]
    middle = stamps(api, "Account", rid)
    assert_moved(before, middle)
    upsert = {
        "records": [
            {"attributes": {"type": "Account"}, "Storebridge_Id__c": "ST-COLL", "Phone": "3"}
        ]
    }
    result = api.patch("/composite/sobjects/Account/Storebridge_Id__c", json=upsert).json()
    assert result[0]["created"] is False
    assert_moved(middle, stamps(api, "Account", rid))


def test_composite_subrequest(api: httpx.Client) -> None:
    rid = account(api, "ST-COMP")
    before = stamps(api, "Account", rid)
    body = {
        "compositeRequest": [
            {
                "method": "PATCH",
                "referenceId": "a",
                "body": {"Phone": "4"},
                "url": f"/services/data/v59.0/sobjects/Account/{rid}",
            }
        ]
    }
    result = api.post("/composite", json=body).json()["compositeResponse"]
    assert result[0]["httpStatusCode"] == 204
    assert_moved(before, stamps(api, "Account", rid))


def test_bulk_update(api: httpx.Client) -> None:
    rid = account(api, "ST-BULK")
    before = stamps(api, "Account", rid)
    job = api.post("/jobs/ingest", json={"object": "Account", "operation": "update"}).json()
    upload = api.put(
        f"/jobs/ingest/{job['id']}/batches",
        content=f"Id,Phone\n{rid},5\n",
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    api.patch(f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert_moved(before, stamps(api, "Account", rid))


def test_roll_ups_move_the_parent(api: httpx.Client, emu: SalesforceEmulator, book: str) -> None:
    order, _ = order_with_item(api, book, "ST-ROLL")
    before = stamps(api, "Order", order)
    api.post(
        "/sobjects/OrderItem",
        json={
            "OrderId": order,
            "PricebookEntryId": entry(api, "SB-CAP-003", book)["Id"],
            "Quantity": 2,
            "UnitPrice": 3,
        },
    )
    assert_moved(before, stamps(api, "Order", order))  # TotalAmount rolled up
    level = rows(api, "SELECT Id, Product__c FROM Stock_Level__c LIMIT 1")[0]
    product = stamps(api, "Product2", level["Product__c"])
    api.patch(f"/sobjects/Stock_Level__c/{level['Id']}", json={"On_Hand__c": 4242})
    assert_moved(product, stamps(api, "Product2", level["Product__c"]))  # stock total


def test_cascade_and_setnull_deletes(api: httpx.Client, book: str) -> None:
    contact = api.post("/sobjects/Contact", json={"LastName": "Payer"}).json()["id"]
    order, item = order_with_item(api, book, "ST-CASC", BillToContactId=contact)
    before_order, before_item = stamps(api, "Order", order), stamps(api, "OrderItem", item)
    assert api.delete(f"/sobjects/Contact/{contact}").status_code == 204
    after_order = stamps(api, "Order", order)
    assert_moved(before_order, after_order)  # BillToContactId set to null
    assert api.delete(f"/sobjects/Order/{order}").status_code == 204
    gone = stamps(api, "OrderItem", item)
    assert gone["IsDeleted"] is True
    assert_moved(before_item, gone)


# --- queryAll and polling ----------------------------------------------------------------------
def test_query_all_and_is_deleted(api: httpx.Client) -> None:
    ids = [account(api, f"ST-BIN-{i}") for i in range(3)]
    api.delete(f"/sobjects/Account/{ids[0]}")
    api.delete("/composite/sobjects", params={"ids": ids[1]})
    base = "SELECT Id, IsDeleted FROM Account WHERE Storebridge_Id__c LIKE 'ST-BIN-%'"
    assert [r["Id"] for r in rows(api, base)] == [ids[2]]
    assert rows(api, base + " AND IsDeleted = true") == []
    everything = rows_all(api, base + " ORDER BY Storebridge_Id__c")
    assert [(r["Id"], r["IsDeleted"]) for r in everything] == [
        (ids[0], True),
        (ids[1], True),
        (ids[2], False),
    ]
    binned = rows_all(api, base + " AND IsDeleted = true ORDER BY Id")
    assert [r["Id"] for r in binned] == sorted(ids[:2])


def test_polling_by_system_modstamp(api: httpx.Client) -> None:
    ids = [account(api, f"ST-POLL-{i}") for i in range(4)]
    mark = stamps(api, "Account", ids[-1])["SystemModstamp"]
    api.patch(f"/sobjects/Account/{ids[2]}", json={"Phone": "9"})
    api.patch(f"/sobjects/Account/{ids[0]}", json={"Phone": "9"})
    watermark = mark  # the API's own format is a valid SOQL datetime literal
    changed = rows_all(
        api,
        "SELECT Id, SystemModstamp, IsDeleted FROM Account WHERE "
        f"SystemModstamp > {watermark} ORDER BY SystemModstamp, Id",
    )
    assert [r["Id"] for r in changed] == [ids[2], ids[0]]
    api.delete(f"/sobjects/Account/{ids[1]}")
    newer = rows_all(
        api,
        "SELECT Id, IsDeleted FROM Account WHERE SystemModstamp > "
        f"{watermark} AND SystemModstamp = TODAY ORDER BY SystemModstamp, Id",
    )
    assert [(r["Id"], r["IsDeleted"]) for r in newer] == [
        (ids[2], False),
        (ids[0], False),
        (ids[1], True),
    ]
