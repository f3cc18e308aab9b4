"""What a store (order source) and a back office (order target) must offer the flows.

A new system joins every pair by implementing one of these next to its connector and codec
(`flows/systems/<slug>.py`) and adding one line to `flows/systems/__init__.py`; the flows
themselves do not change.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectors.records import Extracted, Rejected
from transforms.canonical import Order


@dataclass(frozen=True)
class Failure:
    """A record that could not be synced; it becomes (or updates) a dead letter."""

    system: str
    entity: str
    external_id: str
    error_class: str
    message: str
    payload: Any = None

    @classmethod
    def from_rejected(cls, rejected: Rejected) -> Failure:
        """A read-time rejection as a failure."""
        return cls(
            rejected.system,
            rejected.entity,
            rejected.external_id,
            rejected.error_class,
            rejected.message,
            rejected.payload,
        )

    @classmethod
    def for_order(cls, order: Order, error_class: str, message: str) -> Failure:
        """A failure of a canonical order (payload = the canonical order, redacted on storage)."""
        return cls(
            order.ref.system,
            order.ref.entity,
            order.ref.id,
            error_class,
            message,
            order.model_dump(mode="json"),
        )


@dataclass
class LoadReport:
    """What one load did: per-order outcomes plus finer counters (accounts created, ...)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)

    @property
    def succeeded(self) -> list[str]:
        """External ids of orders now in the target (written or already up to date)."""
        return self.created + self.updated + self.unchanged

    def merge(self, other: LoadReport) -> LoadReport:
        """Add `other` into this report (for summing batches)."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failures += other.failures
        self.counters.update(other.counters)
        return self


class OrderSource(Protocol):
    """A store the order-to-cash flow reads orders from."""

    system: str

    def fetch_changed(self, since: dt.datetime, until: dt.datetime) -> Extracted[Any]:
        """Raw orders whose last update is in [since, until] (aware datetimes)."""
        ...

    def fetch_by_id(self, ids: Sequence[str]) -> tuple[Extracted[Any], list[str]]:
        """Raw orders by store id, and the ids the store does not know."""
        ...

    def decode(self, raw: Any) -> Order:
        """A raw order as a canonical `Order`; raises `ValueError` naming the record and field."""
        ...

    def external_id(self, raw: Any) -> str:
        """The store's id of a raw order."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class OrderTarget(Protocol):
    """A back office the order-to-cash flow writes orders to."""

    system: str

    def load_orders(self, orders: Sequence[Order]) -> LoadReport:
        """Write a batch idempotently; failed records are reported, not raised."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
