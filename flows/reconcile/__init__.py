"""Reconciliation: what a store holds against what its back office holds (`storebridge reconcile`).

The store's side is read through the roles the registry already declares: its order `Source`
(bounded pages of the window) and, for stock, the back office's inventory `Source` (the stock
master's sellable units per SKU). What the registry does not declare is a small *read*
capability per system, named here:

* a **back office** reads the orders it holds for a store (by the store's keys, and those of
  the store placed in a window) with their totals, line counts and the amount paid, and says
  what it should hold for a store order (`expected`): its `OrderReader` (`readers.py`);
* a **store** reads its current stock levels per SKU: its `StockReader`.

`READERS` maps a system's slug to its reader class ("module:Class"). A new system adds its
reader module (`flows/reconcile/<system>.py`) and ONE line here; nothing else changes. (A
`reconcile` field of `SystemSpec` would hold the same path; until the registry has one, this
dict is that field.)

The comparison itself is pandas over small frames of ids, amounts and counts (`compare.py`),
the run is `run.py`, what it prints, exports and publishes is `report.py`, and the Prefect flow a
nightly deployment runs is `flow.py`. Nothing personal is read into a frame: order ids, numbers,
totals, line counts, amounts paid, SKUs and units only.
"""

from __future__ import annotations

from typing import Any

READERS: dict[str, str] = {
    "shift4shop": "flows.reconcile.shift4shop:StockReader",
    "bigcommerce": "flows.reconcile.bigcommerce:StockReader",
    "salesforce": "flows.reconcile.salesforce:OrderReader",
    "dynamics365": "flows.reconcile.dynamics365:OrderReader",
    "sage300": "flows.reconcile.sage300:OrderReader",
}


def reader_class(slug: str) -> Any:
    """The reader class of system `slug`.

    Raises:
        ValueError: the system has no reconcile reader (the message says which ones do).
    """
    from flows.registry import load

    path = READERS.get(slug)
    if path is None:
        raise ValueError(
            f"{slug} has no reconcile reader; systems with one: {', '.join(sorted(READERS))} "
            "(flows/reconcile/__init__.py: READERS)"
        )
    return load(path)
