"""The Salesforce org emulator (REST API v42.0–v62.0) driven by the real, unmodified
simple-salesforce client: login by JWT bearer (token obtained the way sandbox mode does it, then
``Salesforce(instance_url=..., session_id=...)``), SOQL paging, upsert, lookups by external id,
sObject Collections through ``restful``, and the exceptions its error mapping raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from simple_salesforce import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from tests.sandbox.sf_helpers import client, jwt_login

BATCH_200 = {"Sforce-Query-Options": "batchSize=200"}


def sobject(sf: Salesforce, name: str) -> SFType:
    """`sf.<name>` typed as the REST handle (simple-salesforce types it as a union)."""
    return cast(SFType, getattr(sf, name))


def restful(sf: Salesforce, path: str, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    result = sf.restful(path, method=method, json=body)
    assert isinstance(result, list)
    return result


def content(exc: Exception) -> Any:
    """The parsed error body simple-salesforce attaches to its exceptions."""
    return cast(Any, exc).content


@pytest.fixture(scope="module")
def bulk_accounts(sb: Sandbox) -> None:
    records = [
        {
            "attributes": {"type": "Account"},
            "Name": f"Bulk {i:03d}",
            "Storebridge_Id__c": f"BULK-{i:03d}",
        }
        for i in range(450)
    ]
    with client(sb, jwt_login(sb)) as sf:
        for start in range(0, 450, 200):
            results = restful(
                sf,
                "composite/sobjects",
                "POST",
                {"allOrNone": True, "records": records[start : start + 200]},
            )
            assert all(r["success"] for r in results)


@pytest.fixture
def sf(sb: Sandbox, bulk_accounts: None) -> Iterator[Salesforce]:
    """A fresh JWT login per test (one test expires every session)."""
    with client(sb, jwt_login(sb)) as sf:
        yield sf


def test_query_returns_records_with_attributes(sf: Salesforce) -> None:
    result = sf.query("SELECT Id, Name, IsStandard FROM Pricebook2 WHERE IsStandard = true")
    assert result["totalSize"] == 1
    assert result["done"] is True
    record = result["records"][0]
    assert record["attributes"]["type"] == "Pricebook2"
    assert record["Name"] == "Standard Price Book"


def test_query_all_follows_next_records_url(sf: Salesforce) -> None:
    soql = "SELECT Id, Storebridge_Id__c FROM Account WHERE Storebridge_Id__c LIKE 'BULK-%'"
    first = sf.query(soql, headers=BATCH_200)
    assert (first["done"], len(first["records"])) == (False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    everything = sf.query_all(soql, headers=BATCH_200)
    assert everything["totalSize"] == 450
    assert len({r["Id"] for r in everything["records"]}) == 450


def test_query_all_iter_is_lazy_over_pages(sf: Salesforce) -> None:
    soql = "SELECT Name FROM Account WHERE Name LIKE 'Bulk%' ORDER BY Name DESC"
    names = [r["Name"] for r in sf.query_all_iter(soql, headers=BATCH_200)]
    assert names[0] == "Bulk 449"
    assert names[-1] == "Bulk 000"
    assert len(names) == 450


def test_upsert_returns_201_then_200(sf: Salesforce) -> None:
    account = sobject(sf, "Account")
    assert account.upsert("Storebridge_Id__c/A-1", {"Name": "Acme"}) == 201
    assert account.upsert("Storebridge_Id__c/A-1", {"Name": "Acme Corp"}) == 200
    record = account.get_by_custom_id("Storebridge_Id__c", "A-1")
    assert record["Name"] == "Acme Corp"
    assert record["Storebridge_Id__c"] == "A-1"
    assert account.get(record["Id"])["Name"] == "Acme Corp"


def test_crud_through_sftype(sf: Salesforce) -> None:
    contact = sobject(sf, "Contact")
    created = contact.create({"LastName": "Conformance", "Email": "c@example.com"})
    assert created["success"] is True
    assert contact.update(created["id"], {"FirstName": "Sam"}) == 204
    assert contact.get(created["id"])["Name"] == "Sam Conformance"
    assert contact.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        contact.get(created["id"])


def test_get_by_custom_id_quote_plus_gotcha(sf: Salesforce) -> None:
    # simple-salesforce encodes with quote_plus: a space becomes '+', which the org keeps literally.
    account = sobject(sf, "Account")
    assert account.upsert("Storebridge_Id__c/A%202", {"Name": "Spaced"}) == 201
    with pytest.raises(SalesforceResourceNotFound):
        account.get_by_custom_id("Storebridge_Id__c", "A 2")


def test_collections_upsert_through_restful(sf: Salesforce) -> None:
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Account"}, "Storebridge_Id__c": "A-1", "Name": "Acme Again"},
            {"attributes": {"type": "Account"}, "Storebridge_Id__c": "A-3", "Name": "Globex"},
        ],
    }
    results = restful(sf, "composite/sobjects/Account/Storebridge_Id__c", "PATCH", body)
    assert [(r["success"], r["created"]) for r in results] == [(True, False), (True, True)]
    assert all(r["errors"] == [] for r in results)


def test_several_matches_raise_more_than_one_record(sf: Salesforce) -> None:
    contact = sobject(sf, "Contact")
    for name in ("Twin A", "Twin B"):
        contact.create({"LastName": name, "Storebridge_Id__c": "TWIN"})
    with pytest.raises(SalesforceMoreThanOneRecord) as raised:
        contact.upsert("Storebridge_Id__c/TWIN", {"LastName": "Twin"})
    assert raised.value.status == 300
    assert len(content(raised.value)) == 2


def test_malformed_soql_raises_malformed_request(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id FORM Account")
    assert content(raised.value)[0]["errorCode"] == "MALFORMED_QUERY"


def test_expired_session_raises_expired_session(sb: Sandbox) -> None:
    emu = sb.emulator("salesforce")
    assert isinstance(emu, SalesforceEmulator)
    with client(sb, jwt_login(sb)) as own:
        assert own.query("SELECT COUNT() FROM Account")["totalSize"] > 0
        emu.expire_tokens()
        with pytest.raises(SalesforceExpiredSession) as raised:
            own.query("SELECT COUNT() FROM Account")
    assert content(raised.value)[0]["errorCode"] == "INVALID_SESSION_ID"


def test_api_usage_reflects_sforce_limit_info(sb: Sandbox) -> None:
    emu = sb.emulator("salesforce")
    assert isinstance(emu, SalesforceEmulator)
    with client(sb, jwt_login(sb)) as own:
        own.query("SELECT Id FROM Pricebook2")
        usage = own.api_usage["api-usage"]
        assert (usage.used, usage.total) == (emu.api_requests_today(), emu.daily_limit)
        limits = own.limits()
        assert limits["DailyApiRequests"]["Max"] == emu.daily_limit
        assert own.api_usage["api-usage"].used == usage.used + 1


def test_describe_through_the_client(sf: Salesforce) -> None:
    described = sobject(sf, "Order").describe()
    names = {f["name"] for f in described["fields"]}
    assert {
        "AccountId",
        "EffectiveDate",
        "Status",
        "Pricebook2Id",
        "TotalAmount",
        "Storebridge_Id__c",
    } <= names
    described_global = sf.describe()
    assert described_global is not None
    assert any(o["name"] == "OrderItem" for o in described_global["sobjects"])
