"""Codec: Dataverse products, price-list prices and Field Service stock → canonical (pure).

Products come with their `productpricelevels` row in the named price list; variants are child
products (`parentproductid`) chosen by their `size` column (`product_from.yaml`). Stock is one
`msdyn_productinventories` row per warehouse (`inventory_from.yaml`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from transforms import dynamics365_rows as rows
from transforms.canonical import Entity, InventoryLevel, Product, StockPosition
from transforms.dynamics365_common import (
    DecodeError,
    Raw,
    as_row,
    as_rows,
    decode,
    ref,
    row_record,
    validate,
)
from transforms.dynamics365_encode import SYSTEM
from transforms.mapping import load_mapping

# --- catalog -----------------------------------------------------------------------------------
PRODUCT_FROM = "dynamics365/product_from"
Price = Decimal | Mapping[str, Any] | BaseModel | None


def _price(price: Price, record: str) -> tuple[Decimal | None, str | None]:
    """A productpricelevel row (or a bare amount) → (amount, ISO currency if expanded)."""
    if price is None or isinstance(price, Decimal):
        return price, None
    price = as_row(price)
    level = validate(rows.ProductPriceLevelRow, price, record)
    currency = price.get("transactioncurrencyid")
    code = currency.get("isocurrencycode") if isinstance(currency, Mapping) else None
    return level.amount, code


def _option(size: Any, default_name: str) -> dict[str, str] | None:
    text = str(size or "").strip()
    name, sep, value = text.partition("=")
    if sep:
        return {"name": name.strip(), "value": value.strip()} if value.strip() else None
    return {"name": default_name, "value": text} if text else None


def decode_product(
    product_row: Raw,
    price: Price = None,
    *,
    currency: str | None = None,
    variants: Sequence[Raw] = (),
    variant_prices: Mapping[str, Price] | None = None,
) -> Product:
    """A product with its price in the named price list (a productpricelevel row or an amount),
    and its variant products (children by `parentproductid`) with theirs (by product number).
    `currency` is the price list's ISO code (else the price row's expanded currency)."""
    row, variant_rows = as_row(product_row), as_rows(variants)
    record = row_record(row, "productid", Entity.PRODUCT)
    product = validate(rows.ProductRow, row, record)
    amount, code = _price(price, record)
    currency = currency or code
    if amount is not None and not currency:
        raise DecodeError(f"{record}: price (transactioncurrencyid): the currency is unknown")
    ctx = {"price": amount, "currency": currency}
    data = decode(PRODUCT_FROM, row, record, ctx)
    if data.get("price", {}).get("amount") is None:
        data.pop("price", None)
    tables = load_mapping(PRODUCT_FROM).tables
    default_name = str(tables["variant_option"]["name"])
    built: list[dict[str, Any]] = []
    for v in variant_rows:
        vrow = validate(rows.ProductRow, v, row_record(v, "productid", Entity.VARIANT))
        vcode = vrow.productnumber or ""
        vamount, _ = _price((variant_prices or {}).get(vcode), record)
        option = _option(v.get("size"), default_name)
        built.append(
            {
                "ref": ref(Entity.VARIANT, vrow.productid),
                "sku": vcode,
                "options": [option] if option else [],
                "price": {"amount": vamount, "currency": currency} if vamount is not None else None,
                "active": bool(tables["active"].get(str(vrow.statecode), True)),
            }
        )
    names = list(dict.fromkeys(o["name"] for v in built for o in v["options"]))
    payload = {"ref": ref(Entity.PRODUCT, product.productid), **data}
    payload.update(variants=built, options=names)
    return validate(Product, payload, record, PRODUCT_FROM)


# --- inventory ---------------------------------------------------------------------------------
INVENTORY_FROM = "dynamics365/inventory_from"


def decode_stock(
    levels: Sequence[Raw],
    *,
    product: Raw | None = None,
    safety_stock: Decimal | None = None,
    locations: Collection[str] | None = None,
    warehouses: Mapping[str, str] | None = None,
) -> StockPosition:
    """One product's `msdyn_productinventories` rows (one per warehouse) as its stock position.
    The SKU and id come from `product` (a products row), else the rows' expanded `msdyn_Product`;
    a location is the expanded warehouse's name, else `warehouses` (GUID → name), else the GUID;
    `locations` (warehouse names) and `safety_stock` default to `inventory_from.yaml`."""
    level_rows = as_rows(levels)
    info = as_row(product) if product is not None else {}
    parsed = [validate(rows.ProductInventoryRow, r, f"{SYSTEM}:inventory:?") for r in level_rows]
    found = next((p.product for p in parsed if p.product is not None), None)
    pid = info.get("productid") or (found.productid if found else None)
    pid = pid or next((p.product_value for p in parsed if p.product_value), None)
    record = f"{SYSTEM}:inventory:{pid}"
    sku = info.get("productnumber") or (found.productnumber if found else None)
    if not pid or not sku:
        raise DecodeError(f"{record}: sku (productnumber): the product of the stock is unknown")
    settings = load_mapping(INVENTORY_FROM).tables["settings"]
    wanted = set(locations if locations is not None else settings.get("locations") or ())
    keep = safety_stock if safety_stock is not None else settings.get("safety_stock", 0)
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for raw in level_rows:
        level = decode(INVENTORY_FROM, raw, record).get("level", {})
        where = str(level.get("location") or "")
        where = (warehouses or {}).get(where, where)
        if not where or (wanted and where not in wanted):
            continue
        totals[where][0] += Decimal(level.get("on_hand") or 0)
        totals[where][1] += Decimal(level.get("reserved") or 0)
    built = [
        InventoryLevel(sku=str(sku), location=loc, on_hand=on_hand, reserved=reserved)
        for loc, (on_hand, reserved) in sorted(totals.items())
    ]
    payload = {
        "ref": ref(Entity.INVENTORY, str(pid)),
        "sku": sku,
        "levels": built,
        "safety_stock": Decimal(str(keep)),
    }
    return validate(StockPosition, payload, record, INVENTORY_FROM)
