"""sObject Collections on the Salesforce org emulator (REST API v42.0–v62.0):
``/composite/sobjects`` create (mixed types, relationships by external id), update, upsert,
retrieve and delete; the 200-record and 10-chunk limits; ``allOrNone`` rollback; one API request
per call.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from tests.sandbox.sf_helpers import entry, rows

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


@pytest.fixture(scope="module")
def book(api: httpx.Client) -> str:
    return str(rows(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"])


@pytest.fixture(scope="module")
def account(api: httpx.Client) -> str:
    response = api.patch("/sobjects/Account/Storebridge_Id__c/CUST-1", json={"Name": "Buyer"})
    return str(response.json()["id"])


def first_error(response: httpx.Response) -> tuple[int, str, list[str]]:
    err = response.json()[0]
    return response.status_code, err["errorCode"], err.get("fields", [])


def accounts(prefix: str, n: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "attributes": {"type": "Account"},
            "Name": f"{prefix} {i}",
            "Storebridge_Id__c": f"{prefix}-{i}",
            **extra,
        }
        for i in range(n)
    ]


def count(api: httpx.Client, prefix: str) -> int:
    response = api.get(
        "/query",
        params={"q": f"SELECT COUNT() FROM Account WHERE Storebridge_Id__c LIKE '{prefix}-%'"},
    )
    return int(response.json()["totalSize"])


def test_more_than_200_records_is_refused(api: httpx.Client) -> None:
    response = api.post(
        "/composite/sobjects", json={"allOrNone": False, "records": accounts("BIG", 201)}
    )
    assert first_error(response)[:2] == (400, "EXCEEDED_ID_LIMIT")
    assert count(api, "BIG") == 0


def test_all_or_none_rolls_everything_back(api: httpx.Client) -> None:
    records = accounts("AON", 3)
    del records[1]["Name"]
    response = api.post("/composite/sobjects", json={"allOrNone": True, "records": records})
    assert response.status_code == 200
    results = response.json()
    assert [r["success"] for r in results] == [False, False, False]
    assert [r["errors"][0]["statusCode"] for r in results] == [
        ROLLED_BACK,
        "REQUIRED_FIELD_MISSING",
        ROLLED_BACK,
    ]
    assert results[1]["errors"][0]["fields"] == ["Name"]
    assert "id" not in results[0]
    assert count(api, "AON") == 0


def test_partial_success_reports_the_bad_record_by_index(api: httpx.Client) -> None:
    records = accounts("PART", 4)
    records[2]["NoSuchField__c"] = 1
    results = api.post("/composite/sobjects", json={"allOrNone": False, "records": records}).json()
    assert [r["success"] for r in results] == [True, True, False, True]
    assert results[2] == {
        "success": False,
        "errors": [
            {
                "statusCode": "INVALID_FIELD",
                "message": "No such column 'NoSuchField__c' on sobject of type Account",
                "fields": ["NoSuchField__c"],
            }
        ],
    }
    assert all(r["id"].startswith("001") and r["errors"] == [] for r in results if r["success"])
    assert count(api, "PART") == 3


def test_upsert_collection(api: httpx.Client) -> None:
    api.post("/composite/sobjects", json={"records": accounts("UPC", 1)})
    records = accounts("UPC", 3, Phone="555-0101")
    path = "/composite/sobjects/Account/Storebridge_Id__c"
    results = api.patch(path, json={"allOrNone": False, "records": records}).json()
    assert [(r["success"], r["created"]) for r in results] == [
        (True, False),
        (True, True),
        (True, True),
    ]
    dupes = accounts("UPD", 2)
    dupes[1]["Storebridge_Id__c"] = "upd-0"
    failed = api.patch(path, json={"allOrNone": False, "records": dupes}).json()
    assert [r["errors"][0]["statusCode"] for r in failed] == ["DUPLICATE_EXTERNAL_ID"] * 2
    atomic = accounts("UPC", 2, Phone="999")
    atomic.append({"attributes": {"type": "Account"}, "Storebridge_Id__c": "UPC-9", "Name": None})
    rolled = api.patch(path, json={"allOrNone": True, "records": atomic}).json()
    assert [r["errors"][0]["statusCode"] for r in rolled] == [
        ROLLED_BACK,
        ROLLED_BACK,
        "REQUIRED_FIELD_MISSING",
    ]
    assert rolled[0]["id"].startswith("001")  # existed before: keeps its id
    phones = {r["Phone"] for r in rows(api, "SELECT Phone FROM Account WHERE Name LIKE 'UPC%'")}
    assert phones == {"555-0101"}


def test_mixed_create_with_relationships_and_one_api_request(
    sb: Sandbox, api: httpx.Client
) -> None:
    emu = sb.emulator("salesforce")
    assert isinstance(emu, SalesforceEmulator)
    before = emu.api_requests_today()
    records = [
        {"attributes": {"type": "Account"}, "Name": "Mix", "Storebridge_Id__c": "MIX-1"},
        {
            "attributes": {"type": "Contact"},
            "LastName": "Mixer",
            "Account": {"Storebridge_Id__c": "MIX-1"},
        },
        {
            "attributes": {"type": "Contact"},
            "LastName": "Lost",
            "Account": {"Storebridge_Id__c": "MIX-404"},
        },
    ]
    results = api.post("/composite/sobjects", json={"records": records}).json()
    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert emu.api_requests_today() == before + 1
    chunks = [
        {"attributes": {"type": t}, "Name": "x", "LastName": "y"}
        for t in ["Account", "Contact"] * 6
    ]
    too_many = api.post("/composite/sobjects", json={"records": chunks})
    assert first_error(too_many)[:2] == (400, "INVALID_BATCH_REQUEST")


def test_update_retrieve_and_delete_collections(api: httpx.Client) -> None:
    made = api.post("/composite/sobjects", json={"records": accounts("URD", 2)}).json()
    ids = [r["id"] for r in made]
    updates = [
        {"attributes": {"type": "Account"}, "id": ids[0], "Phone": "1"},
        {"attributes": {"type": "Account"}, "id": "001xx", "Phone": "2"},
    ]
    updated = api.patch("/composite/sobjects", json={"records": updates}).json()
    assert [r["success"] for r in updated] == [True, False]
    assert updated[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    got = api.get(
        "/composite/sobjects/Account",
        params={"ids": f"{ids[0]},{ids[1]},001xx000003DGb2AAG", "fields": "Name,Phone"},
    )
    assert [(r["Name"], r["Phone"]) if r else None for r in got.json()] == [
        ("URD 0", "1"),
        ("URD 1", None),
        None,
    ]
    deleted = api.delete(
        "/composite/sobjects", params={"ids": ",".join(ids), "allOrNone": "true"}
    ).json()
    assert [r["success"] for r in deleted] == [True, True]
    again = api.delete("/composite/sobjects", params={"ids": ids[0]}).json()
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_order_with_lines_in_one_all_or_none_call(
    api: httpx.Client, book: str, account: str
) -> None:
    tee = entry(api, "SB-TEE-031", book)
    records = [
        {
            "attributes": {"type": "Order"},
            "Account": {"Storebridge_Id__c": "CUST-1"},
            "EffectiveDate": "2026-11-21",
            "Status": "Draft",
            "Pricebook2Id": book,
            "Storebridge_Id__c": "S4S-2002",
        },
        *[
            {
                "attributes": {"type": "OrderItem"},
                "Order": {"Storebridge_Id__c": "S4S-2002"},
                "PricebookEntryId": tee["Id"],
                "Quantity": q,
                "UnitPrice": 10,
            }
            for q in (1, 0)
        ],
    ]
    results = api.post("/composite/sobjects", json={"allOrNone": True, "records": records}).json()
    assert [r["errors"][0]["statusCode"] for r in results] == [
        ROLLED_BACK,
        ROLLED_BACK,
        "FIELD_INTEGRITY_EXCEPTION",
    ]
    assert rows(api, "SELECT Id FROM Order WHERE Storebridge_Id__c = 'S4S-2002'") == []
    records[2]["Quantity"] = 3
    ok = api.post("/composite/sobjects", json={"allOrNone": True, "records": records}).json()
    assert all(r["success"] for r in ok)
    total = rows(
        api, "SELECT TotalAmount, AccountId FROM Order WHERE Storebridge_Id__c = 'S4S-2002'"
    )
    assert (total[0]["TotalAmount"], total[0]["AccountId"]) == (40.0, account)
