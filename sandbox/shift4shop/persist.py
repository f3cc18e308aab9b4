"""Snapshots of the Shift4Shop (3dcart) REST API v1 emulator's state (the persisted sandbox).

`dump_state` turns the whole state into JSON-serialisable data (Decimals as strings, datetimes as
ISO 8601, dataclasses as objects, id-keyed maps as lists sorted by id) and `load_state` rebuilds
it from the dataclasses' own type hints, so a persisted sandbox resumes where it stopped. Webhook
delivery logs are runtime telemetry (like request counts) and are not part of a snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from decimal import Decimal
from typing import Any

from sandbox.shift4shop.state import Customer, Order, Product, StoreState, Webhook

# v2: shipments, transactions, coupons, variants, writable customers/products, webhooks.
STATE_VERSION = 2
# Snapshot key -> (record type, attribute holding its id).
TABLES: dict[str, tuple[type, str]] = {
    "orders": (Order, "order_id"),
    "customers": (Customer, "customer_id"),
    "products": (Product, "catalog_id"),
    "webhooks": (Webhook, "webhook_id"),
}


def _plain(value: Any) -> Any:
    """JSON-serialisable copy: dataclass → dict, Decimal → str, datetime → ISO, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _revive(hint: Any, value: Any) -> Any:
    """`value` (from `_plain`) turned back into the type `hint` describes."""
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        # Only `X | None` occurs in the state.
        return _revive(next(a for a in args if a is not type(None)), value)
    if origin is list:
        return [_revive(args[0], v) for v in value]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_revive(args[0], v) for v in value)
        return tuple(_revive(a, v) for a, v in zip(args, value, strict=True))
    if origin is dict:
        return {k: _revive(args[1], v) for k, v in value.items()}
    if hint is Decimal:
        return Decimal(value)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record(hint, value)
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Resolving string annotations is slow; a snapshot holds thousands of records.
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def _record(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    return cls(**{k: _revive(hints[k], v) for k, v in data.items() if k in hints})


def dump_state(state: StoreState) -> dict[str, Any]:
    """A JSON-serialisable snapshot of `state` (ids sorted, so equal states dump equal)."""
    out: dict[str, Any] = {"version": STATE_VERSION, "sequences": dict(state.sequences)}
    for key in TABLES:
        table: dict[int, Any] = getattr(state, key)
        out[key] = [_plain(table[k]) for k in sorted(table)]
    return out


def load_state(data: dict[str, Any]) -> StoreState:
    """Rebuild the state from a `dump_state` snapshot.

    Args:
        data: the snapshot (already parsed from JSON).

    Raises:
        ValueError: the snapshot was written by another state version.
    """
    if data.get("version") != STATE_VERSION:
        raise ValueError(f"shift4shop state version {data.get('version')!r} != {STATE_VERSION}")
    state = StoreState(sequences={k: int(v) for k, v in data["sequences"].items()})
    for key, (cls, id_attr) in TABLES.items():
        table: dict[int, Any] = getattr(state, key)
        for row in data.get(key, []):
            record = _record(cls, row)
            table[getattr(record, id_attr)] = record
    return state
