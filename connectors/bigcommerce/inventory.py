"""V3 inventory: locations, stock per SKU and location, absolute and relative adjustments.

Adjustments are asynchronous (a read right after may show the old stock) and take at most
`inventory_batch` (2000) items per call; a 413 halves the batch. A 422 (e.g. "tracked by
product, please update stock by product id", or a relative adjustment before any absolute one)
raises `RecordError` naming the item, as the store's title does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.bigcommerce import models, resources
from connectors.bigcommerce.base import BigCommerceBase, parse
from connectors.bigcommerce.resources import SYSTEM, TOO_LARGE
from connectors.bigcommerce.writes import describe
from connectors.http import RecordError
from connectors.http.classify import response_body
from connectors.records import validate_rows


class InventoryMixin(BigCommerceBase):
    """Inventory and locations V3."""

    def locations(self) -> list[models.Location]:
        """Every inventory location (the default one has id 1)."""
        rows = self.v3_all(resources.LOCATIONS)
        return validate_rows(
            models.Location, rows, system=SYSTEM, entity="location", id_key="id"
        ).records

    def inventory_items(self, skus: Iterable[str]) -> list[models.InventoryItem]:
        """Stock of these SKUs at every location (`GET /v3/inventory/items?sku:in=`)."""
        rows = self.v3_in(resources.INVENTORY_ITEMS, "sku", [s for s in skus if s])
        return [models.InventoryItem.model_validate(r) for r in rows]

    def adjust_absolute(self, items: Sequence[Mapping[str, Any]], reason: str) -> str:
        """`PUT /v3/inventory/adjustments/absolute`: set stock per (location, SKU or id).

        Returns the transaction id (several batches: their ids joined by ",")."""
        return self._adjust("PUT", resources.ADJUST_ABSOLUTE, items, reason)

    def adjust_relative(self, items: Sequence[Mapping[str, Any]], reason: str) -> str:
        """`POST /v3/inventory/adjustments/relative`: add signed quantities."""
        return self._adjust("POST", resources.ADJUST_RELATIVE, items, reason)

    def _adjust(
        self, method: str, path: str, items: Sequence[Mapping[str, Any]], reason: str
    ) -> str:
        ids: list[str] = []
        pending = [dict(i) for i in items]
        limit = max(1, self.settings.inventory_batch)
        while pending:
            chunk, rest = pending[:limit], pending[limit:]
            response = self.send(
                method, path, {"reason": reason, "items": chunk}, expect=(TOO_LARGE,)
            )
            if response.status_code == TOO_LARGE:
                if len(chunk) == 1:
                    body = response_body(response)
                    raise RecordError(
                        describe(f"{SYSTEM}:inventory:#0", TOO_LARGE, body),
                        connection=SYSTEM,
                        status=TOO_LARGE,
                        body=body,
                    )
                limit = max(1, len(chunk) // 2)
                continue
            body = parse(response)
            if isinstance(body, dict) and body.get("transaction_id") is not None:
                ids.append(str(body["transaction_id"]))
            pending = rest
        return ",".join(ids)
