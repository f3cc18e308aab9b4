"""`storebridge demo --source bigcommerce --target salesforce`: any pair, twice, as a user runs it.

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


def test_the_demo_runs_the_bigcommerce_pair_twice_and_the_second_run_creates_nothing(
    tmp_path: Path, prefect_server: None, restore_environ: None
) -> None:
    first = run_demo(tmp_path / "demo", source="bigcommerce", target="salesforce", quiet=True)
    assert first["pair"] == "bigcommerce <-> salesforce"
    assert first["changes"] == []
    runs = by_use_case(first)
    assert set(runs) == {
        ("catalog", "salesforce"),
        ("inventory", "salesforce"),
        ("customers", "bigcommerce"),
        ("order-to-cash", "bigcommerce"),
        ("customers", "salesforce"),
        ("fulfilment", "salesforce"),
    }
    o2c = runs[("order-to-cash", "bigcommerce")]
    assert o2c["created"] > 500
    assert o2c["created"] + o2c["dead_lettered"] == o2c["read"]  # every order once, or dead
    assert set(o2c["api_calls"]) == {"bigcommerce", "salesforce"}

    second = run_demo(tmp_path / "demo", source="bigcommerce", target="salesforce", quiet=True)
    changes = second["changes"]
    assert sum(c.startswith("store shipped order") for c in changes) == 2
    assert sum(c.startswith("back office") for c in changes) == 3
    again = by_use_case(second)
    assert all(r["created"] == 0 for r in again.values()), again
    assert all(r["dead_lettered"] == 0 for r in again.values()), again
    # each change crosses once: two shipped store orders, the moved customer, and back the
    # shipped order, the phone, the price and the stock
    assert again[("order-to-cash", "bigcommerce")]["updated"] == 2
    assert again[("customers", "bigcommerce")]["updated"] == 1
    assert again[("fulfilment", "salesforce")]["updated"] == 1
    assert again[("customers", "salesforce")]["updated"] == 1
    assert again[("catalog", "salesforce")]["updated"] == 1
    assert again[("inventory", "salesforce")]["updated"] == 1
