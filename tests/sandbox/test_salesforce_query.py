"""SOQL on the Salesforce org emulator (REST API v42.0–v62.0): the supported subset, its
semantics (case-insensitive text, nulls, typed literals), relationship fields rendered nested,
errors, and paging through ``nextRecordsUrl`` with ``Sforce-Query-Options: batchSize``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.testing import data_client, login

PAGED = 250  # accounts PAGE-000..PAGE-249, more than one 200-row page
LOCATOR_RE = re.compile(r"^/services/data/v59\.0/query/01g[0-9A-Za-z]{15}-(\d+)$")


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with data_client(sb, login(sb)) as client:
        records = [
            {
                "attributes": {"type": "Account"},
                "Name": f"Paged {i:03d}",
                "Storebridge_Id__c": f"PAGE-{i:03d}",
                "BillingCity": "Austin" if i % 2 else None,
            }
            for i in range(PAGED)
        ]
        for chunk in (records[:200], records[200:]):
            response = client.post(
                "/composite/sobjects", json={"allOrNone": True, "records": chunk}
            )
            assert all(r["success"] for r in response.json())
        yield client


def q(api: httpx.Client, soql: str, **headers: str) -> dict[str, Any]:
    response = api.get("/query", params={"q": soql}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error(api: httpx.Client, soql: str) -> tuple[int, str, str]:
    response = api.get("/query", params={"q": soql})
    body = response.json()[0]
    return response.status_code, body["errorCode"], body["message"]


def test_select_shape_and_case_insensitive_names(api: httpx.Client) -> None:
    body = q(api, "select id, NAME from account where storebridge_id__c = 'page-007'")
    assert (body["totalSize"], body["done"]) == (1, True)
    assert "nextRecordsUrl" not in body
    row = body["records"][0]
    assert list(row) == ["attributes", "Id", "Name"]
    assert row["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{row['Id']}",
    }
    assert row["Name"] == "Paged 007"


def test_in_and_relationship_fields_render_nested(api: httpx.Client) -> None:
    body = q(
        api,
        "SELECT Id, UnitPrice, Product2.ProductCode, Product2.Name FROM PricebookEntry "
        "WHERE Product2.ProductCode IN ('SB-TEE-001', 'SB-MUG-002') "
        "ORDER BY Product2.ProductCode",
    )
    assert body["totalSize"] == 2
    first = body["records"][0]
    assert first["Product2"]["attributes"]["type"] == "Product2"
    product = first["Product2"]
    assert product["attributes"]["url"].startswith("/services/data/v59.0/sobjects/Product2/01t")
    assert (product["ProductCode"], product["Name"]) == ("SB-MUG-002", "Mug #002")
    assert body["records"][1]["Product2"]["ProductCode"] == "SB-TEE-001"


def test_relationship_is_null_when_the_reference_is_empty(api: httpx.Client) -> None:
    api.post("/sobjects/Contact", json={"LastName": "Loner", "Storebridge_Id__c": "LONER"})
    row = q(api, "SELECT Name, Account.Name FROM Contact WHERE Storebridge_Id__c = 'LONER'")
    assert row["records"][0]["Account"] is None
    known = q(
        api,
        "SELECT Email, Account.Name FROM Contact WHERE Account.Name LIKE '% Household'"
        " ORDER BY Email LIMIT 1",
    )["records"][0]
    assert known["Account"]["Name"].endswith("Household")


def test_order_by_limit_offset(api: httpx.Client) -> None:
    soql = "SELECT UnitPrice FROM PricebookEntry ORDER BY UnitPrice DESC, Name LIMIT 10"
    prices = [r["UnitPrice"] for r in q(api, soql)["records"]]
    assert prices == sorted(prices, reverse=True)
    assert len(prices) == 10
    page = q(
        api, "SELECT Name FROM Account WHERE Name LIKE 'Paged%' ORDER BY Name DESC LIMIT 3 OFFSET 2"
    )["records"]
    assert [r["Name"] for r in page] == ["Paged 247", "Paged 246", "Paged 245"]


def test_nulls_sort_first_by_default(api: httpx.Client) -> None:
    soql = "SELECT BillingCity FROM Account WHERE Name LIKE 'Paged 00%' ORDER BY BillingCity"
    cities = [r["BillingCity"] for r in q(api, soql)["records"]]
    assert cities[:5] == [None] * 5
    last = [r["BillingCity"] for r in q(api, soql + " NULLS LAST")["records"]]
    assert last[-5:] == [None] * 5


def test_count_like_and_text_case(api: httpx.Client) -> None:
    count = q(api, "SELECT COUNT() FROM Account WHERE Storebridge_Id__c LIKE 'page-%'")
    assert count == {"totalSize": PAGED, "done": True, "records": []}
    assert q(api, "SELECT COUNT() FROM Account WHERE Name LIKE 'Paged 0_0'")["totalSize"] == 10
    assert q(api, "SELECT COUNT() FROM Account WHERE Name = 'PAGED 001'")["totalSize"] == 1


def test_null_semantics_of_not_equal_and_not_in(api: httpx.Client) -> None:
    base = "SELECT COUNT() FROM Account WHERE Storebridge_Id__c LIKE 'PAGE-%'"
    assert q(api, f"{base} AND BillingCity != 'Austin'")["totalSize"] == PAGED // 2
    assert q(api, f"{base} AND BillingCity NOT IN ('Austin')")["totalSize"] == PAGED // 2
    assert q(api, f"{base} AND BillingCity = null")["totalSize"] == PAGED // 2
    assert q(api, f"{base} AND (BillingCity = 'Austin' OR Name = 'Paged 000')")["totalSize"] == 126
    assert q(api, f"{base} AND NOT (BillingCity = 'Austin')")["totalSize"] == PAGED // 2


def test_typed_literals(sb: Sandbox, api: httpx.Client, emu_created: str) -> None:
    seeded = q(api, "SELECT CreatedDate FROM Product2 LIMIT 1")["records"][0]["CreatedDate"]
    assert seeded == "2025-11-23T00:00:00.000+0000"  # the CRM's records pre-date the sync
    assert q(
        api,
        "SELECT COUNT() FROM Product2 WHERE CreatedDate < 2025-11-23T00:00:01Z AND IsActive = true",
    )["totalSize"] == len(sb.world.skus())  # products and variants
    assert (
        q(api, "SELECT COUNT() FROM Product2 WHERE SystemModstamp > 2025-11-22T20:00:00-05:00")[
            "totalSize"
        ]
        == 0
    )  # = 2025-11-23T01:00Z
    assert q(api, "SELECT COUNT() FROM PricebookEntry WHERE UnitPrice >= 60")["totalSize"] >= 1
    by_id = f"SELECT Id FROM Account WHERE Id = '{emu_created[:15]}'"
    assert q(api, by_id)["totalSize"] == 1
    quoted = q(api, "SELECT Name FROM Account WHERE Name = 'O\\'Brien \\\\ Sons'")
    assert [r["Name"] for r in quoted["records"]] == ["O'Brien \\ Sons"]


@pytest.fixture(scope="module")
def emu_created(api: httpx.Client) -> str:
    response = api.post("/sobjects/Account", json={"Name": "O'Brien \\ Sons"})
    return str(response.json()["id"])


def test_paging_with_next_records_url(api: httpx.Client) -> None:
    soql = "SELECT Id, Name FROM Account WHERE Storebridge_Id__c LIKE 'PAGE-%' ORDER BY Name"
    page = q(api, soql, **{"Sforce-Query-Options": "batchSize=200"})
    seen = [r["Id"] for r in page["records"]]
    assert (page["totalSize"], page["done"], len(seen)) == (PAGED, False, 200)
    match = LOCATOR_RE.match(page["nextRecordsUrl"])
    assert match is not None
    assert match.group(1) == "200"
    while not page["done"]:
        response = api.get(
            f"{api.base_url.scheme}://{api.base_url.netloc.decode()}{page['nextRecordsUrl']}"
        )
        page = response.json()
        assert page["totalSize"] == PAGED
        seen += [r["Id"] for r in page["records"]]
    assert "nextRecordsUrl" not in page
    assert len(seen) == len(set(seen)) == PAGED
    stale = api.get("/query/01g8d00000000zzAAA-200")
    assert stale.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_batch_size_is_clamped_and_defaults_to_2000(api: httpx.Client) -> None:
    small = q(api, "SELECT Id FROM Account", **{"Sforce-Query-Options": "batchSize=5"})
    assert len(small["records"]) == 200
    everything = q(api, "SELECT Id FROM Account")
    assert everything["done"] is True
    assert len(everything["records"]) == everything["totalSize"] > PAGED


def test_query_all_includes_deleted_records(api: httpx.Client) -> None:
    rid = api.post("/sobjects/Account", json={"Name": "Binned"}).json()["id"]
    api.delete(f"/sobjects/Account/{rid}")
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{rid}'"
    assert q(api, soql)["totalSize"] == 0
    rows = api.get("/queryAll/", params={"q": soql}).json()["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(rid, True)]


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FORM Account", "MALFORMED_QUERY", "unexpected token: FORM"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token"),
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Phone = 'b' OR Name = 'c'",
            "MALFORMED_QUERY",
            "unexpected token: OR",
        ),
        ("SELECT Id, Id FROM Account", "MALFORMED_QUERY", "duplicate field selected"),
        ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY", "unexpected"),
        ("SELECT Foo FROM Account", "INVALID_FIELD", "No such column 'Foo' on entity 'Account'"),
        ("SELECT Owner.Name FROM Account", "INVALID_FIELD", "Didn't understand relationship"),
        ("SELECT Id FROM Invoice__c", "INVALID_TYPE", "sObject type 'Invoice__c'"),
        (
            "SELECT Id FROM Account WHERE Name = 5",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type string and should be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Account WHERE CreatedDate > '2024-01-01T00:00:00Z'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type dateTime",
        ),
        (
            "SELECT Id FROM Account WHERE Id = 'nope'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid ID field",
        ),
        ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "2000"),
    ],
)
def test_query_errors(api: httpx.Client, soql: str, code: str, fragment: str) -> None:
    status, error_code, message = error(api, soql)
    assert (status, error_code) == (400, code)
    assert fragment in message


def test_query_counts_one_api_request_per_page(sb: Sandbox, api: httpx.Client) -> None:
    emu = sb.emulator("salesforce")
    assert isinstance(emu, SalesforceEmulator)
    before = emu.api_requests_today()
    q(api, "SELECT COUNT() FROM Account")
    assert emu.api_requests_today() == before + 1


def test_oldest_query_locator_is_dropped_after_ten(api: httpx.Client) -> None:
    soql = "SELECT Id FROM Account WHERE Storebridge_Id__c LIKE 'PAGE-%'"
    small = {"Sforce-Query-Options": "batchSize=200"}
    urls = [q(api, soql, **small)["nextRecordsUrl"] for _ in range(11)]
    oldest = api.get(f"{api.base_url.scheme}://{api.base_url.netloc.decode()}{urls[0]}")
    assert (oldest.status_code, oldest.json()[0]["errorCode"]) == (400, "INVALID_QUERY_LOCATOR")
    newest = api.get(f"{api.base_url.scheme}://{api.base_url.netloc.decode()}{urls[-1]}")
    assert newest.json()["done"] is True
    one_page = q(api, "SELECT Id FROM Pricebook2")  # fits one page: opens no locator
    assert "nextRecordsUrl" not in one_page
