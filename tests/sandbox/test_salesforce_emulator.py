"""The Salesforce org emulator (REST API v42.0–v62.0) over real HTTPS: ids, versions, describe,
sObject rows and their field-level errors, upsert status codes, request limits, injected faults
and state persistence.

Login is covered in `test_salesforce_auth.py`, SOQL in `test_salesforce_query.py`, Order rules in
`test_salesforce_orders.py`, sObject Collections in `test_salesforce_collections.py`, the
unmodified simple-salesforce client in `test_salesforce_conformance.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.ids import checksum, make_id, normalize_id, to18
from sandbox.salesforce.testing import data_client, login, ssl_context
from sandbox.seed import SeedConfig, build_world

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
STAMP_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$"


@pytest.fixture(scope="module")
def emu(sb: Sandbox) -> SalesforceEmulator:
    emulator = sb.emulator("salesforce")
    assert isinstance(emulator, SalesforceEmulator)
    return emulator


# --- ids ---------------------------------------------------------------------------------------
def _reference_checksum(id15: str) -> str:
    """The published algorithm, written independently of the emulator's."""
    out = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        n = sum(1 << i for i, c in enumerate(chunk) if c in string.ascii_uppercase)
        out += (string.ascii_uppercase + "012345")[n]
    return out


def test_id_checksum_matches_documented_example() -> None:
    assert checksum("001xx000003DGb2") == "AAG"
    assert to18("001xx000003DGb2") == "001xx000003DGb2AAG"
    assert normalize_id("001xx000003DGb2") == "001xx000003DGb2AAG"
    assert normalize_id("001XX000003DGB2AAG") == "001xx000003DGb2AAG"  # case restored from suffix
    assert normalize_id("not-an-id") is None
    for seq in (1, 61, 62, 3843, 10**9):
        rid = make_id("801", seq)
        assert len(rid) == 18
        assert rid[15:] == _reference_checksum(rid[:15])


def test_every_seeded_id_has_its_key_prefix_and_checksum(emu: SalesforceEmulator) -> None:
    prefixes = {
        "Account": "001",
        "Contact": "003",
        "Product2": "01t",
        "Pricebook2": "01s",
        "PricebookEntry": "01u",
        "Order": "801",
        "OrderItem": "802",
        "Stock_Level__c": "a0S",
        "Storebridge_Payment__c": "a0P",
    }
    for kind, rows in emu.records().items():
        for rec in rows:
            assert rec["Id"].startswith(prefixes[kind])
            assert rec["Id"][15:] == _reference_checksum(rec["Id"][:15])


# --- versions, describe, rows ------------------------------------------------------------------
def test_versions_and_unknown_version(sb: Sandbox, api: httpx.Client) -> None:
    with httpx.Client(verify=ssl_context(sb)) as client:
        versions = client.get(f"{sb.urls['salesforce']}/services/data/").json()
    numbers = [v["version"] for v in versions]
    assert numbers[0] == "42.0"
    assert numbers[-1] == "62.0"
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    response = api.get(f"{sb.urls['salesforce']}/services/data/v41.0/limits")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_describe_and_unknown_sobject(api: httpx.Client) -> None:
    fields = {f["name"]: f for f in api.get("/sobjects/Account/describe").json()["fields"]}
    assert fields["Storebridge_Id__c"]["externalId"] is True
    assert fields["Storebridge_Id__c"]["unique"] is True
    assert fields["Name"]["nillable"] is False
    assert fields["Phone"]["type"] == "phone"
    response = api.post("/sobjects/Invoice__c", json={"Name": "x"})
    assert response.status_code == 404
    assert response.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_create_read_update_delete(api: httpx.Client) -> None:
    created = api.post("/sobjects/Account/", json={"Name": "Crud Co", "Phone": "555-0100"})
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True
    assert body["errors"] == []
    rid = body["id"]
    row = api.get(f"/sobjects/Account/{rid}").json()
    url = f"/services/data/v59.0/sobjects/Account/{rid}"
    assert row["attributes"] == {"type": "Account", "url": url}
    assert row["Name"] == "Crud Co"
    assert row["IsDeleted"] is False
    assert row["CreatedDate"] == row["SystemModstamp"]
    assert re.match(STAMP_RE, row["CreatedDate"])
    assert api.patch(f"/sobjects/Account/{rid}", json={"Name": "Crud Ltd"}).status_code == 204
    partial = api.get(f"/sobjects/Account/{rid[:15]}", params={"fields": "Name"}).json()
    assert partial == {"attributes": row["attributes"], "Name": "Crud Ltd", "Id": rid}
    assert api.delete(f"/sobjects/Account/{rid}").status_code == 204
    gone = api.get(f"/sobjects/Account/{rid}")
    assert (gone.status_code, gone.json()[0]["errorCode"]) == (404, "ENTITY_IS_DELETED")


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        ({"Name": "X", "Colour__c": "red"}, "INVALID_FIELD", ["Colour__c"]),
        ({"Phone": "1"}, "REQUIRED_FIELD_MISSING", ["Name"]),
        (
            {"Name": "X", "CreatedDate": "2024-01-01T00:00:00.000+0000"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["CreatedDate"],
        ),
    ],
)
def test_field_level_errors(
    api: httpx.Client, body: dict[str, Any], code: str, fields: list[str]
) -> None:
    response = api.post("/sobjects/Account", json=body)
    assert response.status_code == 400
    error = response.json()[0]
    assert (error["errorCode"], error["fields"]) == (code, fields)


def test_required_message_and_cross_reference(api: httpx.Client) -> None:
    response = api.post("/sobjects/Contact", json={"FirstName": "Ada"})
    assert response.json() == [
        {
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName"],
        }
    ]
    ghost = make_id("001", 999_999)
    response = api.post("/sobjects/Contact", json={"LastName": "X", "AccountId": ghost})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_duplicate_external_id_on_create(api: httpx.Client) -> None:
    first = api.post("/sobjects/Account", json={"Name": "Dup", "Storebridge_Id__c": "DUP-1"})
    response = api.post("/sobjects/Account", json={"Name": "Dup", "Storebridge_Id__c": "dup-1"})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "duplicate value found: Storebridge_Id__c duplicates value on record "
            "with id: " + first.json()["id"],
            "errorCode": "DUPLICATE_VALUE",
            "fields": [],
        }
    ]


def test_relationship_by_external_id(api: httpx.Client) -> None:
    api.post("/sobjects/Account", json={"Name": "Parent", "Storebridge_Id__c": "REL-1"})
    created = api.post(
        "/sobjects/Contact", json={"LastName": "Child", "Account": {"Storebridge_Id__c": "REL-1"}}
    )
    assert created.status_code == 201
    contact = api.get(f"/sobjects/Contact/{created.json()['id']}").json()
    parent = api.get("/sobjects/Account/Storebridge_Id__c/REL-1").json()
    assert contact["AccountId"] == parent["Id"]
    missing = api.post(
        "/sobjects/Contact",
        json={"LastName": "Orphan", "Account": {"Storebridge_Id__c": "REL-404"}},
    )
    assert missing.status_code == 400
    assert missing.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "REL-404" in missing.json()[0]["message"]


# --- upsert ------------------------------------------------------------------------------------
def test_upsert_201_then_200(api: httpx.Client) -> None:
    first = api.patch("/sobjects/Account/Storebridge_Id__c/UP-1", json={"Name": "Upsert Co"})
    assert first.status_code == 201
    assert first.json() == {
        "id": first.json()["id"],
        "success": True,
        "errors": [],
        "created": True,
    }
    second = api.patch("/sobjects/Account/Storebridge_Id__c/UP-1", json={"Name": "Upsert Inc"})
    assert second.status_code == 200
    assert second.json() == {**first.json(), "created": False}
    row = api.get("/sobjects/Account/Storebridge_Id__c/UP-1").json()
    assert (row["Name"], row["Storebridge_Id__c"]) == ("Upsert Inc", "UP-1")


def test_upsert_update_before_v46_is_204(sb: Sandbox, api: httpx.Client) -> None:
    api.patch("/sobjects/Account/Storebridge_Id__c/UP-45", json={"Name": "Old API"})
    with data_client(sb, login(sb), version="45.0") as old:
        response = old.patch("/sobjects/Account/Storebridge_Id__c/UP-45", json={"Name": "Old"})
    assert (response.status_code, response.content) == (204, b"")


def test_upsert_value_is_url_decoded(api: httpx.Client) -> None:
    response = api.patch("/sobjects/Account/Storebridge_Id__c/A%2FB%20C", json={"Name": "Slash"})
    assert response.status_code == 201
    row = api.get(f"/sobjects/Account/{response.json()['id']}").json()
    assert row["Storebridge_Id__c"] == "A/B C"


def test_upsert_with_several_matches_is_300(api: httpx.Client) -> None:
    ids = [
        api.post(
            "/sobjects/Contact", json={"LastName": f"Twin{i}", "Storebridge_Id__c": "C-TWIN"}
        ).json()["id"]
        for i in range(2)
    ]
    urls = [f"/services/data/v59.0/sobjects/Contact/{i}" for i in ids]
    response = api.patch("/sobjects/Contact/Storebridge_Id__c/C-TWIN", json={"LastName": "X"})
    assert (response.status_code, response.json()) == (300, urls)
    read = api.get("/sobjects/Contact/Storebridge_Id__c/c-twin")  # matched case-insensitively
    assert (read.status_code, read.json()) == (300, urls)


def test_upsert_refuses_key_in_body_and_non_external_field(api: httpx.Client) -> None:
    repeated = api.patch(
        "/sobjects/Account/Storebridge_Id__c/UP-9", json={"Name": "X", "Storebridge_Id__c": "UP-9"}
    )
    assert repeated.status_code == 400
    assert repeated.json()[0]["fields"] == ["Storebridge_Id__c"]
    response = api.patch("/sobjects/Account/Name/Acme", json={"Phone": "1"})
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


# --- limits ------------------------------------------------------------------------------------
def _used(response: httpx.Response) -> tuple[int, int]:
    used, total = response.headers["Sforce-Limit-Info"].removeprefix("api-usage=").split("/")
    return int(used), int(total)


def test_limit_header_counts_every_data_request(api: httpx.Client) -> None:
    first = _used(api.get("/limits"))
    second = api.get("/query", params={"q": "SELECT Id FROM Pricebook2"})
    assert _used(second) == (first[0] + 1, 15000)
    limits = api.get("/limits").json()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - first[0] - 2}


def test_daily_limit_exceeded_is_403(emu: SalesforceEmulator, api: httpx.Client) -> None:
    saved = emu.daily_limit
    emu.daily_limit = emu.api_requests_today() + 1
    try:
        assert api.get("/limits").status_code == 200
        refused = api.get("/limits")
    finally:
        emu.daily_limit = saved
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_injected_rate_limit_is_403_request_limit_exceeded(sb: Sandbox, api: httpx.Client) -> None:
    admin = f"{sb.urls['salesforce']}/__admin/faults"
    api.put(admin, json={"rate_limit_share": 1.0, "seed": 1})
    try:
        refused = api.get("/query", params={"q": "SELECT Id FROM Account"})
    finally:
        api.put(admin, json={})
    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert "Sforce-Limit-Info" in refused.headers
    assert "Retry-After" not in refused.headers
    assert api.get("/limits").status_code == 200


def test_injected_server_error_is_503_server_unavailable(sb: Sandbox, api: httpx.Client) -> None:
    admin = f"{sb.urls['salesforce']}/__admin/faults"
    api.put(admin, json={"server_error_share": 1.0, "after_apply_share": 0.0, "seed": 1})
    try:
        failed = api.get("/limits")
    finally:
        api.put(admin, json={})
    assert failed.status_code == 503
    assert failed.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"


# --- persistence -------------------------------------------------------------------------------
def test_dump_load_round_trip(emu: SalesforceEmulator, api: httpx.Client) -> None:
    api.patch("/sobjects/Account/Storebridge_Id__c/PERSIST-1", json={"Name": "Persisted"})
    snapshot = emu.dump()
    fresh = SalesforceEmulator(build_world(SeedConfig(anchor=ANCHOR)))
    fresh.load(snapshot)
    assert fresh.records() == emu.records()
    assert fresh.dump() == snapshot
    new_id = fresh.dml.create("Account", {"Name": "After load"})
    assert new_id not in {r["Id"] for r in emu.records()["Account"]}  # sequence restored


def test_records_and_env(sb: Sandbox, emu: SalesforceEmulator) -> None:
    records = emu.records()
    assert set(records) == {
        "Account",
        "Contact",
        "Order",
        "OrderItem",
        "Product2",
        "PricebookEntry",
        "Pricebook2",
        "Stock_Level__c",
        "Storebridge_Payment__c",
    }
    world = sb.world
    # every sellable SKU (products and their variants) is a Product2
    assert len([p for p in records["Product2"] if p["ProductCode"].startswith("SB-")]) == len(
        world.skus()
    )
    standard = [b for b in records["Pricebook2"] if b["IsStandard"]]
    assert [b["Name"] for b in standard] == ["Standard Price Book"]
    env = sb.env()
    assert env["STOREBRIDGE_SALESFORCE_BASE_URL"] == sb.urls["salesforce"]
    assert env["STOREBRIDGE_SALESFORCE_AUDIENCE"] == "https://login.salesforce.com"
    assert env["STOREBRIDGE_SALESFORCE_CA_BUNDLE"].endswith("ca.pem")
