"""BigCommerce catalog and inventory → canonical `Product`, `StockPosition`, `Location` (pure).

A product with options sells its variants (`variants[]` with `option_values`); a simple product
has one base variant (no option values, `sku_id` null), which is the product itself and not a
canonical variant. Catalog prices carry no currency: they are in the store's default currency,
which the caller passes. Stock per location comes from `GET /v3/inventory/items`:
`total_inventory_onhand` per location is on hand, and the locations' safety stocks add up to
the position's safety stock, so `sellable` is BigCommerce's `available_to_sell` summed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connectors.bigcommerce import models as raw
from transforms.bigcommerce_common import SYSTEM, DecodeError, money, ref, text, with_sources
from transforms.canonical import Location, Product, StockPosition


def _positive(amount: Decimal | None, currency: str) -> dict[str, Any] | None:
    return money(amount, currency) if amount is not None and amount > 0 else None


def _variant(v: raw.Variant, currency: str) -> dict[str, Any]:
    return {
        "ref": ref("variant", v.id if v.id is not None else v.sku),
        "sku": text(v.sku),
        "options": [
            {"name": text(o.option_display_name), "value": text(o.label)} for o in v.option_values
        ],
        "price": money(v.price, currency) if v.price is not None else None,
        "gtin": text(v.gtin) or text(v.upc),
        "weight": v.weight,
        "active": not v.purchasing_disabled,
    }


def _option_names(p: raw.Product) -> list[str]:
    names: dict[str, None] = {}
    for o in p.options:
        if name := text(o.display_name):
            names.setdefault(name)
    for v in p.variants:
        for value in v.option_values:
            if name := text(value.option_display_name):
                names.setdefault(name)
    return list(names)


def product_data(p: raw.Product, currency: str) -> dict[str, Any]:
    """Canonical product fields of a V3 product (with `include=variants`)."""
    prices = {
        name: m
        for name, m in (
            ("sale", _positive(p.sale_price, currency)),
            ("retail", _positive(p.retail_price, currency)),
        )
        if m is not None
    }
    return {
        "ref": ref("product", p.id),
        "sku": text(p.sku),
        "name": text(p.name),
        "description": p.description or None,
        "price": money(p.price, currency) if p.price is not None else None,
        "prices": prices,
        "cost": _positive(p.cost_price, currency),
        "active": p.is_visible and (p.availability or "available") != "disabled",
        "gtin": text(p.gtin) or text(p.upc),
        "weight": p.weight,
        "options": _option_names(p),
        "variants": [_variant(v, currency) for v in p.variants if v.option_values],
        "updated_at": p.date_modified,
    }


def decode_product(product: raw.Product, *, currency: str = "USD") -> Product:
    """A V3 catalog product as a canonical `Product`.

    Args:
        product: the raw product, read with its variants.
        currency: the store's default currency (catalog prices carry none).

    Raises:
        DecodeError: naming the product and the field (`variants.0.sku ... variants[0].sku`).
    """
    record = f"{SYSTEM}:product:{product.id}"
    try:
        return Product.model_validate(product_data(product, currency))
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None


def decode_inventory(
    item: raw.InventoryItem, *, locations: Iterable[str] | None = None
) -> StockPosition:
    """One SKU's stock per location (`GET /v3/inventory/items`) as a `StockPosition`.

    Args:
        item: the raw inventory item.
        locations: location codes to keep (default: every enabled location).

    Raises:
        DecodeError: naming the SKU (or variant) and the field.
    """
    ident = item.identity
    key = text(ident.sku) or str(ident.variant_id or ident.product_id or "?")
    record = f"{SYSTEM}:inventory:{key}"
    keep = set(locations) if locations is not None else None
    levels = []
    safety = Decimal("0")
    for loc in item.locations:
        code = text(loc.location_code) or str(loc.location_id)
        if (keep is not None and code not in keep) or (keep is None and not loc.location_enabled):
            continue
        levels.append({"sku": key, "location": code, "on_hand": loc.total_inventory_onhand})
        safety += loc.settings.safety_stock if loc.settings else Decimal("0")
    try:
        return StockPosition.model_validate(
            {
                "ref": ref("inventory", key),
                "sku": key,
                "levels": levels,
                "safety_stock": safety,
            }
        )
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None


def decode_location(location: raw.Location) -> Location:
    """An inventory location as a canonical `Location` (its `code` is what levels name)."""
    record = f"{SYSTEM}:location:{location.id}"
    try:
        return Location.model_validate(
            {
                "ref": ref("location", location.id),
                "code": location.code,
                "name": text(location.label),
            }
        )
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None
