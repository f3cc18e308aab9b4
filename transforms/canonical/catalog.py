"""Products with variants and price lists; stock per location and what a store may sell."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from transforms.canonical.base import (
    Amount,
    Canonical,
    Count,
    ExternalRef,
    Money,
    UtcDatetime,
)

Sku = Annotated[str, Field(min_length=1, max_length=255)]


class Option(Canonical):
    """One option a variant is chosen by, e.g. Size = XS."""

    name: str
    value: str


class Variant(Canonical):
    """A sellable variant of a product (its own SKU); e.g. Shift4Shop `SKU-XS` of `SKU`."""

    ref: ExternalRef
    sku: Sku
    options: tuple[Option, ...] = ()
    price: Money | None = None  # the variant's full price (None: the product's price)
    gtin: str | None = None
    weight: Amount | None = None
    active: bool = True


class Product(Canonical):
    """A sellable item identified across systems by its SKU, with its variants."""

    ref: ExternalRef
    sku: Sku
    name: str
    description: str | None = None  # may be HTML, of any length
    price: Money | None = None  # the list (standard) price
    prices: dict[str, Money] = Field(default_factory=dict)  # price list name -> price
    cost: Money | None = None
    active: bool = True
    unit: str | None = None  # unit of measure ("each", "kg")
    gtin: str | None = None  # barcode: GTIN / UPC / EAN
    weight: Amount | None = None
    options: tuple[str, ...] = ()  # option names the variants are chosen by ("Size")
    variants: tuple[Variant, ...] = ()
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _unique_variant_skus(self) -> Product:
        skus = [v.sku.lower() for v in self.variants]
        dupes = sorted({s for s in skus if skus.count(s) > 1})
        if dupes:
            raise ValueError(f"variants: SKU {dupes[0]!r} appears more than once")
        return self


class Location(Canonical):
    """A place stock is kept (a warehouse, a store, a 3PL)."""

    ref: ExternalRef
    code: str
    name: str | None = None


class InventoryLevel(Canonical):
    """Stock of one SKU at one location: on hand, reserved (committed to open orders)."""

    sku: Sku
    location: Annotated[str, Field(min_length=1)]
    on_hand: Count
    reserved: Count = Decimal("0")

    @property
    def available(self) -> Decimal:
        """Available to sell here: on hand minus reserved (negative when oversold)."""
        return self.on_hand - self.reserved


class StockPosition(Canonical):
    """What a store may sell of one SKU: the stock master's levels and the safety-stock rule.

    `sellable` = the available stock summed over the levels (the configured locations), minus
    the safety stock, never below zero and always a whole number of units (reliability bar #3).
    """

    ref: ExternalRef
    sku: Sku
    levels: tuple[InventoryLevel, ...]
    safety_stock: Count = Decimal("0")
    updated_at: UtcDatetime | None = None

    @field_validator("levels")
    @classmethod
    def _same_sku(cls, levels: tuple[InventoryLevel, ...]) -> tuple[InventoryLevel, ...]:
        locations = [lv.location for lv in levels]
        if len(set(locations)) != len(locations):
            raise ValueError("a location appears twice")
        return levels

    @property
    def sellable(self) -> Decimal:
        """Units a store may sell (see the class docstring)."""
        available = sum((lv.available for lv in self.levels), Decimal("0")) - self.safety_stock
        return max(available, Decimal("0")).to_integral_value(rounding="ROUND_FLOOR")
