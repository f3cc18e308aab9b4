"""BigCommerce's reconcile reads: the store's current stock per SKU (Inventory V3).

`GET /v3/inventory/items` pages (page-number paging, checked against the declared pages): each
item is one SKU (a simple product's base variant, or an option variant) with its stock at every
location; the store offers the on-hand units summed over its enabled locations, which is what
the inventory use case spreads a SKU's sellable units over (`flows/systems/bigcommerce/
inventory.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from connectors.bigcommerce import resources


class StockReader:
    """`StockReader` of one BigCommerce store (see the module docstring)."""

    system = "bigcommerce"

    def __init__(self, client: Any = None) -> None:
        if client is None:
            from connectors.bigcommerce import BigCommerceClient

            client = BigCommerceClient.from_env()
        self.client = client

    def levels(self) -> Iterator[dict[str, Decimal]]:
        from connectors.bigcommerce.models import InventoryItem

        limit = min(self.client.settings.page_size, resources.INVENTORY_ITEMS_MAX_LIMIT)
        page: int | None = 1
        while page is not None:
            rows, page, _ = self.client.v3_page(resources.INVENTORY_ITEMS, {}, page, limit)
            out: dict[str, Decimal] = {}
            for row in rows:
                item = InventoryItem.model_validate(row)
                if not item.identity.sku:
                    continue
                out[item.identity.sku] = sum(
                    (loc.total_inventory_onhand for loc in item.locations if loc.location_enabled),
                    Decimal("0"),
                )
            yield out

    def close(self) -> None:
        self.client.close()
