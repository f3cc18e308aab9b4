"""Under injected faults the flow ends with exactly the records of a clean run, and no duplicates.

Both emulators refuse 20% of requests for quota in their own way (Shift4Shop: 429 with
Retry-After; Salesforce: 403 REQUEST_LIMIT_EXCEEDED) and answer 20% with a 5xx; half of those 5xx
come back after the write was applied, as when a response is lost, so a retry re-sends a write
that already happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.state import DeadLetterStatus
from connectors.state.meta import PSEUDONYM_KEY
from flows.order_to_cash import order_to_cash
from sandbox.core import FaultConfig
from tests.conftest import Pair

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
SHARED_KEY = "5b" * 32
FAULTS = FaultConfig(
    rate_limit_share=0.2,
    server_error_share=0.2,
    after_apply_share=0.5,
    retry_after_s=1,
    seed=20261123,
)


def canonical_records(pair: Pair) -> dict[str, dict[str, Any]]:
    """Salesforce records keyed by external id (or e-mail for CRM-owned contacts), ids resolved."""
    by_id = {
        r["Id"]: r
        for kind in ("Account", "Order", "PricebookEntry", "Product2")
        for r in pair.records(kind)
    }

    def ext(record_id: str | None) -> str | None:
        return (
            by_id[record_id].get("Storebridge_Id__c") or by_id[record_id].get("Name")
            if record_id
            else None
        )

    out: dict[str, dict[str, Any]] = {}
    for kind, fields in {
        "Account": ("Name", "BillingCity", "Phone"),
        "Contact": ("Email", "LastName", "FirstName"),
        "Order": ("Status", "EffectiveDate", "TotalAmount", "Store_Status__c"),
        "OrderItem": ("Quantity", "UnitPrice"),
    }.items():
        rows = pair.records(kind)
        keyed: dict[str, Any] = {}
        for r in rows:
            key = (
                r.get("Storebridge_Id__c") or f"{kind}:{r.get('Email') or r.get('Name')}:{r['Id']}"
            )
            extra = {}
            if kind in ("Contact", "Order"):
                extra["account"] = ext(r["AccountId"])
            if kind == "OrderItem":
                extra["order"] = ext(r["OrderId"])
                extra["product"] = by_id[by_id[r["PricebookEntryId"]]["Product2Id"]]["ProductCode"]
            keyed[key] = {**{f: r.get(f) for f in fields}, **extra}
        assert len(keyed) == len(rows), f"duplicate {kind} records"
        out[kind] = keyed
    return out


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    results: dict[str, Any] = {}
    mp = pytest.MonkeyPatch()
    for name, faults in (("clean", FaultConfig()), ("faulty", FAULTS)):
        pair = Pair(tmp_path_factory.mktemp(name), mp)
        # Guest ids are keyed hashes under the state store's key: both runs use one key, as
        # runs sharing one state store do, so their records compare by external id.
        pair.state().ensure_meta(PSEUDONYM_KEY, SHARED_KEY)
        for slug in ("shift4shop", "salesforce"):
            pair.sandbox.emulator(slug).set_faults(faults)
        first = order_to_cash(window_start=START, window_end=END)
        second = order_to_cash(window_start=START, window_end=END)
        injected = {
            s: dict(pair.sandbox.emulator(s).fault_counts) for s in ("shift4shop", "salesforce")
        }
        letters = {
            (d.external_id, d.error_class)
            for d in pair.state().list_dead_letters(status=DeadLetterStatus.OPEN)
        }
        results[name] = {
            "records": canonical_records(pair),
            "first": first,
            "second": second,
            "injected": injected,
            "letters": letters,
        }
        pair.stop()
    yield results
    mp.undo()


def test_faults_were_really_injected(runs: dict[str, Any]) -> None:
    for system in ("shift4shop", "salesforce"):
        injected = runs["faulty"]["injected"][system]
        assert injected.get("rate_limited", 0) > 0, system
    salesforce = runs["faulty"]["injected"]["salesforce"]
    assert salesforce.get("server_error_after_apply", 0) > 0  # lost answers to applied writes


def test_same_records_as_a_clean_run(runs: dict[str, Any]) -> None:
    clean, faulty = runs["clean"]["records"], runs["faulty"]["records"]
    for kind in clean:
        assert faulty[kind] == clean[kind], f"{kind} differs under faults"


def test_same_outcome_and_dead_letters(runs: dict[str, Any]) -> None:
    for key in ("read", "created", "dead_lettered"):
        assert runs["faulty"]["first"][key] == runs["clean"]["first"][key], key
    assert runs["faulty"]["letters"] == runs["clean"]["letters"]


def test_second_run_under_faults_creates_nothing(runs: dict[str, Any]) -> None:
    assert runs["faulty"]["second"]["created"] == 0
    assert runs["faulty"]["second"]["unchanged"] == runs["clean"]["first"]["created"]
