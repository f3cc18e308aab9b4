"""BigCommerce ⇄ Salesforce end to end: every use case of the pair against the sandbox, twice.

One scenario per module, in the order a merchant starts: the catalogue and the stock reach the
store, the store's customers and orders reach Salesforce, then the way back (customers,
fulfilments). Each run is repeated and the repeat writes nothing; then the back office ships an
order, which one run carries and the next leaves alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.clock import utcnow
from flows.catalog import catalog
from flows.customers import customers
from flows.fulfilment import fulfilment
from flows.inventory import inventory
from flows.order_to_cash import order_to_cash
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED, SeedConfig
from tests.conftest import ANCHOR, Pair
from tests.flows.sync_helpers import back_office_edit, measured, through_now

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
BC, SF = "bigcommerce", "salesforce"
BACK = {"source": SF, "target": BC}
FORTH = {"source": BC, "target": SF}
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
TRACKING = "1ZBC00000000000001"
LOOKBACK = ("CATALOG", "INVENTORY", "CUSTOMERS", "FULFILMENT")


class BcPair(Pair):
    """`conftest.Pair` with BigCommerce as the store: a fresh BigCommerce + Salesforce sandbox
    and state database, the environment pointing at both."""

    def __init__(self, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        seed = SeedConfig(anchor=ANCHOR)
        self.sandbox = Sandbox(workdir / "sandbox", systems=(BC, SF), seed=seed).start()
        self.state_path = workdir / "state.db"
        self.env = {**self.sandbox.env(), "STOREBRIDGE_STATE_PATH": str(self.state_path)}
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)

    def store(self, kind: str) -> list[dict[str, Any]]:
        """BigCommerce records of `kind`, as the emulator holds them."""
        emulator = self.sandbox.emulator(BC)
        with emulator.lock:
            return list(emulator.records()[kind])


def store_order_id(order: dict[str, Any]) -> int:
    return int(order["Storebridge_Id__c"].rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    for use_case in LOOKBACK:
        mp.setenv(f"STOREBRIDGE_{use_case}_INITIAL_LOOKBACK_DAYS", "400")
    pair = BcPair(tmp_path_factory.mktemp("bigcommerce"), mp)
    out: dict[str, Any] = {"pair": pair}
    try:
        _first_and_second_runs(pair, out)
        _the_back_office_ships(pair, out)
        yield out
    finally:
        pair.stop()
        mp.undo()


def _twice(out: dict[str, Any], name: str, flow: Any, pair: BcPair, **params: Any) -> None:
    """Run `flow` once, then again over the same records (a window from the first's start)."""
    out[name] = first = measured(flow, pair, **params)
    if "window_start" not in params:
        params["window_start"] = dt.datetime.fromisoformat(first["since"])
        params["window_end"] = through_now()
    out[f"{name}_again"] = measured(flow, pair, **params)


def _first_and_second_runs(pair: BcPair, out: dict[str, Any]) -> None:
    _twice(out, "catalog", catalog, pair, **BACK)
    _twice(out, "inventory", inventory, pair, **BACK)
    _twice(out, "customers", customers, pair, **FORTH)
    _twice(out, "o2c", order_to_cash, pair, **FORTH, window_start=START, window_end=END)
    back = {"window_start": utcnow() - dt.timedelta(days=400), "window_end": through_now()}
    _twice(out, "customers_back", customers, pair, **BACK, **back)
    _twice(out, "fulfilment", fulfilment, pair, **BACK, **back)


def _the_back_office_ships(pair: BcPair, out: dict[str, Any]) -> None:
    full = next(o for o in pair.records("Order") if o["Fulfillment_Status__c"] == "Processing")
    with back_office_edit(pair) as org:
        org.dml.update(
            "Order",
            full["Id"],
            {
                "Fulfillment_Status__c": "Shipped",
                "Tracking_Number__c": TRACKING,
                "Carrier__c": "UPS",
            },
        )
    out["full"] = full
    out["shipped"] = measured(fulfilment, pair, **BACK)
    out["shipped_again"] = measured(fulfilment, pair, **BACK)


ALL = ("catalog", "inventory", "customers", "o2c", "customers_back", "fulfilment")


@pytest.mark.parametrize("name", ALL)
def test_every_second_run_writes_nothing(scenario: dict[str, Any], name: str) -> None:
    first, again = scenario[name], scenario[f"{name}_again"]
    assert again["read"] == first["read"]
    assert (again["created"], again["updated"]) == (0, 0)
    assert again.writes(BC) == 0
    assert again.writes(SF) == 0


@pytest.mark.parametrize("name", ALL)
def test_every_first_run_reads_something(scenario: dict[str, Any], name: str) -> None:
    assert scenario[name]["read"] > 0


def test_the_catalogue_is_in_the_store_once(scenario: dict[str, Any]) -> None:
    pair, run = scenario["pair"], scenario["catalog"]
    world = pair.sandbox.world
    assert run["dead_lettered"] == 0
    assert run["created"] + run["updated"] + run["unchanged"] == len(world.products)
    skus = [p["sku"] for p in pair.store("Product")]
    assert sorted(skus) == sorted({p.sku for p in world.products} | set(skus))
    assert len(skus) == len(set(skus))  # nothing created twice


def test_order_to_cash_loads_every_good_order_with_payments(scenario: dict[str, Any]) -> None:
    pair, run = scenario["pair"], scenario["o2c"]
    world = pair.sandbox.world
    placed = [o for o in world.orders if o.status_id != NOT_COMPLETED]
    good = [o for o in placed if not o.defect]
    assert run["created"] == len(good)
    assert run["dead_lettered"] == len(placed) - len(good)
    ours = [o for o in pair.records("Order") if o["Storebridge_Id__c"].startswith("bigcommerce:")]
    assert len(ours) == len({o["Storebridge_Id__c"] for o in ours}) == len(good)
    paid = [o for o in ours if o.get("Amount_Paid__c")]
    assert paid  # payments crossed with the orders


def test_order_to_cash_costs_at_most_a_tenth_of_a_salesforce_call_per_order(
    scenario: dict[str, Any],
) -> None:
    run = scenario["o2c"]
    assert run.calls(SF) / run["read"] <= 0.1
    out = {
        "bigcommerce_per_order": run.calls(BC) / run["read"],
        "salesforce_per_order": run.calls(SF) / run["read"],
    }
    print(f"order-to-cash backfill calls per order: {out}")  # the figure the issue asks for


def test_fulfilment_writes_nothing_back_of_what_order_to_cash_wrote(
    scenario: dict[str, Any],
) -> None:
    run = scenario["fulfilment"]
    assert run["unchanged"] == run["read"] == scenario["o2c"]["created"]
    assert run.writes(BC) == 0


def test_a_shipment_in_the_back_office_reaches_the_store_once(scenario: dict[str, Any]) -> None:
    pair, shipped, again = scenario["pair"], scenario["shipped"], scenario["shipped_again"]
    assert (shipped["updated"], shipped["dead_lettered"]) == (1, 0), shipped["dead_letters"]
    order_id = store_order_id(scenario["full"])
    order = next(o for o in pair.store("Order") if o["id"] == order_id)
    assert order["status_id"] == 2  # Shipped
    emulator: Any = pair.sandbox.emulator(BC)
    with emulator.lock:
        shipments = list(emulator.state.orders[order_id]["shipments"])
    assert [s["tracking_number"] for s in shipments].count(TRACKING) == 1
    assert again.writes(BC) == 0
