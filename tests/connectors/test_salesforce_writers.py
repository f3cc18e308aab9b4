"""Packed Salesforce writes against the org emulator: `CompositeWriter` (sObject Collections
subrequests inside `/composite` calls, parents first) and `BulkWriter` (Bulk API 2.0 jobs).

API calls are counted with the emulator's endpoint counters; every test uses its own external
ids, so the shared org only grows. `flush` results are taken as `dict(...)`: it yields
(key, result) pairs as each call answers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.salesforce import SalesforceClient
from connectors.salesforce.bulk import BulkWriter, composite_cost, cost
from connectors.salesforce.writer import CompositeWriter, Write
from sandbox.core import Emulator
from sandbox.runner import Sandbox
from tests.connectors.contract import FakeSleep
from tests.connectors.test_salesforce_contract import settings

EXT = "Storebridge_Id__c"
COMPOSITE = "POST /services/data/v{version}/composite"
JOBS = "POST /services/data/v{version}/jobs/ingest"


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[SalesforceClient]:
    with SalesforceClient(settings(sandbox), sleep=FakeSleep()) as c:
        yield c


@pytest.fixture
def emulator(sandbox: Sandbox) -> Emulator:
    return sandbox.emulator("salesforce")


@pytest.fixture(scope="module")
def catalog(sandbox: Sandbox) -> tuple[str, str]:
    """(standard price book id, one active PricebookEntry id of it)."""
    with SalesforceClient(settings(sandbox), sleep=FakeSleep()) as c:
        (book,) = c.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
        entry = c.query(
            f"SELECT Id FROM PricebookEntry WHERE Pricebook2Id = '{book['Id']}' "
            "AND IsActive = true LIMIT 1"
        )[0]
    return book["Id"], entry["Id"]


def chain(
    tag: str, catalog: tuple[str, str], accounts: int, contacts: int, orders: int, items: int
) -> list[Write]:
    """Accounts → Contacts and Orders pointing at them by external id → OrderItems of the
    orders: each child names its parent's write in `after` and refers to it by external id."""
    book, entry = catalog
    writes = [
        Write(
            ("A", i), "Account", "upsert", {EXT: f"{tag}:a:{i}", "Name": f"{tag} {i}"}, EXT, stage=0
        )
        for i in range(accounts)
    ]
    writes += [
        Write(
            ("C", i),
            "Contact",
            "upsert",
            {
                EXT: f"{tag}:c:{i}",
                "LastName": f"Buyer {i}",
                "Account": {EXT: f"{tag}:a:{i % accounts}"},
            },
            EXT,
            stage=1,
            after=(("A", i % accounts),),
        )
        for i in range(contacts)
    ]
    writes += [
        Write(
            ("O", i),
            "Order",
            "upsert",
            {
                EXT: f"{tag}:o:{i}",
                "Account": {EXT: f"{tag}:a:{i % accounts}"},
                "Pricebook2Id": book,
                "EffectiveDate": "2026-11-20",
                "Status": "Draft",
            },
            EXT,
            stage=2,
            after=(("A", i % accounts),),
        )
        for i in range(orders)
    ]
    writes += [
        Write(
            ("I", i),
            "OrderItem",
            "upsert",
            {
                EXT: f"{tag}:i:{i}",
                "Order": {EXT: f"{tag}:o:{i % orders}"},
                "PricebookEntryId": entry,
                "Quantity": Decimal("2"),
                "UnitPrice": Decimal("9.99"),
            },
            EXT,
            stage=3,
            after=(("O", i % orders),),
        )
        for i in range(items)
    ]
    return writes


def composite_calls(emulator: Emulator) -> int:
    return emulator.count(COMPOSITE)


def rows(emulator: Emulator, sobject: str, tag: str) -> list[dict[str, Any]]:
    with emulator.lock:
        return [
            r for r in emulator.records()[sobject] if str(r.get(EXT) or "").startswith(f"{tag}:")
        ]


def test_a_chain_of_1000_records_is_one_composite_call(
    client: SalesforceClient, emulator: Emulator, catalog: tuple[str, str]
) -> None:
    writer = CompositeWriter(client)
    writer.add(chain("pack1", catalog, 200, 200, 200, 400))
    before = composite_calls(emulator)

    results = dict(writer.flush())

    assert composite_calls(emulator) - before == 1 == writer.calls
    assert writer.pending == 0
    assert len(results) == 1000
    assert all(r.success and r.id for r in results.values()), [
        r.error_text for r in results.values() if not r.success
    ][:3]
    accounts = {r[EXT]: r["Id"] for r in rows(emulator, "Account", "pack1")}
    orders = {r[EXT]: r["Id"] for r in rows(emulator, "Order", "pack1")}
    assert results["A", 7].id == accounts["pack1:a:7"]
    contact = next(r for r in rows(emulator, "Contact", "pack1") if r[EXT] == "pack1:c:7")
    assert contact["AccountId"] == accounts["pack1:a:7"]
    item = next(r for r in rows(emulator, "OrderItem", "pack1") if r[EXT] == "pack1:i:250")
    assert item["OrderId"] == orders["pack1:o:50"]


def test_partly_filled_groups_take_the_fewest_calls(
    client: SalesforceClient, emulator: Emulator, catalog: tuple[str, str]
) -> None:
    writer = CompositeWriter(client)
    writer.add(chain("pack2", catalog, 250, 250, 250, 250))  # 8 subrequests of <= 200
    before = composite_calls(emulator)

    assert dict(writer.flush()) == {}  # no request can be filled with five full subrequests
    assert composite_calls(emulator) == before
    results = dict(writer.flush(force=True))

    assert composite_calls(emulator) - before == 2  # ceil(8 / 5): the minimum
    assert len(results) == 1000
    assert all(r.success for r in results.values())
    assert composite_cost(1000) == 1  # what the call estimate assumes for full groups


def test_nothing_is_sent_until_a_request_is_full(
    client: SalesforceClient, emulator: Emulator, catalog: tuple[str, str]
) -> None:
    writes = chain("pack3", catalog, 200, 200, 200, 400)
    writer = CompositeWriter(client)
    writer.add(writes[:-1])
    before = composite_calls(emulator)

    assert dict(writer.flush(force=False)) == {}
    assert (composite_calls(emulator), writer.pending) == (before, 999)
    writer.add(writes[-1:])
    results = dict(writer.flush(force=False))

    assert composite_calls(emulator) - before == 1
    assert len(results) == 1000
    assert writer.pending == 0


def test_failures_come_back_per_write_key(
    client: SalesforceClient, emulator: Emulator, catalog: tuple[str, str]
) -> None:
    writes = chain("pack4", catalog, 2, 2, 1, 1)
    writes += [
        Write(
            "no-name",
            "Contact",
            "upsert",
            {EXT: "pack4:c:bad", "Account": {EXT: "pack4:a:0"}},
            EXT,
            stage=1,
            after=(("A", 0),),
        ),
        Write(
            "orphan",
            "Contact",
            "upsert",
            {EXT: "pack4:c:orphan", "LastName": "Orphan", "Account": {EXT: "pack4:a:404"}},
            EXT,
            stage=1,
        ),
        Write(
            "bad-entry",
            "OrderItem",
            "upsert",
            {
                EXT: "pack4:i:bad",
                "Order": {EXT: "pack4:o:0"},
                "PricebookEntryId": "01u000000000000AAA",
                "Quantity": Decimal("1"),
                "UnitPrice": Decimal("1"),
            },
            EXT,
            stage=3,
            after=(("O", 0),),
        ),
    ]
    writer = CompositeWriter(client)
    writer.add(
        [*writes, Write("retried", "Account", "upsert", {EXT: "pack4:a:r", "Name": ""}, EXT)]
    )
    # A retried batch queues its write again: the pending one is replaced, not sent twice.
    writer.add([Write("retried", "Account", "upsert", {EXT: "pack4:a:r", "Name": "Fixed"}, EXT)])
    assert writer.pending == len(writes) + 1
    writes.append(Write("retried", "Account", "upsert", {EXT: "pack4:a:r"}, EXT))

    results = dict(writer.flush(force=True))

    assert set(results) == {w.key for w in writes}
    failed = {k for k, r in results.items() if not r.success}
    assert failed == {"no-name", "orphan", "bad-entry"}
    assert results["no-name"].has_code("REQUIRED_FIELD_MISSING")
    assert "pack4:a:404" in results["orphan"].error_text
    assert results["bad-entry"].errors
    assert all(results[w.key].id for w in writes if w.key not in failed)
    assert writer.calls == 1
    assert {r[EXT] for r in rows(emulator, "Contact", "pack4")} == {"pack4:c:0", "pack4:c:1"}
    assert [r["Name"] for r in rows(emulator, "Account", "pack4") if r[EXT] == "pack4:a:r"] == [
        "Fixed"
    ]


def test_updates_and_deletes_are_packed_too(
    client: SalesforceClient, emulator: Emulator, catalog: tuple[str, str]
) -> None:
    writer = CompositeWriter(client)
    writer.add(chain("pack5", catalog, 2, 0, 0, 0))
    created = dict(writer.flush(force=True))
    first, second = created["A", 0].id, created["A", 1].id
    writer.add(
        [
            Write("rename", "Account", "update", {"Id": first, "Name": "pack5 renamed"}),
            # The same record twice: a collection refuses one Id twice, so it takes two subrequests.
            Write("rename-again", "Account", "update", {"Id": first, "Description": "twice"}),
            Write("remove", "Account", "delete", {"Id": second}, stage=1),
        ]
    )
    before = composite_calls(emulator)
    results = dict(writer.flush(force=True))
    assert composite_calls(emulator) - before == 1
    assert [results[k].success for k in ("rename", "rename-again", "remove")] == [True] * 3
    left = {r["Id"]: (r["Name"], r["Description"]) for r in rows(emulator, "Account", "pack5")}
    assert left == {first: ("pack5 renamed", "twice")}


def test_bulk_upserts_map_results_back_to_write_keys(
    client: SalesforceClient, emulator: Emulator, tmp_path: Path
) -> None:
    existing = CompositeWriter(client)
    existing.add([Write("seed", "Account", "upsert", {EXT: "bulk1:a:old", "Name": "Before"}, EXT)])
    old_id = dict(existing.flush(force=True))["seed"].id
    writes = [
        Write(("A", "new"), "Account", "upsert", {EXT: "bulk1:a:new", "Name": "New Ltd"}, EXT),
        Write(("A", "old"), "Account", "upsert", {EXT: "BULK1:A:OLD", "Name": "After"}, EXT),
        Write(("A", "bad"), "Account", "upsert", {EXT: "bulk1:a:bad", "Name": ""}, EXT),
        Write(
            ("C", "ok"),
            "Contact",
            "upsert",
            {EXT: "bulk1:c:ok", "LastName": "Bulk", "Account": {EXT: "bulk1:a:new"}},
            EXT,
            stage=1,
        ),
        Write(
            ("C", "orphan"),
            "Contact",
            "upsert",
            {EXT: "bulk1:c:orphan", "LastName": "Orphan", "Account": {EXT: "bulk1:a:404"}},
            EXT,
            stage=1,
        ),
    ]
    writer = BulkWriter(client, poll_s=0, directory=tmp_path)
    writer.add(writes)
    assert writer.pending == 5
    jobs_before = emulator.count(JOBS)

    results = dict(writer.flush())

    assert emulator.count(JOBS) - jobs_before == 2 == writer.jobs  # one job per group
    assert set(results) == {w.key for w in writes}
    new, old, bad = results["A", "new"], results["A", "old"], results["A", "bad"]
    assert (new.success, new.created) == (True, True)
    assert (old.success, old.created, old.id) == (True, False, old_id)  # ids match ignoring case
    assert not bad.success
    assert bad.has_code("REQUIRED_FIELD_MISSING")
    assert results["C", "ok"].success
    assert not results["C", "orphan"].success
    assert results["C", "orphan"].has_code("INVALID_FIELD")
    contact = next(r for r in rows(emulator, "Contact", "bulk1") if r[EXT] == "bulk1:c:ok")
    assert contact["AccountId"] == new.id
    assert writer.pending == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # spools and results removed


def test_bulk_costs_calls_per_job_not_per_record() -> None:
    assert (cost(0), cost(1), cost(100_000)) == (0, 6, 6)
    assert composite_cost(5_000) == 5
    assert composite_cost(1_001) == 2


def test_a_bulk_job_costs_six_calls_plus_its_in_progress_polls(
    client: SalesforceClient, emulator: Emulator, tmp_path: Path
) -> None:
    writes = [
        Write(("A", i), "Account", "upsert", {EXT: f"bulk3:a:{i}", "Name": f"Co {i}"}, EXT)
        for i in range(50)
    ]
    writer = BulkWriter(client, poll_s=0, directory=tmp_path)
    writer.add(writes)
    jobs_api = "/services/data/v{version}/jobs/ingest"
    before = emulator.count() - emulator.count("POST /services/oauth2/token")
    results = dict(writer.flush())
    spent = emulator.count() - emulator.count("POST /services/oauth2/token") - before
    assert all(r.success for r in results.values())
    in_progress = emulator.bulk.polls_in_progress
    # create, upload, close, poll (done), successful and failed results: no extra job read
    assert spent == 6 + in_progress
    assert emulator.count(f"GET {jobs_api}/{{job_id}}") >= 1 + in_progress


def test_a_spool_larger_than_one_upload_runs_as_several_jobs(
    client: SalesforceClient,
    emulator: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connectors.salesforce import bulk

    monkeypatch.setattr(bulk, "MAX_JOB_BYTES", 800)  # about 45 rows of 18 bytes per job
    writes = [
        Write(("A", i), "Account", "upsert", {EXT: f"bulk4:a:{i:03d}", "Name": f"Co {i}"}, EXT)
        for i in range(120)
    ]
    writer = BulkWriter(client, poll_s=0, directory=tmp_path)
    writer.add(writes)
    jobs_before = emulator.count(JOBS)
    results = dict(writer.flush())
    assert writer.jobs == emulator.count(JOBS) - jobs_before >= 3
    assert set(results) == {w.key for w in writes}
    assert all(r.success and r.created for r in results.values())
    assert len(rows(emulator, "Account", "bulk4")) == 120
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_record_written_twice_while_queued_is_sent_once_with_both_answered(
    client: SalesforceClient, emulator: Emulator
) -> None:
    seed = CompositeWriter(client)
    seed.add([Write("seed", "Account", "upsert", {EXT: "merge1:a", "Name": "Old"}, EXT)])
    account_id = dict(seed.flush(force=True))["seed"].id
    writer = CompositeWriter(client)
    first = Write(("refresh", 1), "Account", "update", {"Id": account_id, "Name": "New"})
    second = Write(("refresh", 2), "Account", "update", {"Id": account_id, "BillingCity": "Boston"})
    child = Write(
        ("C", 1),
        "Contact",
        "upsert",
        {EXT: "merge1:c", "LastName": "Merged", "AccountId": account_id},
        EXT,
        stage=1,
        after=(("refresh", 2),),  # depends on the write that was merged away
    )
    writer.add([first, second, child])
    assert writer.pending == 3
    sent: list[list[tuple[str, int]]] = []
    real = writer._send

    def spy(slots: Any) -> Any:
        sent.append([(g.key[1], len(ws)) for g, ws in slots])
        return real(slots)

    writer._send = spy  # type: ignore[method-assign]
    results = dict(writer.flush(force=True))
    assert sent == [[("Account", 1), ("Contact", 1)]]  # the record once: no second chunk
    assert set(results) == {("refresh", 1), ("refresh", 2), ("C", 1)}
    assert results["refresh", 1] == results["refresh", 2]
    assert results["refresh", 1].success
    (account,) = [r for r in rows(emulator, "Account", "merge1")]
    assert (account["Name"], account["BillingCity"]) == ("New", "Boston")  # later fields win
    assert results["C", 1].success
    assert writer.pending == 0


def test_a_retried_write_of_a_merged_record_is_not_sent_twice(
    client: SalesforceClient, emulator: Emulator
) -> None:
    seed = CompositeWriter(client)
    seed.add([Write("seed", "Account", "upsert", {EXT: "merge2:a", "Name": "Old"}, EXT)])
    account_id = dict(seed.flush(force=True))["seed"].id
    writer = CompositeWriter(client)
    a = Write(("r", 1), "Account", "update", {"Id": account_id, "Name": "A"})
    b = Write(("r", 2), "Account", "update", {"Id": account_id, "Name": "B"})
    writer.add([a, b])
    writer.add([Write(("r", 2), "Account", "update", {"Id": account_id, "Name": "C"})])
    writer.add([Write(("r", 1), "Account", "update", {"Id": account_id, "Phone": "555"})])
    assert writer.pending == 2
    results = list(writer.flush(force=True))
    assert sorted(k for k, _ in results) == [("r", 1), ("r", 2)]  # each answered once
    (account,) = rows(emulator, "Account", "merge2")
    assert (account["Name"], account["Phone"]) == ("C", "555")
