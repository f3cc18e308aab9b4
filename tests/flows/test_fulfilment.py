"""fulfilment end to end: Salesforce Orders (status, tracking, shipped lines) → Shift4Shop orders.

One scenario per module: order-to-cash backfills the seeded orders into Salesforce; fulfilment
runs twice (our own writes are not written back); the back office ships one order in full and
part of another; fulfilment carries both in one run, then writes nothing; the store takes a new
order, order-to-cash writes it, and fulfilment does not write it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.clock import utcnow
from flows import engine
from flows.fulfilment import fulfilment
from flows.order_to_cash import order_to_cash
from sandbox.salesforce.values import stamp
from tests.conftest import Pair
from tests.flows.sync_helpers import (
    SF,
    STORE,
    back_office_edit,
    measured,
    sf_record,
    store_order,
    store_records,
    through_now,
)

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
PUT_ORDERS = "PUT /3dCartWebAPI/v1/Orders"
FULL_TRACKING, PART_TRACKING = "1ZSB00000000000001", "1ZSB00000000000002"


def store_id(order: dict[str, Any]) -> int:
    """The Shift4Shop OrderID a Salesforce Order was written from."""
    return int(order["Storebridge_Id__c"].rsplit(":", 1)[1])


def tracked(order: dict[str, Any], code: str) -> dict[str, Any]:
    """The ship-to of a store order carrying tracking code `code`."""
    found = [s for s in order["ShipmentList"] if s["ShipmentTrackingCode"] == code]
    assert len(found) == 1, order["ShipmentList"]
    return found[0]


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("STOREBRIDGE_FULFILMENT_INITIAL_LOOKBACK_DAYS", "400")
    pair = Pair(tmp_path_factory.mktemp("fulfilment"), mp)
    out: dict[str, Any] = {"pair": pair}
    out["o2c"] = order_to_cash(window_start=START, window_end=END)
    backfill = {"window_start": utcnow() - dt.timedelta(days=400), "window_end": through_now()}
    out["first"] = measured(fulfilment, pair, **backfill)
    out["second"] = measured(fulfilment, pair, **backfill)

    orders = pair.records("Order")
    items = pair.records("OrderItem")
    full = next(o for o in orders if o["Fulfillment_Status__c"] == "Processing")
    part = next(
        o
        for o in orders
        if o["Fulfillment_Status__c"] == "Unfulfilled"
        and sum(i["OrderId"] == o["Id"] for i in items) >= 2
    )
    line = next(i for i in items if i["OrderId"] == part["Id"])
    shipped_on = utcnow().date()
    with back_office_edit(pair) as org:
        org.dml.update(
            "Order",
            full["Id"],
            {
                "Fulfillment_Status__c": "Shipped",
                "Tracking_Number__c": FULL_TRACKING,
                "Carrier__c": "UPS",
                "Shipped_Date__c": shipped_on.isoformat(),
            },
        )
        org.dml.update("OrderItem", line["Id"], {"Quantity_Shipped__c": line["Quantity"]})
        org.dml.update(
            "Order", part["Id"], {"Tracking_Number__c": PART_TRACKING, "Carrier__c": "USPS"}
        )
    out |= {"full": full, "part": part, "line": line, "shipped_on": shipped_on}
    out["shipped"] = measured(fulfilment, pair)
    out["store_full"] = store_order(pair, store_id(full))
    out["store_part"] = store_order(pair, store_id(part))
    out["again"] = measured(fulfilment, pair)

    store: Any = pair.sandbox.emulator(STORE)
    customer = store_records(pair, "Customer")[0]["CustomerID"]
    out["placed"] = store.place_order(customer, [("SB-MUG-002", 2)])
    out["o2c_new"] = measured(order_to_cash, pair)
    out["echo"] = measured(
        fulfilment, pair, window_start=backfill["window_start"], window_end=through_now()
    )
    yield out
    pair.stop()
    mp.undo()


def test_orders_order_to_cash_wrote_are_not_written_back(scenario: dict[str, Any]) -> None:
    first, o2c = scenario["first"], scenario["o2c"]
    assert o2c["created"] > 500
    assert first["read"] == o2c["created"]
    assert first["unchanged"] == first["read"]
    assert first.writes(STORE) == 0


def test_the_second_run_writes_nothing(scenario: dict[str, Any]) -> None:
    second = scenario["second"]
    assert second["read"] == scenario["first"]["read"]
    assert (second["created"], second["updated"], second["dead_lettered"]) == (0, 0, 0)
    assert second.writes(STORE) == 0
    assert second.calls(STORE) == 0


def test_a_shipment_in_the_back_office_reaches_the_store_in_one_run(
    scenario: dict[str, Any],
) -> None:
    shipped, order = scenario["shipped"], scenario["store_full"]
    assert shipped["updated"] == 2
    assert shipped["dead_lettered"] == 0
    assert order["OrderStatusID"] == 4  # Shipped
    ship_to = tracked(order, FULL_TRACKING)
    assert ship_to["ShipmentMethodName"] == "UPS"
    assert ship_to["ShipmentID"] != 0  # the placeholder ship-to cannot carry tracking


def test_the_shipped_date_is_the_same_day_in_the_store(scenario: dict[str, Any]) -> None:
    ship_to = tracked(scenario["store_full"], FULL_TRACKING)
    assert ship_to["ShipmentShippedDate"] == f"{scenario['shipped_on']:%m/%d/%Y}"


def test_a_partly_shipped_order_becomes_partial_with_its_lines(scenario: dict[str, Any]) -> None:
    order, line = scenario["store_part"], scenario["line"]
    assert order["OrderStatusID"] == 3  # Partial: one line of several shipped
    ship_to = tracked(order, PART_TRACKING)
    sku = sf_record(scenario["pair"], "Product2", Id=line["Product2Id"])["ProductCode"]
    assert ship_to["ShipmentInternalComment"] == f"Shipped: {sku} x{int(line['Quantity'])}"


def test_statuses_of_a_batch_cost_one_store_call(scenario: dict[str, Any]) -> None:
    shipped = scenario["shipped"]
    assert shipped.calls(STORE, PUT_ORDERS) == 1
    assert shipped.writes(STORE) == 3  # two ship-tos and one status call


def test_after_the_shipment_nothing_is_written_again(scenario: dict[str, Any]) -> None:
    again = scenario["again"]
    assert again["read"] >= 2
    assert (again["created"], again["updated"]) == (0, 0)
    assert again.writes(STORE) == 0


def test_an_order_order_to_cash_just_wrote_is_not_written_back(scenario: dict[str, Any]) -> None:
    o2c, echo = scenario["o2c_new"], scenario["echo"]
    placed = scenario["placed"]["OrderID"]
    assert o2c["created"] == 1
    assert any(
        o["Storebridge_Id__c"] == f"shift4shop:order:{placed}"
        for o in scenario["pair"].records("Order")
    )
    assert o2c["updated"] >= 2  # the two orders fulfilment changed in the store, read back
    assert echo["read"] == scenario["first"]["read"] + 1
    assert echo["unchanged"] == echo["read"]
    assert echo.writes(STORE) == 0


def test_ids_read_those_orders_and_dead_letter_unknown_ones(scenario: dict[str, Any]) -> None:
    pair, full = scenario["pair"], scenario["full"]
    unknown = "801000000000000AAA"
    run = measured(fulfilment, pair, ids=[full["Id"], unknown])
    assert run["mode"] == "ids"
    assert (run["read"], run["unchanged"], run["dead_lettered"]) == (2, 1, 1)
    letter = run.dead_letter(unknown)
    assert letter["error"] == "NotFoundError"
    assert unknown in letter["reason"]
    assert run.writes(STORE) == 0


def test_a_change_saved_in_the_second_before_the_run_is_read_by_it(
    scenario: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair = scenario["pair"]
    late = [o for o in pair.records("Order") if o["Fulfillment_Status__c"] == "Processing"][-1]
    second = utcnow().replace(microsecond=0) - dt.timedelta(seconds=1)
    saved_at, run_at = (
        second + dt.timedelta(milliseconds=250),
        second + dt.timedelta(milliseconds=500),
    )
    org: Any = pair.sandbox.emulator(SF)
    with org.lock:
        clock, org.store.clock = org.store.clock, lambda: stamp(saved_at)
        try:
            org.dml.update("Order", late["Id"], {"Fulfillment_Status__c": "Shipped"})
        finally:
            org.store.clock = clock
    monkeypatch.setattr(engine, "utcnow", lambda: run_at)  # the run starts 250 ms later
    run = measured(fulfilment, pair)
    assert run["updated"] == 1
    assert store_order(pair, store_id(late))["OrderStatusID"] == 4
