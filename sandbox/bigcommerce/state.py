"""Mutable state of the BigCommerce emulator: plain records per kind, ids never reused.

Records are dicts in an internal form close to the API's fields, with `Decimal` money and aware
UTC `datetime` stamps; the renderers (`render_v2.py`, `render_v3.py`) turn them into the V2 shapes
(money strings, RFC 2822 dates) or V3 shapes (numbers, ISO 8601). `seeding.py` fills the state
from the seed world; `encode`/`decode` make it JSON for `dump`/`load`.

Inventory is kept per (variant id, location id): `{"on_hand", "safety_stock", "warning_level",
"bin", "absolute"}` where `absolute` says the item has had an absolute adjustment (seeded stock
counts as one). A simple product's stock is its base variant's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Record = dict[str, Any]


@dataclass
class StoreState:
    """Everything the emulated store holds, keyed by id, and its id sequences."""

    orders: dict[int, Record] = field(default_factory=dict)
    customers: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    variants: dict[int, Record] = field(default_factory=dict)
    locations: dict[int, Record] = field(default_factory=dict)
    # "variant_id:location_id" -> level record
    stock: dict[str, Record] = field(default_factory=dict)
    hooks: dict[int, Record] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        """The next id of `kind` (a counter: ids are never reused, even after a delete)."""
        self.sequences[kind] = self.sequences.get(kind, 0) + 1
        return self.sequences[kind]

    def level(self, variant_id: int, location_id: int) -> Record | None:
        """The stock record of a variant at a location, if it has one."""
        return self.stock.get(f"{variant_id}:{location_id}")

    def set_level(self, variant_id: int, location_id: int, on_hand: int) -> Record:
        """Set (creating it if needed) the stock on hand of a variant at a location."""
        key = f"{variant_id}:{location_id}"
        rec = self.stock.setdefault(
            key, {"on_hand": 0, "safety_stock": 0, "warning_level": 0, "bin": "", "absolute": False}
        )
        rec["on_hand"] = on_hand
        return rec

    def product_variants(self, product_id: int) -> list[Record]:
        """The variants of a product (its base variant for a simple product), by id."""
        return [v for _, v in sorted(self.variants.items()) if v["product_id"] == product_id]

    def sku_index(self) -> dict[str, Record]:
        """Every variant by SKU (a simple product's SKU is its base variant's)."""
        return {v["sku"]: v for _, v in sorted(self.variants.items()) if v["sku"]}


# --- persistence -------------------------------------------------------------------------------
_KINDS = ("orders", "customers", "products", "variants", "locations", "hooks")


def encode(value: Any) -> Any:
    """`value` as JSON data: Decimals and datetimes tagged so `decode` restores them exactly."""
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(value, dict):
        if set(value) == {"$dec"}:
            return Decimal(value["$dec"])
        if set(value) == {"$dt"}:
            return dt.datetime.fromisoformat(value["$dt"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def dump_state(state: StoreState) -> dict[str, Any]:
    """The state as JSON-serialisable data."""
    out: dict[str, Any] = {kind: encode(list(getattr(state, kind).values())) for kind in _KINDS}
    out["stock"] = encode(state.stock)
    out["sequences"] = dict(state.sequences)
    return out


def load_state(data: dict[str, Any]) -> StoreState:
    """A state from `dump_state` output."""
    state = StoreState()
    for kind in _KINDS:
        setattr(state, kind, {int(r["id"]): r for r in decode(data.get(kind, []))})
    state.stock = decode(data.get("stock", {}))
    state.sequences = {k: int(v) for k, v in data.get("sequences", {}).items()}
    return state
