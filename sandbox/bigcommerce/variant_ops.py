"""Variant and option writes of the BigCommerce emulator, and what catalog writes share.

`PUT /catalog/variants` is a batch of at most 50 (413 past it, sample
`v3_variants_batch_update_413.json`: no final period), all-or-nothing (assumption), `id` required.
`POST /catalog/products/{id}/variants` needs `sku` and `option_values` (by `id` + `option_id`, or
`option_display_name` + `label`, created as needed); a simple product that gains an option variant
loses its base variant and becomes variant-tracked (assumption). A Catalog `inventory_level`
write is an absolute adjustment at the default location (store-apis.md 1.7).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.bigcommerce.constants import MAX_VARIANTS_BATCH
from sandbox.bigcommerce.records import new_variant
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.txn import StoreBase, Tx
from sandbox.bigcommerce.web import ApiError, too_large

VARIANT_MONEY = ("price", "cost_price", "retail_price", "sale_price", "weight")
VARIANT_TEXT = ("sku", "upc", "gtin", "mpn")
INVALID = "JSON data is missing or invalid"


def decimal_field(value: Any, where: str, *, nullable: bool = False) -> Decimal | None:
    """A JSON number as Decimal (never through float).

    Raises:
        ApiError: 422 naming `where` for anything that is not a non-negative number.
    """
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ApiError(422, INVALID, {where: "error.type.number"})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ApiError(422, INVALID, {where: "error.type.number"}) from None
    if not number.is_finite() or number < 0:
        raise ApiError(422, INVALID, {where: "error.minimum"})
    return number


def int_field(value: Any, where: str) -> int:
    """A non-negative JSON integer (422 naming `where` otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ApiError(422, INVALID, {where: "error.type.integer"})
    return value


class VariantOps(StoreBase):
    """`product`, `fire_inventory`, `update_variants`, `create_variant`, `create_option`."""

    def product(self, product_id: int) -> Record:
        """The product record.

        Raises:
            ApiError: 404 when there is no such product.
        """
        product = self.state.products.get(product_id)
        if product is None:
            raise ApiError(404, "The requested product was not found.", {})
        return product

    def _sku_taken(self, sku: str, variant_id: int | None = None) -> bool:
        owner = self.state.sku_index().get(sku)
        return owner is not None and owner["id"] != variant_id

    def _stock(self, tx: Tx, variant: Record, quantity: int) -> None:
        """A Catalog inventory write: absolute at the default location, with its event."""
        self.state.set_level(variant["id"], 1, quantity)["absolute"] = True
        product = self.state.products[variant["product_id"]]
        product["date_modified"] = tx.now
        self.fire_inventory(tx, variant, "absolute", quantity)

    def fire_inventory(self, tx: Tx, variant: Record, method: str, value: int) -> None:
        """`store/product/inventory/updated` or `store/sku/inventory/updated` for `variant`."""
        pid = variant["product_id"]
        if self.state.products[pid]["inventory_tracking"] == "variant":
            tx.fire(
                "store/sku/inventory/updated",
                {
                    "type": "sku",
                    "id": variant["sku_id"] or variant["id"],
                    "inventory": {
                        "product_id": pid,
                        "method": method,
                        "value": value,
                        "variant_id": variant["id"],
                    },
                },
            )
        else:
            tx.fire(
                "store/product/inventory/updated",
                {
                    "type": "product",
                    "id": pid,
                    "inventory": {"product_id": pid, "method": method, "value": value},
                },
            )

    def _update_variant(self, tx: Tx, item: dict[str, Any], where: str) -> Record:
        v = self.state.variants.get(item["id"])
        if v is None or ("product_id" in item and item["product_id"] != v["product_id"]):
            raise ApiError(404, "The requested variant was not found.", {f"{where}id": "not found"})
        if "sku" in item and self._sku_taken(item["sku"], v["id"]):
            raise ApiError(409, "The variant sku is a duplicate", {f"{where}sku": "duplicate"})
        for name in VARIANT_MONEY:
            if name in item:
                v[name] = decimal_field(item[name], f"{where}{name}", nullable=True)
        for name in VARIANT_TEXT:
            if name in item:
                if not isinstance(item[name], str):
                    raise ApiError(422, INVALID, {f"{where}{name}": "error.type.string"})
                v[name] = item[name]
        if "purchasing_disabled" in item:
            v["purchasing_disabled"] = bool(item["purchasing_disabled"])
        product = self.state.products[v["product_id"]]
        if "sku" in item and product["base_variant_id"] == v["id"]:
            product["sku"] = v["sku"]
        product["date_modified"] = tx.now
        if "inventory_level" in item:
            self._stock(tx, v, int_field(item["inventory_level"], f"{where}inventory_level"))
        if v["sku_id"]:
            tx.fire(
                "store/sku/updated",
                {
                    "type": "sku",
                    "id": v["sku_id"],
                    "sku": {"product_id": v["product_id"], "variant_id": v["id"]},
                },
            )
        tx.fire("store/product/updated", {"type": "product", "id": v["product_id"]})
        return v

    def update_variants(self, body: Any) -> list[Record]:
        """`PUT /v3/catalog/variants` (batch of at most 50; `id` required per item).

        Raises:
            ApiError: 413 over 50 items, 422 a missing id or bad field, 404 an unknown variant.
        """
        if not isinstance(body, list) or not body or not all(isinstance(i, dict) for i in body):
            raise ApiError(422, INVALID, {"": "An array of variants is expected."})
        if len(body) > MAX_VARIANTS_BATCH:
            raise too_large(MAX_VARIANTS_BATCH, period=False)
        with self.transaction() as tx:
            for i, item in enumerate(body):
                if not isinstance(item.get("id"), int):
                    raise ApiError(422, INVALID, {f"[{i}].id": "error.path.missing"})
                if item["id"] not in self.state.variants:
                    raise ApiError(
                        404, "The requested variant was not found.", {f"[{i}].id": "not found"}
                    )
            return [self._update_variant(tx, item, f"[{i}].") for i, item in enumerate(body)]

    def _option_value(self, p: Record, ov: dict[str, Any], where: str) -> Record:
        if "id" in ov and "option_id" in ov:
            for o in p["options"]:
                for value in o["option_values"]:
                    if o["id"] == ov["option_id"] and value["id"] == ov["id"]:
                        return {
                            "id": value["id"],
                            "option_id": o["id"],
                            "label": value["label"],
                            "option_display_name": o["display_name"],
                        }
            raise ApiError(422, INVALID, {f"{where}option_values": "Option value not found."})
        name, label = ov.get("option_display_name"), ov.get("label")
        if not isinstance(name, str) or not isinstance(label, str) or not name or not label:
            raise ApiError(422, INVALID, {f"{where}option_values": "error.path.missing"})
        option = next((o for o in p["options"] if o["display_name"] == name), None)
        if option is None:
            option = {
                "id": self.state.next_id("option"),
                "display_name": name,
                "type": "rectangles",
                "sort_order": len(p["options"]),
                "option_values": [],
            }
            p["options"].append(option)
        value = next((x for x in option["option_values"] if x["label"] == label), None)
        if value is None:
            value = {
                "id": self.state.next_id("option_value"),
                "label": label,
                "sort_order": len(option["option_values"]),
                "is_default": False,
            }
            option["option_values"].append(value)
        return {
            "id": value["id"],
            "option_id": option["id"],
            "label": label,
            "option_display_name": name,
        }

    def _new_variant(self, tx: Tx, p: Record, body: dict[str, Any], where: str) -> Record:
        sku = body.get("sku")
        if not isinstance(sku, str) or not sku:
            raise ApiError(422, INVALID, {f"{where}sku": "error.path.missing"})
        if self._sku_taken(sku):
            raise ApiError(409, "The variant sku is a duplicate", {f"{where}sku": "duplicate"})
        values = body.get("option_values")
        if not isinstance(values, list) or not values:
            raise ApiError(422, INVALID, {f"{where}option_values": "error.path.missing"})
        chosen = [self._option_value(p, ov, where) for ov in values]
        base = self.state.variants.get(p["base_variant_id"] or -1)
        if base is not None:  # a simple product gains options: its base variant goes
            del self.state.variants[base["id"]]
            self.state.stock = {
                k: s for k, s in self.state.stock.items() if not k.startswith(f"{base['id']}:")
            }
            p["base_variant_id"], p["inventory_tracking"] = None, "variant"
        vid = self.state.next_id("variant")
        v = new_variant(vid, p["id"], sku, None, None, chosen)
        v["sku_id"] = self.state.next_id("sku")
        self.state.variants[vid] = v
        rest = {k: x for k, x in body.items() if k not in ("sku", "option_values", "product_id")}
        self._update_variant(tx, {**rest, "id": vid}, where)
        tx.fire(
            "store/sku/created",
            {"type": "sku", "id": v["sku_id"], "sku": {"product_id": p["id"], "variant_id": vid}},
        )
        return v

    def create_variant(self, product_id: int, body: Any) -> Record:
        """`POST /v3/catalog/products/{id}/variants`.

        Raises:
            ApiError: 404 unknown product, 422 missing `sku`/`option_values`, 409 SKU in use.
        """
        if not isinstance(body, dict):
            raise ApiError(422, INVALID, {"": "An object is expected."})
        with self.transaction() as tx:
            p = self.product(product_id)
            v = self._new_variant(tx, p, body, "")
            tx.fire("store/product/updated", {"type": "product", "id": product_id})
            return v

    def create_option(self, product_id: int, body: Any) -> Record:
        """`POST /v3/catalog/products/{id}/options` (`display_name`, `type`, `option_values`).

        Raises:
            ApiError: 404 unknown product, 422 a missing field, 409 a display name in use.
        """
        if not isinstance(body, dict):
            raise ApiError(422, INVALID, {"": "An object is expected."})
        for name in ("display_name", "type", "option_values"):
            if not body.get(name):
                raise ApiError(422, INVALID, {name: "error.path.missing"})
        with self.transaction() as tx:
            p = self.product(product_id)
            if any(o["display_name"] == body["display_name"] for o in p["options"]):
                raise ApiError(
                    409, "The option display name is a duplicate", {"display_name": "duplicate"}
                )
            values = []
            for i, ov in enumerate(body["option_values"]):
                if not isinstance(ov, dict) or not isinstance(ov.get("label"), str):
                    raise ApiError(
                        422, INVALID, {f"option_values[{i}].label": "error.path.missing"}
                    )
                values.append(
                    {
                        "id": self.state.next_id("option_value"),
                        "label": ov["label"],
                        "sort_order": ov.get("sort_order", i),
                        "is_default": bool(ov.get("is_default", False)),
                    }
                )
            option = {
                "id": self.state.next_id("option"),
                "display_name": body["display_name"],
                "type": body["type"],
                "sort_order": len(p["options"]),
                "option_values": values,
            }
            p["options"].append(option)
            p["date_modified"] = tx.now
            tx.fire("store/product/updated", {"type": "product", "id": product_id})
            return option
