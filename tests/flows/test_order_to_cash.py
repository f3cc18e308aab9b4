"""order-to-cash end to end: Shift4Shop emulator → flow on Prefect → Salesforce emulator."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.clock import utcnow
from connectors.state import DeadLetterStatus
from flows.order_to_cash import order_to_cash
from flows.usecases import ORDER_TO_CASH
from sandbox.seed import NOT_COMPLETED
from tests.conftest import Pair


def watermark_stream(source: str, target: str) -> str:
    return ORDER_TO_CASH.stream(source, target)


pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def backfilled(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    """One backfill of the seeded window, then the same backfill again."""
    mp = pytest.MonkeyPatch()
    pair = Pair(tmp_path_factory.mktemp("o2c"), mp)
    emulator = pair.sandbox.emulator("salesforce")
    first = order_to_cash(window_start=START, window_end=END)
    calls_first = emulator.count()
    snapshot = {k: len(pair.records(k)) for k in ("Account", "Contact", "Order", "OrderItem")}
    second = order_to_cash(window_start=START, window_end=END)
    yield {
        "pair": pair,
        "first": first,
        "second": second,
        "calls_first": calls_first,
        "after_first": snapshot,
        "calls_second": emulator.count() - calls_first,
        "mp": mp,
    }
    pair.stop()
    mp.undo()


def test_backfill_loads_every_good_order(backfilled: dict[str, Any]) -> None:
    pair, first = backfilled["pair"], backfilled["first"]
    world = pair.sandbox.world
    good = [o for o in world.orders if o.status_id != NOT_COMPLETED and not o.defect]
    assert first["read"] == len([o for o in world.orders if o.status_id != NOT_COMPLETED])
    assert first["created"] == len(good)
    orders = pair.records("Order")
    assert sorted(o["Storebridge_Id__c"] for o in orders) == sorted(
        f"shift4shop:order:{o.order_id}" for o in good
    )
    items = Counter(i["OrderId"] for i in pair.records("OrderItem"))
    by_ext = {o["Storebridge_Id__c"]: o for o in orders}
    for seeded in good[:50]:
        order = by_ext[f"shift4shop:order:{seeded.order_id}"]
        assert items[order["Id"]] == len(seeded.lines)
        assert order["TotalAmount"] == pytest.approx(float(seeded.subtotal))


def test_second_identical_run_creates_nothing(backfilled: dict[str, Any]) -> None:
    pair, second = backfilled["pair"], backfilled["second"]
    assert second["created"] == 0
    assert second["updated"] == 0
    assert second["unchanged"] == backfilled["first"]["created"]
    assert {k: len(pair.records(k)) for k in backfilled["after_first"]} == backfilled["after_first"]
    # unchanged orders cost no write at all: only the token and look-ups of dead-lettered ones
    assert backfilled["calls_second"] <= 6


def test_backfill_budget_is_at_most_a_tenth_of_a_call_per_order(backfilled: dict[str, Any]) -> None:
    read = backfilled["first"]["read"]
    assert read >= 500
    assert backfilled["calls_first"] / read <= 0.1


def test_customers_are_matched_not_duplicated(backfilled: dict[str, Any]) -> None:
    pair = backfilled["pair"]
    emails = Counter(c["Email"] for c in pair.records("Contact"))
    duplicated = {e for e, n in emails.items() if n > 1}
    world = pair.sandbox.world
    assert duplicated == {
        c.email
        for c in world.crm_contacts
        if sum(x.email == c.email for x in world.crm_contacts) > 1
    }
    known = {c.email for c in world.crm_contacts}
    created = [c for c in pair.records("Contact") if c["Storebridge_Id__c"]]
    assert not known & {c["Email"] for c in created}, "a CRM contact was created again"


def test_bad_orders_are_dead_lettered_naming_the_field(backfilled: dict[str, Any]) -> None:
    pair = backfilled["pair"]
    letters = pair.state().list_dead_letters(status=DeadLetterStatus.OPEN)
    by_order = {int(d.external_id): d for d in letters}
    expected = {o.order_id: o.defect for o in pair.sandbox.world.defective()}
    assert set(by_order) == set(expected)
    must_say = {
        "unknown SKU RETIRED-0042": "lines.0.sku 'RETIRED-0042'",
        "missing e-mail": "customer.email is empty",
        "zero quantity": "OrderItemList[0].ItemQuantity",
        "ambiguous customer match": "matches 2 Salesforce Contacts",
    }
    for order_id, defect in expected.items():
        assert defect is not None
        assert must_say[defect] in by_order[order_id].message
        assert by_order[order_id].attempts == 2  # both runs failed it; one row, counted twice
    assert backfilled["first"]["dead_lettered"] == len(expected)


def test_backfill_leaves_the_watermark_alone(backfilled: dict[str, Any]) -> None:
    state = backfilled["pair"].state()
    assert state.get_watermark(watermark_stream("shift4shop", "salesforce")) is None


def test_dead_letter_payload_is_redacted(backfilled: dict[str, Any]) -> None:
    state = backfilled["pair"].state()
    missing_sku = next(d for d in state.list_dead_letters() if d.error_class == "UnknownSkuError")
    text = str(missing_sku.payload)
    email = next(
        o.customer.email
        for o in backfilled["pair"].sandbox.world.orders
        if str(o.order_id) == missing_sku.external_id
    )
    assert email not in text
    assert "RETIRED-0042" in text  # what is needed to act on it stays


def test_incremental_runs_advance_the_watermark_only_after_the_load(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = watermark_stream("shift4shop", "salesforce")
    monkeypatch.setenv("STOREBRIDGE_ORDER_TO_CASH_INITIAL_LOOKBACK_DAYS", "2")
    monkeypatch.setenv("STOREBRIDGE_SALESFORCE_CONSUMER_KEY", "revoked-app")  # every load fails
    with pytest.raises(Exception, match="JWT login refused"):
        order_to_cash()
    assert pair.state().get_watermark(stream) is None
    monkeypatch.setenv(
        "STOREBRIDGE_SALESFORCE_CONSUMER_KEY", pair.env["STOREBRIDGE_SALESFORCE_CONSUMER_KEY"]
    )
    before = utcnow()
    first = order_to_cash()
    mark = pair.state().get_watermark(stream)
    assert mark is not None
    assert mark >= before
    assert first["mode"] == "incremental"
    store: Any = pair.sandbox.emulator("shift4shop")
    synced = pair.records("Order")[0]["Storebridge_Id__c"]  # one the first run wrote
    order_id = int(synced.rsplit(":", 1)[1])
    store.touch_order(order_id, status_id=4)
    second = order_to_cash()
    assert second["updated"] == 1
    assert second["created"] == 0
    order = next(
        o for o in pair.records("Order") if o["Storebridge_Id__c"] == f"shift4shop:order:{order_id}"
    )
    assert order["Store_Status__c"] == "Shipped"
    assert pair.state().get_watermark(stream) > mark  # type: ignore[operator]


def test_replay_redoes_only_the_failed_records(pair: Pair) -> None:
    result = order_to_cash(window_start=START, window_end=END)
    assert result["dead_lettered"] == len(pair.sandbox.world.defective())
    salesforce: Any = pair.sandbox.emulator("salesforce")
    salesforce.add_product("RETIRED-0042", "Retired product (restored)", 20)  # fixed in the CRM
    state = pair.state()
    letters = [d for d in state.list_dead_letters() if d.error_class == "UnknownSkuError"]
    calls = salesforce.count()
    again = order_to_cash(ids=[d.external_id for d in letters])
    assert again["created"] == len(letters) == 2
    assert salesforce.count() - calls <= 10
    for d in letters:
        assert state.get_dead_letter(d.id).status is DeadLetterStatus.RESOLVED
    assert (
        len(state.list_dead_letters(status=DeadLetterStatus.OPEN))
        == len(pair.sandbox.world.defective()) - 2
    )


def test_unknown_source_or_target_is_a_clear_error(pair: Pair) -> None:
    with pytest.raises(
        ValueError,
        match="unknown system 'netsuite'; known: "
        "bigcommerce, dynamics365, sage300, salesforce, shift4shop",
    ):
        order_to_cash(target="netsuite")
    with pytest.raises(ValueError, match="salesforce is not a source of orders"):
        order_to_cash(source="salesforce", target="shift4shop")


def test_a_crash_in_a_later_batch_keeps_what_earlier_batches_did(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a batch finished is bound and dead-lettered at once; after a crash the rerun
    completes the rest and duplicates nothing."""
    from flows.systems.salesforce import session
    from flows.systems.salesforce.orders import OrderTarget

    # small pages and batches and a small packing buffer: the first batches send (and finish) writes
    monkeypatch.setenv("STOREBRIDGE_SHIFT4SHOP_ORDERS_PAGE_SIZE", "100")
    monkeypatch.setenv("STOREBRIDGE_ORDER_TO_CASH_BATCH_SIZE", "100")
    monkeypatch.setattr(session, "MAX_PENDING", 200)
    real = OrderTarget.load
    seen: list[Any] = []

    def crash_on_second_batch(self: OrderTarget, items: Any) -> Any:
        if len(seen) == 2:
            raise RuntimeError("worker lost its network")
        seen.append(real(self, items))
        return seen[-1]

    monkeypatch.setattr(OrderTarget, "load", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="worker lost its network"):
        order_to_cash(window_start=START, window_end=END)  # 520 orders: six pages
    done = [o.ref.id for r in seen for o in r.outcomes if o.ok]
    failed = [o.ref.id for r in seen for o in r.outcomes if o.failure is not None]
    state = pair.state()
    assert done, "the first batch finished orders before the crash"
    bound = state.lookup_many("shift4shop", "order", done, "salesforce", "Order")
    assert set(bound) == set(done)
    assert set(failed) <= {d.external_id for d in state.list_dead_letters()}
    monkeypatch.setattr(OrderTarget, "load", real)
    again = order_to_cash(window_start=START, window_end=END)
    good = [o for o in pair.sandbox.world.orders if o.status_id != NOT_COMPLETED and not o.defect]
    assert again["created"] == len(good) - len(done)  # created means: new in the target
    orders = [o["Storebridge_Id__c"] for o in pair.records("Order")]
    assert len(orders) == len(set(orders)) == len(good)


def test_each_run_publishes_its_counts_as_a_table_artifact(backfilled: dict[str, Any]) -> None:
    import asyncio
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def artifacts(run_id: str) -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )

    first = backfilled["first"]
    found = {a.key: a for a in asyncio.run(artifacts(first["flow_run_id"]))}
    # keys per (use case, pair, mode): "latest" compares backfills with backfills
    table = json.loads(found["order-to-cash-shift4shop-salesforce-window"].data)
    assert table[0]["created"] == first["created"]
    assert table[0]["dead_lettered"] == first["dead_lettered"]
    assert table[0]["api_calls_salesforce"] > 0
    dead = json.loads(found["order-to-cash-shift4shop-salesforce-window-dead-letters"].data)
    assert len(dead) == first["dead_lettered"]
    assert {d["replay"] for d in dead} == {
        f"storebridge deadletters replay {d['id']}" for d in first["dead_letters"]
    }
    progress = found["order-to-cash-shift4shop-salesforce-window-progress"]
    assert progress.type == "progress"
    assert float(progress.data) == 100.0
