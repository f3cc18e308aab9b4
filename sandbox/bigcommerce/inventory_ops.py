"""Inventory writes of the BigCommerce emulator (V3 `/inventory/adjustments/*`).

Body `{"reason": "...", "items": [{"location_id", "variant_id"|"product_id"|"sku", "quantity"}]}`,
at most 2000 items (413 past it). All-or-nothing (assumption). The 422 rules of store-apis.md 1.8
and inventory.v3.yml (`application/problem+json`, the item named in the title): an unknown
location or item; a variant of a product tracked by product ("tracked by product, please update
stock by product id") and a product tracked by variant; a relative adjustment of an item that
never had an absolute one; a result below zero (assumption: Inventory rejects, Catalog clamps).
Applied at once (the real service is asynchronous: clients must not rely on either). Returns a
deterministic `transaction_id`; fires the inventory webhook scopes.
"""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.bigcommerce.catalog_ops import CatalogOps
from sandbox.bigcommerce.constants import MAX_INVENTORY_ITEMS
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.web import ApiError, too_large

TRANSACTIONS = uuid.UUID("6f1d2c1e-5b6a-4c8e-9d52-0b3c7a1e4f00")


def _problem(title: str) -> ApiError:
    return ApiError(422, f"[{title}]", {}, problem=True)


class InventoryOps(CatalogOps):
    """`adjust_inventory` (absolute or relative)."""

    def _item_variant(self, item: dict[str, Any], i: int) -> Record:
        if "variant_id" in item:
            v = self.state.variants.get(item["variant_id"])
            if v is None:
                raise _problem(f"Item {i} with variant_id {item['variant_id']} was not found")
            if self.state.products[v["product_id"]]["inventory_tracking"] == "product":
                raise _problem(
                    f"Item with variant_id {v['id']} is tracked by product, please update stock "
                    "by product id"
                )
            return v
        if "product_id" in item:
            p = self.state.products.get(item["product_id"])
            if p is None:
                raise _problem(f"Item {i} with product_id {item['product_id']} was not found")
            if p["base_variant_id"] is None:
                raise _problem(
                    f"Item with product_id {p['id']} is tracked by variant, please update stock "
                    "by variant id"
                )
            return self.state.variants[p["base_variant_id"]]
        if "sku" in item:
            found = self.state.sku_index().get(str(item["sku"]))
            if found is None:
                raise _problem(f"Item {i} with the given sku was not found")
            return found
        raise _problem(f"Item {i} needs one of variant_id, product_id or sku")

    def adjust_inventory(self, body: Any, *, relative: bool) -> str:
        """Apply an absolute (`PUT`) or relative (`POST`) adjustment; the transaction id.

        Raises:
            ApiError: 413 over 2000 items, 422 (problem+json) per the rules above.
        """
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise _problem("The field 'items' is missing or invalid")
        if len(items) > MAX_INVENTORY_ITEMS:
            raise too_large(MAX_INVENTORY_ITEMS)
        method = "relative" if relative else "absolute"
        with self.transaction() as tx:
            plan: list[tuple[Record, int, int]] = []
            pending: dict[tuple[int, int], int] = {}
            for i, item in enumerate(items):
                loc = item.get("location_id")
                if loc not in self.state.locations:
                    raise _problem(f"Item {i} has an unknown location_id")
                qty = item.get("quantity")
                if isinstance(qty, bool) or not isinstance(qty, int):
                    raise _problem(f"Item {i} needs an integer quantity")
                v = self._item_variant(item, i)
                level = self.state.level(v["id"], loc)
                key = (v["id"], loc)
                if relative:
                    if level is None or not level["absolute"]:
                        raise _problem(
                            f"Item with variant_id {v['id']} at location {loc} requires an "
                            "absolute adjustment before a relative one"
                        )
                    result = pending.get(key, int(level["on_hand"])) + qty
                else:
                    result = qty
                if result < 0:
                    raise _problem(f"Item {i} would leave a negative stock level")
                pending[key] = result
                plan.append((v, loc, qty))
            for (vid, loc), result in pending.items():
                self.state.set_level(vid, loc, result)["absolute"] = True
            for v, _, qty in plan:
                self.state.products[v["product_id"]]["date_modified"] = tx.now
                self.fire_inventory(tx, v, method, qty)
            number = self.state.next_id("inventory_transaction")
            return str(uuid.uuid5(TRANSACTIONS, str(number)))
