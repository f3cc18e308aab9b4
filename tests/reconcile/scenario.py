"""A store and one back office on a fresh sandbox, synced once (order-to-cash, then inventory),
for the reconcile tests: the comparison is then made on records storebridge itself wrote."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from connectors.clock import utcnow
from flows.reconcile.run import Report, run_reconcile
from flows.sync import run_sync
from flows.usecases import INVENTORY, ORDER_TO_CASH
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.conftest import ANCHOR, CLOCK_START

STORE = "shift4shop"
SINCE = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)  # before the first seeded order
UNTIL = CLOCK_START  # after the last one (the seed's orders end at its anchor)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class Synced:
    """Shift4Shop and `office` on their own sandbox and state database (environment set)."""

    def __init__(self, workdir: Path, monkeypatch: pytest.MonkeyPatch, office: str) -> None:
        self.office = office
        seed = SeedConfig(anchor=ANCHOR)
        self.sandbox = Sandbox(workdir / "sandbox", systems=(STORE, office), seed=seed).start()
        self.state_path = workdir / "state.db"
        self.env = {**self.sandbox.env(), "STOREBRIDGE_STATE_PATH": str(self.state_path)}
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)

    @property
    def store(self) -> Any:
        return self.sandbox.emulator(STORE)

    @property
    def back_office(self) -> Any:
        return self.sandbox.emulator(self.office)

    def orders(self) -> dict[str, Any]:
        """order-to-cash of the seeded window (plain engine run: no Prefect needed)."""
        return run_sync(
            ORDER_TO_CASH,
            source=STORE,
            target=self.office,
            window_start=SINCE,
            window_end=UNTIL,
            orchestrated=False,
        )

    def stock(self) -> dict[str, Any]:
        """inventory over the stock master's whole history."""
        return run_sync(
            INVENTORY,
            source=self.office,
            target=STORE,
            window_start=EPOCH,
            window_end=utcnow() + dt.timedelta(seconds=1),
            orchestrated=False,
        )

    def reconcile(self) -> Report:
        return run_reconcile(STORE, self.office, SINCE, UNTIL)

    def simple_product(self) -> dict[str, Any]:
        """The store's first product sold without variants, with some stock."""
        products = self.store.records()["Product"]
        return next(
            p for p in products if not p["AdvancedOptionList"] and p["SKUInfo"]["Stock"] >= 10
        )

    def drop_store_order(self, order_id: int) -> None:
        """The store no longer has order `order_id` (as if purged there)."""
        with self.store.lock:
            del self.store.state.orders[order_id]

    def stop(self) -> None:
        self.sandbox.stop()


def found(report: Report) -> set[tuple[str, str]]:
    """(kind, record) of every difference."""
    return set(zip(report.differences["kind"], report.differences["record"], strict=True))


def row(report: Report, kind: str, record: str) -> dict[str, Any]:
    """The one difference of `kind` about `record`."""
    rows = [
        r
        for r in report.differences.to_dict("records")
        if r["kind"] == kind and r["record"] == record
    ]
    assert len(rows) == 1, (kind, record, rows)
    return rows[0]
