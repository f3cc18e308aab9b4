"""Bulk API 2.0 ingest on the Salesforce org emulator (REST API v42.0–v62.0), driven by the real,
unmodified simple-salesforce client (``sf.bulk2.<Object>``) with the same session setup as
`test_salesforce_conformance.py`, plus the job state machine over plain HTTPS.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import ColumnDelimiter, LineEnding, SFBulk2Type
from simple_salesforce.exceptions import SalesforceOperationError

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from tests.sandbox.sf_helpers import client, emulator, jwt_login, rows, rows_all

WAIT = 0  # seconds simple-salesforce sleeps before its first poll (its default is 5)


@pytest.fixture(scope="module")
def emu(sb: Sandbox) -> SalesforceEmulator:
    return emulator(sb)


@pytest.fixture
def sf(sb: Sandbox) -> Iterator[Salesforce]:
    with client(sb, jwt_login(sb)) as sf:
        yield sf


def bulk(sf: Salesforce, name: str) -> SFBulk2Type:
    """`sf.bulk2.<name>` typed (simple-salesforce types it loosely)."""
    return cast(SFBulk2Type, getattr(sf.bulk2, name))


def job_id(result: dict[str, Any]) -> str:
    """The job id of a load result (simple-salesforce types the dict's values as int)."""
    return str(result["job_id"])


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def parents(api: httpx.Client) -> dict[str, str]:
    """Accounts the upserted contacts point at by external id."""
    ids = {}
    for key in ("BLK-ACC-1", "BLK-ACC-2"):
        ids[key] = api.patch(
            f"/sobjects/Account/Storebridge_Id__c/{key}", json={"Name": key}
        ).json()["id"]
    return ids


def test_insert_and_successful_results(sf: Salesforce, api: httpx.Client) -> None:
    records = [{"Name": f"Bulk Insert {i}", "Storebridge_Id__c": f"BLK-INS-{i}"} for i in range(5)]
    (result,) = bulk(sf, "Account").insert(records=records, wait=WAIT)
    assert job_id(result).startswith("750")
    assert (
        result["numberRecordsProcessed"],
        result["numberRecordsFailed"],
        result["numberRecordsTotal"],
    ) == (5, 0, 5)
    text = bulk(sf, "Account").get_successful_records(job_id(result))
    assert text.startswith('"sf__Id","sf__Created",')
    done = parse(text)
    assert sorted(r["Storebridge_Id__c"] for r in done) == [f"BLK-INS-{i}" for i in range(5)]
    assert {r["sf__Created"] for r in done} == {"true"}
    stored = rows(api, "SELECT Id, Name FROM Account WHERE Storebridge_Id__c LIKE 'BLK-INS-%'")
    assert {r["Id"] for r in stored} == {r["sf__Id"] for r in done}
    assert parse(bulk(sf, "Account").get_failed_records(job_id(result))) == []


def test_mixed_upsert_with_relationships_and_results(
    sf: Salesforce, api: httpx.Client, parents: dict[str, str]
) -> None:
    existing = api.patch(
        "/sobjects/Contact/Storebridge_Id__c/BLK-C-1", json={"LastName": "Before", "Phone": "111"}
    ).json()["id"]
    records = [
        {
            "Storebridge_Id__c": "BLK-C-1",
            "LastName": "After",
            "Phone": "",
            "Account.Storebridge_Id__c": "BLK-ACC-1",
        },  # update; empty Phone is left unchanged
        {
            "Storebridge_Id__c": "BLK-C-2",
            "LastName": "New",
            "Phone": "222",
            "Account.Storebridge_Id__c": "BLK-ACC-2",
        },  # create
        {
            "Storebridge_Id__c": "BLK-C-3",
            "LastName": "",
            "Phone": "333",
            "Account.Storebridge_Id__c": "",
        },  # no LastName on create: fails
        {
            "Storebridge_Id__c": "BLK-C-4",
            "LastName": "Orphan",
            "Phone": "",
            "Account.Storebridge_Id__c": "BLK-ACC-404",
        },  # unknown parent: fails
    ]
    (result,) = bulk(sf, "Contact").upsert(
        records=records, external_id_field="Storebridge_Id__c", wait=WAIT
    )
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (4, 2)
    done = {
        r["Storebridge_Id__c"]: r
        for r in parse(bulk(sf, "Contact").get_successful_records(job_id(result)))
    }
    assert {k: (r["sf__Created"], r["sf__Id"] == existing) for k, r in done.items()} == {
        "BLK-C-1": ("false", True),
        "BLK-C-2": ("true", False),
    }
    failed_text = bulk(sf, "Contact").get_failed_records(job_id(result))
    assert failed_text.startswith('"sf__Id","sf__Error",')
    failed = {r["Storebridge_Id__c"]: r for r in parse(failed_text)}
    assert failed["BLK-C-3"]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert failed["BLK-C-4"]["sf__Error"].startswith(
        "INVALID_FIELD:Foreign key external ID: BLK-ACC-404 not found"
    )
    assert failed["BLK-C-4"]["Phone"] == ""  # input columns echoed as sent
    after = api.get(f"/sobjects/Contact/{existing}").json()
    assert (after["LastName"], after["Phone"], after["AccountId"]) == (
        "After",
        "111",
        parents["BLK-ACC-1"],
    )
    new = api.get("/sobjects/Contact/Storebridge_Id__c/BLK-C-2").json()
    assert new["AccountId"] == parents["BLK-ACC-2"]
    assert (
        rows(api, "SELECT Id FROM Contact WHERE Storebridge_Id__c IN ('BLK-C-3', 'BLK-C-4')") == []
    )
    unprocessed = bulk(sf, "Contact").get_unprocessed_records(job_id(result))
    assert parse(unprocessed) == []
    assert set(unprocessed.splitlines()[0].split(",")) == set(records[0])


def test_update_with_null_marker_and_delete(sf: Salesforce, api: httpx.Client) -> None:
    rid = api.post("/sobjects/Account", json={"Name": "Nulls", "Phone": "555"}).json()["id"]
    (result,) = bulk(sf, "Account").update(
        records=[{"Id": rid, "Phone": "#N/A", "Name": "Nulled"}], wait=WAIT
    )
    assert result["numberRecordsFailed"] == 0
    row = api.get(f"/sobjects/Account/{rid}").json()
    assert (row["Name"], row["Phone"]) == ("Nulled", None)
    ghost = rid[:-6] + "zzzAAA"
    (deleted,) = bulk(sf, "Account").delete(records=[{"Id": rid}, {"Id": ghost}], wait=WAIT)
    assert (deleted["numberRecordsProcessed"], deleted["numberRecordsFailed"]) == (2, 1)
    failed = parse(bulk(sf, "Account").get_failed_records(job_id(deleted)))
    assert failed[0]["sf__Id"] == ghost
    assert [
        (r["Id"], r["IsDeleted"])
        for r in rows_all(api, f"SELECT Id, IsDeleted FROM Account WHERE Id = '{rid}'")
    ] == [(rid, True)]


def test_hard_delete_skips_the_recycle_bin(sf: Salesforce, api: httpx.Client) -> None:
    rid = api.post("/sobjects/Account", json={"Name": "Purged"}).json()["id"]
    contact = api.post("/sobjects/Contact", json={"LastName": "Child", "AccountId": rid})
    (result,) = bulk(sf, "Account").hard_delete(records=[{"Id": rid}], wait=WAIT)
    assert result["numberRecordsFailed"] == 0
    assert rows_all(api, f"SELECT Id FROM Account WHERE Id = '{rid}'") == []
    assert rows_all(api, f"SELECT Id FROM Contact WHERE Id = '{contact.json()['id']}'") == []


def test_csv_file_with_pipe_delimiter_and_crlf(
    sf: Salesforce, api: httpx.Client, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        b"Name|Storebridge_Id__c|Description\r\n"
        b'Pipe One|BLK-PIPE-1|"has | a pipe"\r\nPipe Two|BLK-PIPE-2|plain\r\n'
    )
    (result,) = bulk(sf, "Account").insert(
        csv_file=str(path),
        column_delimiter=ColumnDelimiter.PIPE,
        line_ending=LineEnding.CRLF,
        wait=WAIT,
    )
    assert result["numberRecordsProcessed"] == 2
    one = api.get("/sobjects/Account/Storebridge_Id__c/BLK-PIPE-1").json()
    assert one["Description"] == "has | a pipe"
    info = api.get(f"/jobs/ingest/{job_id(result)}").json()
    assert (info["columnDelimiter"], info["lineEnding"], info["object"]) == (
        "PIPE",
        "CRLF",
        "Account",
    )
    text = bulk(sf, "Account").get_successful_records(job_id(result))
    assert text.startswith('"sf__Id"|"sf__Created"|Name|Storebridge_Id__c|Description\r\n')


def test_unknown_column_fails_the_job(sf: Salesforce, api: httpx.Client) -> None:
    with pytest.raises(SalesforceOperationError) as raised:
        bulk(sf, "Account").insert(records=[{"Name": "X", "Colour__c": "red"}], wait=WAIT)
    assert "Field name not found : Colour__c" in str(raised.value)
    failed = [j for j in api.get("/jobs/ingest").json()["records"] if j["state"] == "Failed"]
    job = api.get(f"/jobs/ingest/{failed[-1]['id']}").json()
    assert job["errorMessage"] == "InvalidBatch : Field name not found : Colour__c"
    unprocessed = parse(bulk(sf, "Account").get_unprocessed_records(job["id"]))
    assert unprocessed == [{"Name": "X", "Colour__c": "red"}]


def test_every_bulk_request_counts_once(sf: Salesforce, emu: SalesforceEmulator) -> None:
    before_total, before_used = emu.count(), emu.api_requests_today()
    before_jobs = emu.count("POST /services/data/v{version}/jobs/ingest")
    bulk(sf, "Account").insert(records=[{"Name": "Counted"}], wait=WAIT)
    # create, upload, close, then polls (InProgress, JobComplete) and a final get
    assert emu.count("POST /services/data/v{version}/jobs/ingest") == before_jobs + 1
    assert emu.count("PUT /services/data/v{version}/jobs/ingest/{job_id}/batches") >= 1
    made = emu.count() - before_total
    assert made >= 5
    assert emu.api_requests_today() - before_used == made


# --- the state machine over plain HTTPS ----------------------------------------------------------
def _job(api: httpx.Client, **spec: Any) -> dict[str, Any]:
    response = api.post(
        "/jobs/ingest",
        json={"object": "Account", "operation": "insert", "contentType": "CSV", **spec},
    )
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def _upload(api: httpx.Client, job_id: str, data: str) -> httpx.Response:
    return api.put(
        f"/jobs/ingest/{job_id}/batches",
        content=data.encode(),
        headers={"Content-Type": "text/csv"},
    )


def test_job_info_and_states(api: httpx.Client) -> None:
    job = _job(api, operation="upsert", externalIdFieldName="storebridge_id__c")
    assert (job["state"], job["externalIdFieldName"], job["apiVersion"]) == (
        "Open",
        "Storebridge_Id__c",
        59.0,
    )
    assert job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
    assert _upload(api, job["id"], "Name,Storebridge_Id__c\nS1,BLK-ST-1\n").status_code == 201
    second = _upload(api, job["id"], "Name\nS2\n")
    assert (second.status_code, second.json()[0]["errorCode"]) == (409, "INVALIDJOBSTATE")
    closed = api.patch(f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"}).json()
    assert closed["state"] == "UploadComplete"
    states = [api.get(f"/jobs/ingest/{job['id']}").json()["state"] for _ in range(3)]
    assert states == ["InProgress", "JobComplete", "JobComplete"]
    again = api.patch(f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert again.status_code == 409
    assert api.delete(f"/jobs/ingest/{job['id']}").status_code == 204
    assert api.get(f"/jobs/ingest/{job['id']}").status_code == 404


def test_aborted_job_writes_nothing(api: httpx.Client) -> None:
    job = _job(api)
    _upload(api, job["id"], "Name,Storebridge_Id__c\nAborted,BLK-ABORT\n")
    aborted = api.patch(f"/jobs/ingest/{job['id']}", json={"state": "Aborted"}).json()
    assert aborted["state"] == "Aborted"
    assert rows(api, "SELECT Id FROM Account WHERE Storebridge_Id__c = 'BLK-ABORT'") == []
    left = api.get(f"/jobs/ingest/{job['id']}/unprocessedrecords/").text
    assert left == "Name,Storebridge_Id__c\nAborted,BLK-ABORT\n"


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"object": "Invoice__c"}, "INVALIDENTITY"),
        ({"operation": "merge"}, "INVALIDJOB"),
        ({"operation": "upsert"}, "INVALIDJOB"),
        ({"operation": "upsert", "externalIdFieldName": "Name"}, "INVALIDJOB"),
        ({"columnDelimiter": "COLON"}, "INVALIDJOB"),
    ],
)
def test_invalid_job_definitions(api: httpx.Client, spec: dict[str, str], code: str) -> None:
    response = api.post("/jobs/ingest", json={"object": "Account", "operation": "insert", **spec})
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, code)


def test_line_ending_mismatch_fails_the_job(api: httpx.Client) -> None:
    job = _job(api)
    _upload(api, job["id"], "Name\r\nCRLF in an LF job\r\n")
    api.patch(f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    info = api.get(f"/jobs/ingest/{job['id']}").json()
    info = api.get(f"/jobs/ingest/{job['id']}").json()
    assert info["state"] == "Failed"
    assert "LineEnding is invalid" in info["errorMessage"]
    assert rows(api, "SELECT Id FROM Account WHERE Name = 'CRLF in an LF job'") == []
