"""Catalog writes of the BigCommerce emulator (V3 `/catalog/products`, `/catalog/variants`).

`POST /catalog/products` creates one product (required `name`, `type`, `weight`, `price`; 409 for
a SKU or name already used) and may carry `variants` whose `option_values` name options by
`option_display_name` + `label` (created as needed). `PUT /catalog/products` is a batch of at most
10 (413 past it), `PUT /catalog/variants` of at most 50; both all-or-nothing (assumption). A
Catalog `inventory_level` write is an absolute adjustment at the default location (store-apis.md
1.7). Fires `store/product/created|updated`, `store/sku/created|updated` and the inventory scopes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.constants import MAX_PRODUCTS_BATCH
from sandbox.bigcommerce.records import new_variant
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.txn import Tx
from sandbox.bigcommerce.variant_ops import INVALID, VariantOps, decimal_field, int_field
from sandbox.bigcommerce.web import ApiError, too_large

PRODUCT_MONEY = ("price", "cost_price", "retail_price", "sale_price", "weight")
PRODUCT_TEXT = ("name", "sku", "description", "upc", "gtin", "mpn")


class CatalogOps(VariantOps):
    """`create_product`, `update_products` (and the variant writes of `VariantOps`)."""

    def _apply_product(self, tx: Tx, p: Record, item: dict[str, Any], where: str) -> None:
        for name in PRODUCT_MONEY:
            if name in item:
                p[name] = decimal_field(item[name], f"{where}{name}")
        for name in PRODUCT_TEXT:
            if name in item:
                if not isinstance(item[name], str):
                    raise ApiError(422, INVALID, {f"{where}{name}": "error.type.string"})
                p[name] = item[name]
        if "is_visible" in item:
            p["is_visible"] = bool(item["is_visible"])
        if item.get("availability") in ("available", "disabled", "preorder"):
            p["availability"] = item["availability"]
        if "inventory_warning_level" in item:
            p["inventory_warning_level"] = int_field(
                item["inventory_warning_level"], f"{where}inventory_warning_level"
            )
        if "categories" in item and isinstance(item["categories"], list):
            p["categories"] = [int(c) for c in item["categories"]]
        base = self.state.variants.get(p["base_variant_id"] or -1)
        if base is not None and "sku" in item:
            base["sku"] = item["sku"]
        p["date_modified"] = tx.now
        if "inventory_level" in item:
            level = int_field(item["inventory_level"], f"{where}inventory_level")
            if base is not None:  # product tracking; ignored on variant-tracked (assumption)
                self._stock(tx, base, level)

    def create_product(self, body: Any) -> Record:
        """`POST /v3/catalog/products` (one product, optionally with `variants`).

        Raises:
            ApiError: 422 a missing or invalid field, 409 a SKU or name already in use.
        """
        if not isinstance(body, dict):
            raise ApiError(422, INVALID, {"": "An object is expected."})
        for name in ("name", "type", "weight", "price"):
            if body.get(name) in (None, ""):
                raise ApiError(422, INVALID, {name: "error.path.missing"})
        if body["type"] not in ("physical", "digital"):
            raise ApiError(422, INVALID, {"type": "error.enum"})
        with self.transaction() as tx:
            if any(p["name"] == body["name"] for p in self.state.products.values()):
                raise ApiError(409, "The product name is a duplicate", {"name": "duplicate"})
            skus = [body.get("sku") or ""] + [
                v.get("sku") or "" for v in body.get("variants") or []
            ]
            if any(s and self._sku_taken(s) for s in skus) or len(set(skus) - {""}) < len(
                [s for s in skus if s]
            ):
                raise ApiError(409, "The product sku is a duplicate", {"sku": "duplicate"})
            pid = self.state.next_id("product")
            variants = body.get("variants") or []
            p: Record = {
                "id": pid,
                "name": body["name"],
                "type": body["type"],
                "sku": "",
                "description": "",
                "weight": Decimal("0"),
                "price": Decimal("0"),
                "cost_price": Decimal("0"),
                "retail_price": Decimal("0"),
                "sale_price": Decimal("0"),
                "categories": [],
                "brand_id": 0,
                "inventory_tracking": "variant" if variants else "product",
                "inventory_warning_level": 0,
                "is_visible": True,
                "availability": "available",
                "upc": "",
                "gtin": "",
                "mpn": "",
                "date_created": tx.now,
                "date_modified": tx.now,
                "base_variant_id": None,
                "options": [],
            }
            self.state.products[pid] = p
            if not variants:
                vid = self.state.next_id("variant")
                p["base_variant_id"] = vid
                self.state.variants[vid] = new_variant(
                    vid, pid, body.get("sku") or "", None, None, []
                )
            self._apply_product(tx, p, body, "")
            for i, v in enumerate(variants):
                self._new_variant(tx, p, v, f"variants[{i}].")
            tx.fire("store/product/created", {"type": "product", "id": pid})
            return p

    def update_products(self, body: Any, *, single: int | None = None) -> list[Record]:
        """`PUT /v3/catalog/products` (batch) or `PUT /v3/catalog/products/{id}` (`single`).

        Raises:
            ApiError: 413 over 10 items, 404 an unknown id, 422 a missing id or bad field,
                409 a SKU already in use.
        """
        if single is not None:
            items = [{**body, "id": single}] if isinstance(body, dict) else None
        else:
            items = body if isinstance(body, list) else None
        if not items or not all(isinstance(i, dict) for i in items):
            raise ApiError(422, INVALID, {"": "An array of products is expected."})
        if len(items) > MAX_PRODUCTS_BATCH:
            raise too_large(MAX_PRODUCTS_BATCH)
        with self.transaction() as tx:
            for i, item in enumerate(items):
                where = "" if single is not None else f"[{i}]."
                if not isinstance(item.get("id"), int):
                    raise ApiError(422, INVALID, {f"{where}id": "error.path.missing"})
                p = self.product(item["id"])
                if "sku" in item and self._sku_taken(item["sku"], p["base_variant_id"]):
                    raise ApiError(
                        409, "The product sku is a duplicate", {f"{where}sku": "duplicate"}
                    )
            out = []
            for i, item in enumerate(items):
                where = "" if single is not None else f"[{i}]."
                p = self.state.products[item["id"]]
                self._apply_product(tx, p, item, where)
                for j, v in enumerate(item.get("variants") or []):
                    if isinstance(v, dict) and isinstance(v.get("id"), int):
                        self._update_variant(
                            tx, {**v, "product_id": p["id"]}, f"{where}variants[{j}]."
                        )
                tx.fire("store/product/updated", {"type": "product", "id": p["id"]})
                out.append(p)
            return out
