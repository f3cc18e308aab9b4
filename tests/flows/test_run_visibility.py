"""What a run shows in Prefect (name, tags, state, events, logs, artifacts) and the pair lease
that keeps two runs of one (use case, pair) from writing side by side."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.order_to_cash import order_to_cash
from flows.usecases import ORDER_TO_CASH
from sandbox.core import FaultConfig
from tests.conftest import Pair

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
START = dt.datetime(2026, 8, 25, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
LEASE = ORDER_TO_CASH.stream("shift4shop", "salesforce")


def eventually(probe: Callable[[], Any], what: str, wait_s: float = 30) -> Any:
    """Poll `probe` until it returns something truthy (events and logs reach the API in
    batches); fail naming `what` when they never come."""
    deadline = time.monotonic() + wait_s
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            assert found, f"no {what} after {wait_s} s"
            return found
        time.sleep(0.5)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Pair]:
    mp = pytest.MonkeyPatch()
    pair = Pair(tmp_path_factory.mktemp("visibility"), mp)
    yield pair
    pair.stop()
    mp.undo()


@pytest.fixture(scope="module")
def backfill(pair: Pair) -> dict[str, Any]:
    """A backfill of the seeded window with dead letters, while the store fails some pages."""
    store = pair.sandbox.emulator("shift4shop")
    store.set_faults(FaultConfig(server_error_share=0.5, after_apply_share=0, seed=7))
    try:
        state = order_to_cash(window_start=START, window_end=END, return_state=True)
    finally:
        store.set_faults(FaultConfig())
    return {"state": state, "summary": state.result(), "faults": dict(store.fault_counts)}


def read_run(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)  # type: ignore[arg-type]


def events_of(run_id: str, name: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter

    flt = EventFilter(
        event=EventNameFilter(name=[name]),
        related=EventRelatedFilter(id=[f"prefect.flow-run.{run_id}"]),
    )
    with get_client(sync_client=True) as client:
        page = client.read_events(filter=flt, limit=50)
        events = list(page.events)
        while page.next_page:
            page = client.read_events_page(str(page.next_page))
            events += page.events
        return events


def logs_of(run_id: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        return list(
            client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200
            )
        )


def test_a_run_with_dead_letters_is_not_a_plain_completed(backfill: dict[str, Any]) -> None:
    state, summary = backfill["state"], backfill["summary"]
    assert summary["dead_lettered"] > 0
    assert state.is_completed()
    assert state.name == "Completed with dead letters"
    assert f"dead-lettered {summary['dead_lettered']}" in (state.message or "")
    assert f"created {summary['created']}" in (state.message or "")


def test_the_run_is_named_and_tagged_by_what_ran(backfill: dict[str, Any]) -> None:
    run = read_run(backfill["summary"]["flow_run_id"])
    assert run.name == "order-to-cash shift4shop→salesforce window 2026-08-25–2026-11-23"
    assert {"storebridge", "order-to-cash", "shift4shop-salesforce", "window"} <= set(run.tags)
    assert run.state.name == "Completed with dead letters"


def test_each_dead_letter_is_a_prefect_event_automations_can_match(
    backfill: dict[str, Any], pair: Pair
) -> None:
    summary = backfill["summary"]
    events = eventually(
        lambda: (
            found
            if len(found := events_of(summary["flow_run_id"], "storebridge.dead_letter.created"))
            >= summary["dead_lettered"]
            else None
        ),
        "dead-letter events",
    )
    assert len(events) == summary["dead_lettered"]
    ids = {int(e.resource.id.rsplit(".", 1)[1]) for e in events}
    assert ids == {d["id"] for d in summary["dead_letters"]}
    first = events[0]
    assert first.resource["storebridge.use-case"] == "order-to-cash"
    assert first.resource["storebridge.target"] == "salesforce"
    assert first.payload["replay"].startswith("storebridge deadletters replay ")
    emails = {c.email for c in pair.sandbox.world.customers if c.email}
    shown = json.dumps([e.payload for e in events])
    assert not [e for e in emails if e in shown]  # reasons are redacted
    written = eventually(
        lambda: events_of(summary["flow_run_id"], "storebridge.records.written"),
        "records.written",
    )
    assert written[0].payload["created"] == summary["created"]
    assert written[0].resource.id == "storebridge.use-case.order-to-cash.shift4shop.salesforce"


def test_storebridge_logs_reach_the_run_in_prefect(backfill: dict[str, Any]) -> None:
    assert backfill["faults"], "the store was meant to fail some pages"
    run_id = backfill["summary"]["flow_run_id"]

    def http_logs() -> list[Any] | None:
        # Logs reach the API in batches, not in the order they were written: wait for all three.
        found = logs_of(run_id)
        messages = [log.message for log in found]
        complete = (
            any(log.name.startswith("storebridge.http") for log in found)
            and any(m.startswith("page 1: read") for m in messages)
            and any(m.startswith("batch 1: created") for m in messages)
        )
        return found if complete else None

    logs = eventually(http_logs, "storebridge.http, page and batch logs in the run")
    retries = [log.message for log in logs if log.name.startswith("storebridge.http")]
    assert any("retry" in m for m in retries), retries
    messages = [log.message for log in logs]
    assert any(m.startswith("page 1: read") for m in messages)
    assert any(m.startswith("batch 1: created") for m in messages)


def test_a_run_waits_for_the_pair_and_never_writes_beside_another(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one pair at once (a webhook run beside a scheduled poll): the second waits
    for the first, then finds everything written. Without the lease both would write."""
    from flows.sync import run_sync
    from flows.systems.salesforce.orders import OrderTarget

    fresh = Pair(tmp_path, monkeypatch)
    good = [o for o in fresh.sandbox.world.orders if o.status_id != 7 and not o.defect]
    ids = [str(o.order_id) for o in good[::50]][:4]
    state = fresh.state()
    started, go = threading.Event(), threading.Event()
    real = OrderTarget.load

    def held(self: OrderTarget, items: Any) -> Any:
        if not started.is_set():
            started.set()
            assert go.wait(60)
        return real(self, items)

    monkeypatch.setattr(OrderTarget, "load", held)
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        results[name] = run_sync(
            ORDER_TO_CASH, source="shift4shop", target="salesforce", ids=ids, orchestrated=False
        )

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert started.wait(60)
    holder = state.lease(LEASE)
    assert holder is not None
    second = threading.Thread(target=run, args=("second",))
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive(), "the second run must wait for the pair"
    assert "second" not in results
    go.set()
    first.join(60)
    second.join(60)
    assert results["first"]["flow_run_id"] == holder.holder
    assert results["first"]["created"] + results["first"]["updated"] == len(ids)
    assert results["second"]["created"] == results["second"]["updated"] == 0
    assert results["second"]["unchanged"] == len(ids)
    assert state.lease(LEASE) is None  # both released it
    orders = [o["Storebridge_Id__c"] for o in fresh.records("Order")]
    assert len(orders) == len(set(orders)) == len(ids)
    fresh.stop()


def test_a_busy_pair_ends_the_run_as_skipped(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREBRIDGE_ORDER_TO_CASH_LEASE_WAIT_SECONDS", "0")
    state = pair.state()
    assert state.acquire_lease(LEASE, "scheduled-run-42", dt.timedelta(minutes=5))
    emulator = pair.sandbox.emulator("salesforce")
    before = emulator.count()
    try:
        skipped = order_to_cash(window_start=START, window_end=END, return_state=True)
    finally:
        state.release_lease(LEASE, "scheduled-run-42")
    assert skipped.name == "Skipped"
    assert "scheduled-run-42" in (skipped.message or "")
    assert skipped.result()["busy_with"] == "scheduled-run-42"
    assert emulator.count() == before  # it did not even log in


def test_a_run_that_lost_its_lease_stops_before_writing(pair: Pair) -> None:
    from flows.lease import LeaseLost, PairLease

    state = pair.state()
    mine = PairLease(state, "test:a->b", "run-a", ttl_s=60)
    assert mine.acquire(wait_s=0)
    mine._stop.set()  # the heartbeat stalled (a frozen process) and the lease expired ...
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    assert state.acquire_lease("test:a->b", "run-b", dt.timedelta(minutes=5), now=later)
    assert not mine.beat()  # ... so the next beat finds it taken
    with pytest.raises(LeaseLost, match="run-b"):
        mine.check()
    mine.release()
    lease = state.lease("test:a->b")
    assert lease is not None
    assert lease.holder == "run-b"  # releasing never frees another run's lease


def test_a_failed_run_leaves_an_artifact_without_secrets(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    monkeypatch.setenv("STOREBRIDGE_STATE_PATH", str(tmp_path / "fresh.db"))  # nothing bound
    monkeypatch.setenv("STOREBRIDGE_SALESFORCE_CONSUMER_KEY", "wrong-app-123")  # a wrong app
    order_id = str(pair.sandbox.world.orders[0].order_id)
    failed = order_to_cash(ids=[order_id], return_state=True)
    assert failed.is_failed()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(failed.state_details.flow_run_id)  # type: ignore[arg-type]
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    (artifact,) = [a for a in artifacts if (a.key or "").endswith("-failure")]
    assert artifact.key == "order-to-cash-shift4shop-salesforce-ids-failure"
    assert "failed" in str(artifact.data)
    assert "AuthError" in str(artifact.data) or "auth" in str(artifact.data).lower()
    key = pair.env["STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE"]
    body = Path(key).read_text().splitlines()[1]  # a line of the private key itself
    assert body not in str(artifact.data)
    assert run.name == f"order-to-cash shift4shop→salesforce ids {order_id}"


def test_parameters_offer_the_registered_systems_as_choices() -> None:
    from prefect.utilities.callables import parameter_schema

    from flows.customers import customers

    schema = parameter_schema(order_to_cash).model_dump()["properties"]
    assert schema["source"]["enum"] == ["shift4shop", "bigcommerce"]  # the stores, registry order
    assert schema["target"]["enum"] == ["salesforce", "dynamics365", "sage300"]
    assert "reads orders from" in schema["source"]["description"]
    assert schema["window_start"]["description"]
    both = parameter_schema(customers).model_dump()["properties"]
    systems = {"shift4shop", "bigcommerce", "salesforce", "dynamics365", "sage300"}
    assert set(both["source"]["enum"]) == systems
