"""Shift4Shop's reconcile reads: the store's current stock per SKU (REST API v1).

`GET /Products` pages (counted first, then offset pages, as every Shift4Shop listing): a product
without variants offers `SKUInfo.Stock` under its SKU; a product sold as variants offers each
variant's `AdvancedOptionStock` under the variant's SKU (`AdvancedOptionSufix`), and not its own
(the inventory use case writes the variants' stock, not the parent's).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from connectors.shift4shop.resources import Resource

PRODUCTS = Resource("/Products", max_limit=200, id_key="CatalogID")


class StockReader:
    """`StockReader` of one Shift4Shop store (see the module docstring)."""

    system = "shift4shop"

    def __init__(self, client: Any = None) -> None:
        if client is None:
            from connectors.shift4shop import Shift4ShopClient

            client = Shift4ShopClient.from_env()
        self.client = client

    def levels(self) -> Iterator[dict[str, Decimal]]:
        cursor: Any = None
        while True:
            rows, cursor, _ = self.client.page(PRODUCTS, {}, cursor, PRODUCTS.max_limit)
            yield dict(pair for row in rows for pair in _levels(row))
            if cursor is None:
                return

    def close(self) -> None:
        self.client.close()


def _levels(product: dict[str, Any]) -> list[tuple[str, Decimal]]:
    options = product.get("AdvancedOptionList") or []
    if options:
        return [
            (str(o["AdvancedOptionSufix"]), _units(o.get("AdvancedOptionStock")))
            for o in options
            if o.get("AdvancedOptionSufix")
        ]
    info = product.get("SKUInfo") or {}
    sku = info.get("SKU")
    return [(str(sku), _units(info.get("Stock")))] if sku else []


def _units(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")
