"""Dynamics 365 as the stock master: what each SKU has on hand, per warehouse.

The on-hand source is Field Service's `msdyn_productinventories` (one row per product and
`msdyn_warehouse`, `msdyn_qtyonhand` and `msdyn_qtyallocated`): the documented Dataverse table
with per-location quantities (the seed pages' `msdyn_inventoryonhands` exists in no public
schema; see `connectors/dynamics365/resources.py`). Incremental runs read the rows changed since
the stored delta link (`session.ChangeReader`), backfills and tables without tracking poll
`modifiedon`; each page turns into the products it touches, whose rows over every warehouse make
a `StockPosition` (`transforms.dynamics365.decode_stock`: the locations counted and the safety
stock are data, `inventory_from.yaml`). A product sold as variants keeps its stock on the
variants, so the parent itself is left out. A deleted inventory row names no product (a delta
gives only its id): it is not followed (the product's next change carries its stock again).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from connectors.records import Page
from connectors.state import Window
from flows.ports import Context, DecodeError, Tombstone, not_found
from flows.systems.dynamics365.session import D365, ChangeReader, Session
from transforms import dynamics365 as codec
from transforms.canonical import Entity, StockPosition

LEVELS, PRODUCTS, WAREHOUSES = "msdyn_productinventories", "products", "msdyn_warehouses"
LEVEL_COLUMNS = (
    "msdyn_productinventoryid",
    "msdyn_qtyonhand",
    "msdyn_qtyallocated",
    "msdyn_qtyavailable",
    "_msdyn_product_value",
    "_msdyn_warehouse_value",
    "modifiedon",
)


class StockSource:
    """`Source[StockPosition]` (see the module docstring)."""

    system = D365
    entity = Entity.INVENTORY

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.changes = ChangeReader(self.session, ctx.state)
        self.names: dict[str, str] = {}  # warehouse GUID -> its name (the location)

    def read_tracked(self, window: Window, cursor: Any) -> Page[Any]:
        rows, _ = self.changes.changed(
            LEVELS, "msdyn_productinventoryid", window, ["_msdyn_product_value"]
        )
        return Page(self._positions([str(r.get("_msdyn_product_value") or "") for r in rows]))

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        rows = self.changes.polled(
            LEVELS, ("msdyn_productinventoryid", "_msdyn_product_value"), since, until
        )
        return Page(self._positions([str(r.get("_msdyn_product_value") or "") for r in rows]))

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        found = self._positions(list(ids))
        have = {str(p["productid"]) for p, _, _ in found}
        return Page(found, not_found(D365, Entity.INVENTORY, [i for i in ids if i not in have]))

    def _warehouses(self) -> dict[str, dict[str, Any]]:
        def load() -> dict[str, dict[str, Any]]:
            rows = self.session.client.query(WAREHOUSES, select=["msdyn_warehouseid", "msdyn_name"])
            return {str(r["msdyn_warehouseid"]): dict(r) for r in rows}

        found: dict[str, dict[str, Any]] = self.session.cached("warehouses", "all", load)
        return found

    def _positions(self, product_ids: list[str]) -> list[tuple[dict[str, Any], list[Any], bool]]:
        """(product row, its inventory rows, is a parent of variants) per product."""
        ids = list(dict.fromkeys(i for i in product_ids if i))
        if not ids:
            return []
        s = self.session
        products = s.rows_where_in(PRODUCTS, "productid", ids, ("productid", "productnumber"))
        parents = {
            str(r["_parentproductid_value"])
            for r in s.rows_where_in(
                PRODUCTS, "_parentproductid_value", ids, ("productid", "_parentproductid_value")
            )
        }
        warehouses = self._warehouses()
        levels: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in s.rows_where_in(LEVELS, "_msdyn_product_value", ids, LEVEL_COLUMNS):
            levels[str(row["_msdyn_product_value"])].append(row)
        self.names = {k: str(v.get("msdyn_name") or k) for k, v in warehouses.items()}
        return [
            (p, levels.get(str(p["productid"]), []), str(p["productid"]) in parents)
            for p in products
        ]

    def decode(self, raw: Any) -> StockPosition:
        product, levels, is_parent = raw
        if is_parent:
            raise Tombstone(
                f"{D365}:inventory:{product['productid']}: {product.get('productnumber')} is "
                "sold as variants; their stock is synced, not the parent's"
            )
        try:
            return codec.decode_stock(levels, product=product, warehouses=self.names)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("productid", "?"))

    def close(self) -> None:
        self.session.close()
