"""Helpers of the flow tests of the generic sync: what one run cost each emulator, back-office
edits, store records by key."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connectors.clock import utcnow
from sandbox.salesforce.values import stamp
from tests.conftest import Pair

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
AUTH = "POST /services/oauth2/token"  # a token is not a write to the org's data
SF, STORE = "salesforce", "shift4shop"
PUT_PRODUCTS = "PUT /3dCartWebAPI/v1/Products"
PUT_OPTIONS = "PUT /3dCartWebAPI/v1/Products/{catalogid}/AdvancedOptions"
POST_PRODUCTS = "POST /3dCartWebAPI/v1/Products"
PUT_CUSTOMERS = "PUT /3dCartWebAPI/v1/Customers"


@dataclass
class Run:
    """A flow run's summary and the requests each emulator answered during it."""

    summary: dict[str, Any]
    counts: dict[str, Counter[str]]

    def __getitem__(self, key: str) -> Any:
        return self.summary[key]

    def writes(self, system: str) -> int:
        """Write requests `system` answered in this run (token requests excluded)."""
        return sum(
            n
            for key, n in self.counts[system].items()
            if key.split(" ", 1)[0] in WRITE_METHODS and key != AUTH
        )

    def calls(self, system: str, key: str | None = None) -> int:
        """Requests `system` answered in this run (all, or those of one endpoint key)."""
        counts = self.counts[system]
        return sum(counts.values()) if key is None else counts.get(key, 0)

    def dead_letter(self, record: str) -> dict[str, Any]:
        """The run's dead letter of `record` (its id in the source system)."""
        found = [
            d for d in self.summary["dead_letters"] if d["record"].rsplit(":", 1)[-1] == record
        ]
        assert found, f"no dead letter for {record}: {self.summary['dead_letters']}"
        return found[0]


def measured(flow: Callable[..., dict[str, Any]], pair: Pair, **parameters: Any) -> Run:
    """Run `flow` once with fresh request counters on every emulator of `pair`."""
    emulators = pair.sandbox.emulators
    for emulator in emulators.values():
        emulator.reset_counts()
    summary = flow(**parameters)
    counts = {}
    for slug, emulator in emulators.items():
        with emulator.lock:
            counts[slug] = Counter(emulator.counts)
    return Run(summary, counts)


@contextmanager
def back_office_edit(pair: Pair, seconds_ago: float = 1.0) -> Iterator[Any]:
    """The Salesforce emulator, its writes inside stamped `seconds_ago` before now.

    A person's edit is saved a moment before the next run starts. The second keeps these
    tests off the sub-second boundary that `test_fulfilment.py::
    test_a_change_saved_in_the_second_before_the_run_is_read_by_it` is about.
    """
    org: Any = pair.sandbox.emulator(SF)
    with org.lock:
        clock = org.store.clock
        org.store.clock = lambda: stamp(utcnow() - dt.timedelta(seconds=seconds_ago))
        try:
            yield org
        finally:
            org.store.clock = clock


def through_now() -> dt.datetime:
    """The end of a window that takes in Salesforce writes made this very second.

    Salesforce reads ask for `SystemModstamp <= <the end, to the whole second>`, so a run that
    starts in the second of the org's last writes (ours, just made by the run before) reads
    them one run late (the xfail test in `test_fulfilment.py`); this end is a second ahead.
    """
    return utcnow() + dt.timedelta(seconds=1)


def sf_record(pair: Pair, kind: str, **match: Any) -> dict[str, Any]:
    """The one Salesforce record of `kind` whose fields equal `match`."""
    found = [r for r in pair.records(kind) if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"{len(found)} {kind} records match {match}"
    return found[0]


def store_records(pair: Pair, kind: str) -> list[dict[str, Any]]:
    """Shift4Shop records of `kind` ("Order", "Customer", "Product") as the API renders them."""
    store: Any = pair.sandbox.emulator(STORE)
    return list(store.records()[kind])


def store_product(pair: Pair, sku: str) -> dict[str, Any]:
    """The store product whose SKU is `sku`."""
    return next(p for p in store_records(pair, "Product") if p["SKUInfo"]["SKU"] == sku)


def store_order(pair: Pair, order_id: int) -> dict[str, Any]:
    """The store order `order_id`."""
    return next(o for o in store_records(pair, "Order") if o["OrderID"] == order_id)


def store_customer(pair: Pair, customer_id: int) -> dict[str, Any]:
    """The store customer `customer_id`."""
    return next(c for c in store_records(pair, "Customer") if c["CustomerID"] == customer_id)
