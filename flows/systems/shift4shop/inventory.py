"""Shift4Shop as the target of stock: what the store may sell, pushed as deltas (REST API v1).

A SKU whose sellable units did not change since storebridge last pushed them costs nothing (its
hash is bound). Changed products go in `PUT /Products` batches of 100 (`SKUInfo.Stock`), changed
variants in one `PUT /Products/{id}/AdvancedOptions` per parent product. A SKU the store does not
sell is skipped. Sold-out and backorder behaviour (`InventoryControl`) stays the store's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from connectors.shift4shop import Shift4ShopClient
from flows.ports import Context, Item, LoadResult, Outcome, Status, failed, written
from flows.systems.shift4shop.skus import SkuIndex, parse_store_id, store_id
from transforms.canonical import Entity, StockPosition, digest
from transforms.shift4shop import SYSTEM

STOCK = "Stock"


class StockHasher:
    """What a stock write sends (pure): the SKU and its sellable units."""

    binding_entity = STOCK

    def payload_hash(self, p: StockPosition) -> str:
        return digest("shift4shop-stock-v1", p.sku.lower(), f"{p.sellable:f}")


class StockTarget:
    """`Target[StockPosition]` (see the module docstring)."""

    system = SYSTEM
    entity = Entity.INVENTORY
    binding_entity = STOCK

    def __init__(self, ctx: Context | None = None, client: Shift4ShopClient | None = None) -> None:
        self.client = client or Shift4ShopClient.from_env()
        self.skus = SkuIndex(self.client)
        self.hasher = StockHasher()

    def payload_hash(self, record: StockPosition) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: StockPosition) -> str | None:
        return None

    def load(self, items: Sequence[Item[StockPosition]]) -> LoadResult:
        done: list[Outcome] = []
        where: dict[str, tuple[int, str | None]] = {}
        unbound = [i.record.sku for i in items if i.binding is None]
        found = self.skus.resolve(unbound) if unbound else {}
        products: list[tuple[Item[StockPosition], int]] = []
        variants: dict[int, list[tuple[Item[StockPosition], str]]] = defaultdict(list)
        for item in items:
            if item.binding is not None:
                where[item.ref.key] = parse_store_id(item.binding.target_id)
            elif item.record.sku in found:
                where[item.ref.key] = found[item.record.sku]
            else:
                done.append(Outcome(item.ref, Status.SKIPPED))
                continue
            catalog, code = where[item.ref.key]
            if code is None:
                products.append((item, catalog))
            else:
                variants[catalog].append((item, code))
        results = self.client.update_products(
            [{"SKUInfo": {"CatalogID": c, "Stock": i.record.sellable}} for i, c in products]
        )
        by_id = {r.value: r for r in results}
        for item, catalog in products:
            done.append(self._outcome(item, store_id(catalog), by_id.get(str(catalog))))
        for catalog, group in variants.items():
            answer = self.client.update_advanced_options(
                catalog,
                [
                    {"AdvancedOptionCode": code, "AdvancedOptionStock": i.record.sellable}
                    for i, code in group
                ],
            )
            by_code = {r.value: r for r in answer}
            for item, code in group:
                result = by_code.get(code) or (answer[0] if len(answer) == 1 else None)
                done.append(self._outcome(item, store_id(catalog, code), result))
        calls = len(variants) + -(-len(products) // 100)
        return LoadResult(done, counters={"stock_calls": calls})

    def _outcome(self, item: Item[StockPosition], target: str, result: object) -> Outcome:
        if result is not None and getattr(result, "ok", False):
            return written(item, target)
        why = getattr(result, "message", "no answer")
        return failed(
            item, "RecordError", f"Shift4Shop refused the stock of {item.record.sku}: {why}"
        )

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
