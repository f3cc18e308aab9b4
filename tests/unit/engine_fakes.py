"""Fake `Source` / `Target` objects (flows.ports protocols) for the engine's plain functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.records import Page
from connectors.state import StateStore
from flows.ports import DecodeError, Item, LoadResult, Tombstone, not_found, written
from flows.usecases import SyncSettings
from transforms.canonical import Canonical, Entity, Order, content_hash

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def order_row(oid: str, status: str = "processing", **changes: Any) -> dict[str, Any]:
    """A raw order as the fake source holds it (already in canonical shape)."""
    row: dict[str, Any] = {
        "ref": {"system": "shift4shop", "entity": "order", "id": oid},
        "number": oid,
        "status": status,
        "currency": "USD",
        "customer": {"ref": {"system": "shift4shop", "entity": "customer", "id": "26"}},
        "placed_at": NOW - dt.timedelta(days=1),
        "updated_at": NOW - dt.timedelta(hours=1),
        "lines": [
            {
                "ref": {"system": "shift4shop", "entity": "order_line", "id": f"{oid}-1"},
                "sku": "SB-CAP-048",
                "quantity": "1",
                "unit_price": {"amount": Decimal("16.00"), "currency": "USD"},
            }
        ],
        "total": {"amount": Decimal("16.00"), "currency": "USD"},
    }
    row.update(changes)
    return row


def order(oid: str, status: str = "processing", **changes: Any) -> Order:
    return Order.model_validate(order_row(oid, status, **changes))


class RawOrder(BaseModel):
    """A raw payload model with aliases, as connectors return them."""

    model_config = ConfigDict(populate_by_name=True)

    order_id: str = Field(alias="OrderID")
    data: dict[str, Any]


class FakeSource:
    """`Source[Order]` over rows in memory; every read is recorded."""

    system = "shift4shop"
    entity = Entity.ORDER

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = list(rows)
        self.calls: list[tuple[Any, ...]] = []

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        self.calls.append(("changed", since, until, cursor))
        return Page(list(self.rows))

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        self.calls.append(("ids", tuple(ids), cursor))
        by_id = {self.external_id(r): r for r in self.rows}
        return Page(
            [by_id[i] for i in ids if i in by_id],
            not_found(self.system, self.entity, [i for i in ids if i not in by_id]),
        )

    def decode(self, raw: Any) -> Order:
        data = raw.data if isinstance(raw, RawOrder) else raw
        if data.get("deleted"):
            raise Tombstone(f"shift4shop:order:{self.external_id(raw)}: deleted in the store")
        if data.get("explain"):
            raise DecodeError(data["explain"])
        return Order.model_validate(data)  # a ValidationError is a ValueError

    def external_id(self, raw: Any) -> str:
        return raw.order_id if isinstance(raw, RawOrder) else str(raw["ref"]["id"])

    def close(self) -> None:
        return None


class FakeTarget:
    """`Target[Order]` that writes nothing: it records what it was asked to load."""

    system = "salesforce"
    binding_entity = "Order"

    def __init__(
        self,
        entity: Entity = Entity.ORDER,
        refuse: dict[str, str] | None = None,
        unmappable: Sequence[str] = (),
    ) -> None:
        self.entity = entity
        self.refuse = refuse or {}
        self.unmappable = set(unmappable)
        self.loaded: list[list[str]] = []

    def payload_hash(self, record: Canonical) -> str:
        if record.ref.id in self.unmappable:  # type: ignore[attr-defined]
            raise ValueError("salesforce/order.Status (from status): 'x' has no entry")
        return content_hash(record)

    def validate(self, record: Canonical) -> str | None:
        return self.refuse.get(record.ref.id)  # type: ignore[attr-defined]

    def load(self, items: Sequence[Item[Any]]) -> LoadResult:
        self.loaded.append([i.ref.id for i in items])
        return LoadResult([written(i, f"801-{i.ref.id}") for i in items])

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        return None


def settings(**values: Any) -> SyncSettings:
    return SyncSettings(**values)


def new_store(tmp_path: Path) -> StateStore:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.upgrade()
    return store
