"""Product and advanced-option writes of the Shift4Shop (3dcart) REST API v1 emulator.

`PUT /Products` (batch of at most 100, items by `SKUInfo.CatalogID` or top-level `CatalogID`),
`PUT /Products/{catalogid}`, `POST /Products`, `DELETE /Products/{catalogid}` and
`PUT /Products/{catalogid}/AdvancedOptions[/{advancedoptioncode}]` (store-apis.md 2.5). Every
accepted write bumps the product's LastUpdate; a change of `SKUInfo.Stock` or of a variant's
`AdvancedOptionStock` fires Product Stock Changed, a change of anything else Product Changed.

Assumptions: stock may be written negative (the doc says variant stock can be negative; we allow
it for `SKUInfo.Stock` too); `SKUInfo.Stock` and the variants' stock are independent (gotcha 7:
writing one does not recompute the other); the SKU is fixed after creation; a new product's SKU
must be unique among product SKUs, case-insensitively ("SKU already exists" is our wording); the
API has no POST for advanced options, so `POST /Products` may carry an `AdvancedOptionList` to
create the variants, whose `AdvancedOptionName` "Name: Value" gives the option set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.shift4shop.catalog import render_product
from sandbox.shift4shop.events import (
    PRODUCT_CHANGED,
    PRODUCT_DELETED,
    PRODUCT_NEW,
    PRODUCT_STOCK_CHANGED,
)
from sandbox.shift4shop.fields import (
    CREATED,
    Field,
    assign,
    bad,
    boolean,
    fold,
    integer,
    lookup,
    number,
    parse_fields,
    require_some,
    run_items,
    text,
    written,
)
from sandbox.shift4shop.query import ApiError
from sandbox.shift4shop.state import Product, Variant
from sandbox.shift4shop.txn import StoreBase, Tx

PRODUCT_FIELDS = (
    Field("SKUInfo.Name", "name", text(255, required=True)),
    Field("SKUInfo.Price", "price", number()),
    Field("SKUInfo.Cost", "cost", number()),
    Field("SKUInfo.RetailPrice", "retail_price", number()),
    Field("SKUInfo.SalePrice", "sale_price", number()),
    Field("SKUInfo.OnSale", "on_sale", boolean),
    Field("SKUInfo.Stock", "stock", integer()),
    Field("Description", "description", text()),
    Field("ShortDescription", "short_description", text()),
    Field("Hide", "hide", boolean),
    Field("GTIN", "gtin", text(50)),
    Field("Weight", "weight", number()),
    Field("MFGID", "mfgid", text(50)),
)
VARIANT_FIELDS = (
    Field("AdvancedOptionStock", "stock", integer()),
    Field("AdvancedOptionPrice", "price", number()),
    Field("AdvancedOptionSufix", "sku", text(50, required=True)),
    Field("AdvancedOptionName", "name", text(255, required=True)),
    Field("AdvancedOptionGTIN", "gtin", text(50)),
    Field("AdvancedOptionCost", "cost", number()),
    Field("AdvancedOptionWeight", "weight", number()),
)
SKU_FIELD = Field("SKUInfo.SKU", "sku", text(50, required=True))


def catalog_id_of(body: dict[str, Any]) -> int:
    """The CatalogID of a folded `PUT /Products` item (`SKUInfo.CatalogID`, else top level).

    Raises:
        ApiError: 400 when neither is an integer.
    """
    for name in ("SKUInfo.CatalogID", "CatalogID"):
        raw = lookup(body, name)
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
    raise ApiError(400, "SKUInfo.CatalogID is required")


def code_of(body: dict[str, Any]) -> str:
    """The AdvancedOptionCode of a folded item (a string; clients also send numbers)."""
    raw = lookup(body, "AdvancedOptionCode")
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).strip():
        raise ApiError(400, "AdvancedOptionCode is required")
    return str(raw).strip()


def fire_product(tx: Tx, catalog_id: int, changed: set[str]) -> None:
    """Fire Stock Changed / Product Changed for the attributes that changed."""
    if "stock" in changed:
        tx.fire(PRODUCT_STOCK_CHANGED, catalog_id)
    if changed - {"stock"}:
        tx.fire(PRODUCT_CHANGED, catalog_id)


def _new_variant(position: int, raw: Any, product: Product) -> Variant:
    """A variant from one `AdvancedOptionList` element of a `POST /Products` body."""
    if not isinstance(raw, dict):
        raise bad("AdvancedOptionList", "each element must be an object")
    body = fold(raw)
    values = parse_fields(body, VARIANT_FIELDS)
    if "sku" not in values:
        raise bad("AdvancedOptionList.AdvancedOptionSufix", "required")
    code = code_of(body) if lookup(body, "AdvancedOptionCode") is not None else str(position)
    name = values.get("name", values["sku"])
    option_name, _, option_value = name.rpartition(": ")
    variant = Variant(
        code=code,
        sku=values["sku"],
        name=name,
        option_name=option_name or "Option",
        option_value=option_value,
        price=product.price,
        cost=product.cost,
        stock=0,
        weight=product.weight,
    )
    assign(variant, values)
    return variant


def _blank_product(sku: str, name: str, tx: Tx) -> Product:
    """A new product before its fields are applied (CatalogID set once nothing can fail)."""
    zero = Decimal("0.00")
    return Product(
        catalog_id=0,
        sku=sku,
        name=name,
        price=zero,
        cost=zero,
        retail_price=zero,
        sale_price=zero,
        stock=0,
        last_update=tx.now,
        date_created=tx.now,
        mfgid=sku,
    )


class CatalogWrites(StoreBase):
    """Product, variant (advanced option) and stock writes."""

    def _product_or_404(self, catalog_id: int) -> Product:
        product = self.state.products.get(catalog_id)
        if product is None:
            raise ApiError(404, f"Product {catalog_id} not found")
        return product

    def update_product(self, catalog_id: int, changes: dict[str, Any]) -> None:
        """`PUT /Products/{catalogid}`: write the writable product fields.

        Raises:
            ApiError: 404 for an unknown product, 400 naming an invalid field.
        """
        values = parse_fields(fold(changes), PRODUCT_FIELDS)
        require_some(values, PRODUCT_FIELDS)
        with self.transaction() as tx:
            product = self._product_or_404(catalog_id)
            changed = assign(product, values)
            product.last_update = tx.now
            fire_product(tx, catalog_id, changed)

    def update_products(self, items: list[Any]) -> list[dict[str, str]]:
        """`PUT /Products`: items by CatalogID, one result element each."""

        def apply(catalog_id: int, body: dict[str, Any]) -> dict[str, str]:
            self.update_product(catalog_id, body)
            return written("CatalogID", catalog_id)

        with self.transaction():
            return run_items(items, "CatalogID", catalog_id_of, apply)

    def create_product(self, body: dict[str, Any]) -> int:
        """`POST /Products` (one object): a new product with a new CatalogID.

        Returns:
            The CatalogID.

        Raises:
            ApiError: 400 naming a missing or invalid field, or "SKU already exists".
        """
        folded = fold(body)
        sku = parse_fields(folded, (SKU_FIELD,)).get("sku")
        values = parse_fields(folded, PRODUCT_FIELDS)
        if sku is None:
            raise bad("SKUInfo.SKU", "required")
        if "name" not in values:
            raise bad("SKUInfo.Name", "required")
        options = lookup(folded, "AdvancedOptionList") or []
        if not isinstance(options, list):
            raise bad("AdvancedOptionList", "must be an array")
        with self.transaction() as tx:
            if any(p.sku.lower() == sku.lower() for p in self.state.products.values()):
                raise ApiError(400, "SKU already exists")
            product = _blank_product(sku, values["name"], tx)
            assign(product, values)
            product.variants = [_new_variant(i, o, product) for i, o in enumerate(options, 1)]
            product.catalog_id = self.state.next_id("catalog")  # only once nothing can fail
            self.state.products[product.catalog_id] = product
            tx.fire(PRODUCT_NEW, product.catalog_id)
            return product.catalog_id

    def create_products(self, items: list[Any]) -> list[dict[str, str]]:
        """`POST /Products` with an array: one result element per item."""

        def apply(_: None, body: dict[str, Any]) -> dict[str, str]:
            return written("CatalogID", self.create_product(body), 201, CREATED)

        with self.transaction():
            return run_items(items, "CatalogID", lambda b: None, apply)

    def delete_product(self, catalog_id: int) -> None:
        """`DELETE /Products/{catalogid}` (fires Product Deleted with the product as it was).

        Raises:
            ApiError: 404 for an unknown product.
        """
        with self.transaction() as tx:
            product = self._product_or_404(catalog_id)
            payload = render_product(product, self.render_context)
            del self.state.products[catalog_id]
            tx.fire(PRODUCT_DELETED, catalog_id, payload)

    def update_advanced_option(self, catalog_id: int, code: str, changes: dict[str, Any]) -> None:
        """`PUT /Products/{catalogid}/AdvancedOptions/{advancedoptioncode}`.

        Raises:
            ApiError: 404 for an unknown product or code, 400 naming an invalid field.
        """
        values = parse_fields(fold(changes), VARIANT_FIELDS)
        require_some(values, VARIANT_FIELDS)
        with self.transaction() as tx:
            product = self._product_or_404(catalog_id)
            variant = product.variant(str(code))
            if variant is None:
                raise ApiError(404, f"Advanced option {code} not found on product {catalog_id}")
            changed = assign(variant, values)
            product.last_update = tx.now
            fire_product(tx, catalog_id, changed)

    def update_advanced_options(self, catalog_id: int, items: list[Any]) -> list[dict[str, str]]:
        """`PUT /Products/{catalogid}/AdvancedOptions`: items by AdvancedOptionCode.

        Raises:
            ApiError: 404 for an unknown product (the whole request).
        """

        def apply(code: str, body: dict[str, Any]) -> dict[str, str]:
            self.update_advanced_option(catalog_id, code, body)
            return written("AdvancedOptionCode", code)

        with self.transaction():
            self._product_or_404(catalog_id)
            return run_items(items, "AdvancedOptionCode", code_of, apply)

    def write_stock(self, catalog_id: int, stock: int, code: str | None, tx: Tx) -> Product:
        """Set product (or variant `code`) stock inside `tx`; the caller fires the event.

        Raises:
            KeyError: unknown product or advanced option code.
        """
        product = self.state.products[catalog_id]
        target: Product | Variant | None = product if code is None else product.variant(code)
        if target is None:
            raise KeyError(f"advanced option {code!r} of product {catalog_id}")
        target.stock = stock
        product.last_update = tx.now
        return product
