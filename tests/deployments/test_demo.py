"""`storebridge demo --source S --target T`: any pair, twice, as a user runs it.

The first run backfills the seeded history; before the second, both sides change a little
(`Emulator.demo_activity`: the store ships two orders and a customer moves, the back office ships
an order, corrects a phone, reprices and restocks a product). The second run creates nothing and
carries each change once, in the use case it belongs to.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deployments.demo import run_demo

pytestmark = [pytest.mark.prefect]


@pytest.fixture
def restore_environ() -> Iterator[None]:
    """The demo points the process at its sandbox (os.environ); put everything back after."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def by_use_case(summary: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["use_case"], r["from"]): r for r in summary["use_cases"]}


@pytest.mark.parametrize(
    ("store", "office"),
    [("bigcommerce", "salesforce"), ("shift4shop", "dynamics365"), ("shift4shop", "sage300")],
)
def test_the_demo_runs_a_pair_twice_and_the_second_run_creates_nothing(
    store: str, office: str, tmp_path: Path, prefect_server: None, restore_environ: None
) -> None:
    """The second run starts the sandbox on other ports: what the first stored (bindings,
    watermarks, Dataverse delta links) must still hold."""
    first = run_demo(tmp_path / "demo", source=store, target=office, quiet=True)
    assert first["pair"] == f"{store} <-> {office}"
    assert first["changes"] == []
    runs = by_use_case(first)
    assert set(runs) == {
        ("catalog", office),
        ("inventory", office),
        ("customers", store),
        ("order-to-cash", store),
        ("customers", office),
        ("fulfilment", office),
    }
    o2c = runs[("order-to-cash", store)]
    assert o2c["created"] > 500
    assert o2c["created"] + o2c["dead_lettered"] == o2c["read"]  # every order once, or dead
    assert set(o2c["api_calls"]) == {store, office}

    second = run_demo(tmp_path / "demo", source=store, target=office, quiet=True)
    changes = second["changes"]
    assert sum(c.startswith("store shipped order") for c in changes) == 2
    shipped = ("shipped", "fulfilled")
    assert any(c.startswith("back office") and any(w in c for w in shipped) for c in changes)
    phone = any("phone" in c for c in changes)
    again = by_use_case(second)
    assert all(r["created"] == 0 for r in again.values()), again
    assert all(r["dead_lettered"] == 0 for r in again.values()), again
    # each change crosses once: two shipped store orders, the moved customer, and back the
    # shipped order, the phone, the price and the stock
    if office == "sage300":
        # O/E orders cannot be changed through the Web API: a store-side shipment leaves the
        # entered order as it is (Sage ships its own orders); nothing is written, nothing fails
        assert again[("order-to-cash", store)]["unchanged"] == 2
    else:
        assert again[("order-to-cash", store)]["updated"] == 2
    assert again[("customers", store)]["updated"] == 1
    assert again[("fulfilment", office)]["updated"] == 1
    assert again[("customers", office)]["updated"] == int(phone)  # the phone, if it changed
    assert again[("catalog", office)]["updated"] == 1
    if office == "sage300":
        # entering the first run's orders committed their stock in Sage (QTYCOMMIT): what the
        # store may sell fell for those items, besides the restocked product
        assert again[("inventory", office)]["updated"] >= 1
    else:
        assert again[("inventory", office)]["updated"] == 1
