"""The comparisons of a reconciliation, with pandas (pure: frames in, a frame of differences out).

Frames hold ids, numbers, Decimal amounts (object columns: never floats), counts and SKUs.

* `order_differences`: the store's orders of the window (what the back office should hold for
  each, `readers.Expected`) outer-joined with what the back office holds for them
  (`readers.Held`), by store order id:
  - ``missing_in_back_office``: a store order the back office does not hold, unless the sync
    already knows why (an unresolved dead letter of its order-to-cash: counted as *known*);
  - ``total``, ``lines``, ``paid``: held, but another total (to the cent, on the reader's
    basis), another number of item lines, another amount paid (where the back office keeps one);
  - ``missing_in_store``: back-office orders bound to a store order the store no longer has
    (found by the run, `gone`).
* `stock_differences`: the store's current units per SKU inner-joined (SKUs compared without
  case) with the stock master's sellable units: ``stock`` where they differ at all (a drift
  beyond 0). SKUs on one side only are counted, not differences (the inventory use case skips
  SKUs the store does not sell).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

KINDS = ("missing_in_back_office", "missing_in_store", "total", "lines", "paid", "stock")
# record: the store order's key (<store>:order:<id>) or the SKU; number: the store's order
# number; target_id / target_number: the back office's; delta: store - back office.
COLUMNS = (
    "kind",
    "record",
    "number",
    "target_id",
    "target_number",
    "store",
    "back_office",
    "delta",
    "note",
)
STORE_COLUMNS = ("order_id", "number", "lines", "total", "paid")
HELD_COLUMNS = ("order_id", "target_id", "target_number", "lines", "total", "paid")
NOTES = {
    "missing_in_back_office": "the back office holds no order for it",
    "unreadable": "unreadable in the store (see a run of order-to-cash); the back office holds "
    "no order for it",
    "missing_in_store": "the store no longer has the store order it is bound to",
    "total": "another total ({basis} basis)",
    "lines": "another number of item lines",
    "paid": "another amount paid ({paid})",
    "stock": "the store offers other units than the stock master's sellable units",
}


def frame(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame of `rows` with exactly `columns` (object dtype: Decimals stay Decimals)."""
    data = [{c: r.get(c) for c in columns} for r in rows]
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COLUMNS), dtype=object)


def order_differences(
    store: pd.DataFrame,
    held: pd.DataFrame,
    *,
    store_system: str,
    total_basis: str = "order",
    paid_basis: str | None = None,
    known: Iterable[str] = (),
    unreadable: Iterable[str] = (),
    gone: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Differences of the orders (see the module docstring) and the counts of what is not one.

    Args:
        store: `STORE_COLUMNS` per store order of the window (its expected figures).
        held: `HELD_COLUMNS` per order the back office holds for those store orders (and for
            `unreadable` ones).
        store_system: the store's slug (records are named ``<store>:order:<id>``).
        total_basis, paid_basis: what the totals and amounts paid sum (for the notes).
        known: store order ids with an unresolved order-to-cash dead letter of the pair.
        unreadable: store order ids of the window the store source could not decode.
        gone: `HELD_COLUMNS` of back-office orders whose store order the store no longer has.

    Returns:
        The differences (`COLUMNS`) and ``{"known": n, "unreadable_held": n, "matched": n}``.
    """
    known_ids, bad_ids = set(map(str, known)), set(map(str, unreadable))
    held = held.drop_duplicates("order_id")
    merged = store.merge(
        held, on="order_id", how="outer", suffixes=("_store", "_office"), indicator=True
    )
    parts: list[pd.DataFrame] = []
    counts = {"known": 0, "unreadable_held": 0, "matched": 0}

    only_store = merged[merged["_merge"] == "left_only"]
    is_known = only_store["order_id"].isin(known_ids)
    counts["known"] += int(is_known.sum())
    missing = only_store[~is_known]
    parts.append(
        _rows(
            missing,
            "missing_in_back_office",
            store_system,
            store=missing["total_store"],
            office=None,
            note=NOTES["missing_in_back_office"],
        )
    )

    only_office = merged[merged["_merge"] == "right_only"]  # held for unreadable store orders
    counts["unreadable_held"] = int(only_office["order_id"].isin(bad_ids).sum())
    not_read = sorted(bad_ids - set(held["order_id"]) - known_ids)
    counts["known"] += len((bad_ids - set(held["order_id"])) & known_ids)
    if not_read:
        rows = pd.DataFrame({"order_id": not_read}, dtype=object)
        parts.append(
            _rows(
                rows,
                "missing_in_back_office",
                store_system,
                store=None,
                office=None,
                note=NOTES["unreadable"],
            )
        )

    both = merged[merged["_merge"] == "both"]
    counts["matched"] = len(both)
    total = both[both["total_store"] != both["total_office"]]
    parts.append(
        _rows(
            total,
            "total",
            store_system,
            store=total["total_store"],
            office=total["total_office"],
            note=NOTES["total"].format(basis=total_basis),
        )
    )
    lines = both[both["lines_store"] != both["lines_office"]]
    parts.append(
        _rows(
            lines,
            "lines",
            store_system,
            store=lines["lines_store"],
            office=lines["lines_office"],
            note=NOTES["lines"],
        )
    )
    kept = both[both["paid_store"].notna() & both["paid_office"].notna()]
    paid = kept[kept["paid_store"] != kept["paid_office"]]
    parts.append(
        _rows(
            paid,
            "paid",
            store_system,
            store=paid["paid_store"],
            office=paid["paid_office"],
            note=NOTES["paid"].format(paid=paid_basis or "as kept"),
        )
    )

    if gone is not None and len(gone):
        parts.append(
            _rows(
                gone,
                "missing_in_store",
                store_system,
                store=None,
                office=gone["total"],
                note=NOTES["missing_in_store"],
            )
        )
    return _concat(parts), counts


def stock_differences(
    store: Mapping[str, Decimal], office: Mapping[str, Decimal]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Stock differences (see the module docstring) and the SKU counts.

    Args:
        store: SKU -> the units the store offers now.
        office: SKU -> the stock master's sellable units.

    Returns:
        The differences and ``{"skus_compared", "store_only_skus", "office_only_skus"}``.
    """
    left = pd.DataFrame(
        {"sku": list(store), "units": list(store.values())}, columns=["sku", "units"], dtype=object
    )
    right = pd.DataFrame(
        {"sku_office": list(office), "sellable": list(office.values())},
        columns=["sku_office", "sellable"],
        dtype=object,
    )
    left["key"] = left["sku"].map(lambda s: str(s).casefold())
    right["key"] = right["sku_office"].map(lambda s: str(s).casefold())
    merged = left.merge(right, on="key", how="outer", indicator=True)
    both = merged[merged["_merge"] == "both"]
    drift = both[both["units"] != both["sellable"]]
    out = pd.DataFrame(
        {
            "kind": "stock",
            "record": drift["sku"],
            "number": None,
            "target_id": None,
            "target_number": None,
            "store": drift["units"],
            "back_office": drift["sellable"],
            "delta": [u - s for u, s in zip(drift["units"], drift["sellable"], strict=True)],
            "note": NOTES["stock"],
        },
        columns=list(COLUMNS),
        dtype=object,
    )
    counts = {
        "skus_compared": len(both),
        "store_only_skus": int((merged["_merge"] == "left_only").sum()),
        "office_only_skus": int((merged["_merge"] == "right_only").sum()),
    }
    return out.sort_values("record", kind="stable").reset_index(drop=True), counts


def counts(differences: pd.DataFrame) -> dict[str, int]:
    """Differences per kind, every kind listed (0 when none)."""
    found = differences["kind"].value_counts() if len(differences) else pd.Series(dtype=int)
    return {kind: int(found.get(kind, 0)) for kind in KINDS}


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """Differences of several comparisons, in `KINDS` order, then by record."""
    return _concat(list(frames))


# --- rows ------------------------------------------------------------------------------------
def _rows(
    part: pd.DataFrame,
    kind: str,
    store_system: str,
    *,
    store: pd.Series | None,
    office: pd.Series | None,
    note: str,
) -> pd.DataFrame:
    n = len(part)
    s = _values(store, n)
    o = _values(office, n)
    return pd.DataFrame(
        {
            "kind": [kind] * n,
            "record": [f"{store_system}:order:{i}" for i in part["order_id"]],
            "number": _column(part, "number", n),
            "target_id": _column(part, "target_id", n),
            "target_number": _column(part, "target_number", n),
            "store": s,
            "back_office": o,
            "delta": [_delta(a, b) for a, b in zip(s, o, strict=True)],
            "note": [note] * n,
        },
        columns=list(COLUMNS),
        dtype=object,
    )


def _values(series: pd.Series | None, n: int) -> list[Any]:
    return [_clean(v) for v in series] if series is not None else [None] * n


def _column(part: pd.DataFrame, name: str, n: int) -> list[Any]:
    return [_clean(v) for v in part[name]] if name in part else [None] * n


def _clean(value: Any) -> Any:
    """None for the holes an outer join leaves (NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def _delta(store: Any, office: Any) -> Any:
    """store - back office, where both are numbers."""
    if isinstance(store, Decimal | int) and isinstance(office, Decimal | int):
        return store - office
    return None


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    kept = [p for p in parts if len(p)]
    if not kept:
        return empty()
    out = pd.concat(kept, ignore_index=True)
    order = {k: i for i, k in enumerate(KINDS)}
    out["_kind"] = out["kind"].map(order)
    out = out.sort_values(["_kind", "record"], kind="stable").drop(columns="_kind")
    return out.reset_index(drop=True)
