"""The Composite resource of the Salesforce org emulator (REST API v42.0–v62.0):
``POST /composite`` with references between subrequests, ``allOrNone`` rollback and
``PROCESSING_HALTED``, unresolvable references, the 25 / 5 subrequest limits, every supported
subrequest URL, and one API request per call.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from tests.sandbox.sf_helpers import emulator, entry, rows

V = "/services/data/v59.0"
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


@pytest.fixture(scope="module")
def book(api: httpx.Client) -> str:
    return str(rows(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"])


def sub(method: str, url: str, ref: str, body: Any = None) -> dict[str, Any]:
    item: dict[str, Any] = {"method": method, "url": V + url, "referenceId": ref}
    if body is not None:
        item["body"] = body
    return item


def composite(
    api: httpx.Client, subrequests: list[dict[str, Any]], all_or_none: bool = False
) -> list[dict[str, Any]]:
    response = api.post(
        "/composite",
        json={
            "allOrNone": all_or_none,
            "collateSubrequests": False,
            "compositeRequest": subrequests,
        },
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["compositeResponse"]
    assert [r["referenceId"] for r in results] == [s["referenceId"] for s in subrequests]
    return results


def order_graph(book: str, entry_id: str, key: str, quantity: float = 2) -> list[dict[str, Any]]:
    """Account by external id, Order, OrderItem: the documented order-and-lines pattern."""
    return [
        sub(
            "PATCH",
            f"/sobjects/Account/Storebridge_Id__c/{key}-ACC",
            "refAccount",
            {"Name": f"Composite {key}"},
        ),
        sub(
            "POST",
            "/sobjects/Order",
            "refOrder",
            {
                "AccountId": "@{refAccount.id}",
                "EffectiveDate": "2026-11-20",
                "Status": "Draft",
                "Pricebook2Id": book,
                "Storebridge_Id__c": key,
            },
        ),
        sub(
            "POST",
            "/sobjects/OrderItem",
            "refLine1",
            {
                "OrderId": "@{refOrder.id}",
                "PricebookEntryId": entry_id,
                "Quantity": quantity,
                "UnitPrice": 10.5,
            },
        ),
    ]


def test_order_and_lines_in_one_call(api: httpx.Client, book: str) -> None:
    tee = entry(api, "SB-TEE-001", book)["Id"]
    results = composite(
        api,
        [
            *order_graph(book, tee, "CMP-1"),
            sub("GET", "/sobjects/Order/@{refOrder.id}?fields=TotalAmount,AccountId", "refRead"),
            sub(
                "GET",
                "/query?q=SELECT+Id,Quantity+FROM+OrderItem+WHERE+OrderId='@{refOrder.id}'",
                "refItems",
            ),
        ],
        all_or_none=True,
    )
    assert [r["httpStatusCode"] for r in results] == [201, 201, 201, 200, 200]
    account, order, line = (r["body"]["id"] for r in results[:3])
    assert results[1]["httpHeaders"] == {"Location": f"{V}/sobjects/Order/{order}"}
    assert results[0]["body"] == {"id": account, "success": True, "errors": [], "created": True}
    assert (results[3]["body"]["TotalAmount"], results[3]["body"]["AccountId"]) == (21.0, account)
    assert [r["Id"] for r in results[4]["body"]["records"]] == [line]


def test_references_into_query_and_collection_results(api: httpx.Client, book: str) -> None:
    results = composite(
        api,
        [
            sub("GET", "/query?q=SELECT+Id,Name+FROM+Pricebook2+WHERE+IsStandard=true", "refBook"),
            sub(
                "POST",
                "/composite/sobjects",
                "refAccounts",
                {
                    "records": [
                        {
                            "attributes": {"type": "Account"},
                            "Name": "Coll A",
                            "Storebridge_Id__c": "CMP-CA",
                        },
                        {
                            "attributes": {"type": "Account"},
                            "Name": "Coll B",
                            "Storebridge_Id__c": "CMP-CB",
                        },
                    ]
                },
            ),
            sub(
                "POST",
                "/sobjects/Contact",
                "refContact",
                {"LastName": "Of @{refBook.records[0].Name}", "AccountId": "@{refAccounts[1].id}"},
            ),
            sub("GET", "/sobjects/Account/Storebridge_Id__c/CMP-CB?fields=Name", "refByExt"),
        ],
    )
    assert [r["httpStatusCode"] for r in results] == [200, 200, 201, 200]
    contact = api.get(f"/sobjects/Contact/{results[2]['body']['id']}").json()
    assert contact["LastName"] == "Of Standard Price Book"  # interpolated into text
    assert contact["AccountId"] == results[1]["body"][1]["id"] == results[3]["body"]["Id"]


def test_all_or_none_rolls_everything_back(api: httpx.Client, book: str) -> None:
    tee = entry(api, "SB-TEE-001", book)["Id"]
    subrequests = [
        *order_graph(book, tee, "CMP-AON", quantity=0),  # quantity 0 is refused
        sub("POST", "/sobjects/Account", "refAfter", {"Name": "Never"}),
    ]
    results = composite(api, subrequests, all_or_none=True)
    assert [r["httpStatusCode"] for r in results] == [400, 400, 400, 400]
    assert results[2]["body"][0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    for halted in (results[0], results[1], results[3]):
        assert halted["body"] == [{"errorCode": "PROCESSING_HALTED", "message": HALTED}]
    assert rows(api, "SELECT Id FROM Account WHERE Storebridge_Id__c = 'CMP-AON-ACC'") == []
    assert rows(api, "SELECT Id FROM Order WHERE Storebridge_Id__c = 'CMP-AON'") == []
    assert rows(api, "SELECT Id FROM Account WHERE Name = 'Never'") == []


def test_without_all_or_none_failures_stay_local(api: httpx.Client) -> None:
    results = composite(
        api,
        [
            sub("POST", "/sobjects/Account", "refOk", {"Name": "Kept"}),
            sub("POST", "/sobjects/Account", "refBad", {"Phone": "no name"}),
            sub(
                "POST",
                "/sobjects/Contact",
                "refChild",
                {"LastName": "X", "AccountId": "@{refBad.id}"},
            ),
            sub(
                "POST",
                "/sobjects/Contact",
                "refLater",
                {"LastName": "Y", "AccountId": "@{refNope.id}"},
            ),
            sub("GET", "/sobjects/Account/@{refOk.id}?fields=Name", "refRead"),
        ],
    )
    assert [r["httpStatusCode"] for r in results] == [201, 400, 400, 400, 200]
    assert results[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert results[2]["body"] == [
        {
            "errorCode": "PROCESSING_HALTED",
            "message": "Invalid reference specified. No value for refBad.id found in refBad",
        }
    ]
    assert results[3]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[4]["body"]["Name"] == "Kept"


def test_composite_all_or_none_overrides_collections(api: httpx.Client) -> None:
    records = [
        {"attributes": {"type": "Account"}, "Name": "Inner A"},
        {"attributes": {"type": "Account"}},
    ]  # no Name: fails
    body = {"allOrNone": False, "records": records}
    results = composite(
        api,
        [
            sub("POST", "/sobjects/Account", "refFirst", {"Name": "Outer"}),
            sub("POST", "/composite/sobjects", "refColl", body),
        ],
        all_or_none=True,
    )
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert [r["success"] for r in results[1]["body"]] == [False, False]
    assert rows(api, "SELECT Id FROM Account WHERE Name IN ('Outer', 'Inner A')") == []
    # the same without the composite flag: the collection's own allOrNone (false) applies
    kept = composite(api, [sub("POST", "/composite/sobjects", "refColl", body)])
    assert [r["success"] for r in kept[0]["body"]] == [True, False]


def test_collections_upsert_delete_and_external_id_subrequests(api: httpx.Client) -> None:
    upsert = {
        "records": [
            {"attributes": {"type": "Account"}, "Storebridge_Id__c": "CMP-UP", "Name": "Up"}
        ]
    }
    results = composite(
        api,
        [
            sub("PATCH", "/composite/sobjects/Account/Storebridge_Id__c", "refUp", upsert),
            sub("PATCH", "/sobjects/Account/Storebridge_Id__c/CMP-UP", "refAgain", {"Phone": "7"}),
            sub("PATCH", "/sobjects/Account/@{refUp[0].id}", "refPatch", {"Name": "Upd"}),
            sub("DELETE", "/composite/sobjects?ids=@{refUp[0].id}", "refDel"),
            sub("GET", "/sobjects/Account/@{refUp[0].id}", "refGone"),
            sub("GET", "/limits", "refUnsupported"),
        ],
    )
    assert [r["httpStatusCode"] for r in results] == [200, 200, 204, 200, 404, 404]
    assert results[1]["body"]["created"] is False
    assert results[3]["body"][0]["success"] is True
    assert results[4]["body"][0]["errorCode"] == "ENTITY_IS_DELETED"


@pytest.mark.parametrize(
    ("count", "queries", "status"),
    [(25, 5, 200), (26, 0, 400), (6, 6, 400)],
)
def test_subrequest_limits(api: httpx.Client, count: int, queries: int, status: int) -> None:
    subrequests = [
        sub("GET", "/query?q=SELECT+Id+FROM+Pricebook2", f"q{i}")
        if i < queries
        else sub("GET", "/sobjects/Account/describe", f"d{i}")
        for i in range(count)
    ]
    response = api.post("/composite", json={"compositeRequest": subrequests})
    assert response.status_code == status
    if status == 400:
        assert response.json()[0]["errorCode"] == "LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"compositeRequest": [{"method": "GET", "url": V + "/limits"}]}, "JSON_PARSER_ERROR"),
        (
            {"compositeRequest": [sub("GET", "/limits", "a"), sub("GET", "/limits", "a")]},
            "INVALID_INPUT",
        ),
        ({"compositeRequest": [sub("GET", "/limits", "bad-ref")]}, "INVALID_INPUT"),
        ({"records": []}, "JSON_PARSER_ERROR"),
    ],
)
def test_malformed_composite_bodies(api: httpx.Client, body: dict[str, Any], code: str) -> None:
    response = api.post("/composite", json=body)
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, code)


def test_one_call_counts_once(sb: Sandbox, api: httpx.Client) -> None:
    emu = emulator(sb)
    before_total, used = emu.count(), emu.api_requests_today()
    before = emu.count("POST /services/data/v{version}/composite")
    composite(
        api,
        [sub("POST", "/sobjects/Account", f"a{i}", {"Name": f"Counted {i}"}) for i in range(10)],
    )
    assert emu.count("POST /services/data/v{version}/composite") == before + 1
    assert emu.count() == before_total + 1  # no subrequest is counted as an endpoint call
    assert emu.api_requests_today() == used + 1
