"""BigCommerce as the target of stock: what the store may sell, per location (Inventory V3).

A SKU's sellable units (the stock master's levels minus the safety stock) are spread over the
store's inventory locations (`allocation`, from `transforms/mappings/bigcommerce/inventory.yaml`:
a level goes to the location with its code, the rest to the default location) and written as
**absolute** adjustments (`PUT /v3/inventory/adjustments/absolute`, up to 2000 items a call),
so the store's locations together hold exactly what the store may sell, and a load that runs
twice, or a retry after a lost answer, sets the same numbers again (a relative adjustment
would add twice). Store locations the stock master has no level for are set to 0.

A SKU whose allocation did not change since storebridge last wrote it costs nothing (its hash
is bound). Unbound SKUs are looked up once (`GET /v3/inventory/items?sku:in=`): one the store
does not sell is skipped; one whose stock already equals the allocation is bound without a
write. Items are addressed by id: a base variant (`sku_id` null, or 0: a simple product,
tracked by product) by its `product_id`, an option variant by its `variant_id` (the store
refuses stock by the other id, store-apis.md 1.4). A refused item is isolated by halving the
batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models import InventoryItem, Location
from connectors.http.errors import RecordError
from flows.ports import Context, Item, LoadResult, Outcome, Status, already_there, failed, written
from transforms.bigcommerce import SYSTEM
from transforms.canonical import Entity, StockPosition, digest
from transforms.mapping import load_table

STOCK = "Stock"
DEFAULT = ""  # the allocation key of what goes to the default location


def config() -> dict[str, Any]:
    """`transforms/mappings/bigcommerce/inventory.yaml`."""
    return load_table("bigcommerce/inventory")


def allocation(p: StockPosition) -> dict[str, int]:
    """Units per stock-master location code: each level's available units (never below
    zero), then corrected on the largest so that the sum is `p.sellable` (the safety stock and
    oversold locations come off the largest first). No level: everything (0) at the default."""
    per = {
        lv.location: max(int(lv.available.to_integral_value(rounding=ROUND_FLOOR)), 0)
        for lv in p.levels
    }
    if not per:
        return {DEFAULT: int(p.sellable)}
    excess = sum(per.values()) - int(p.sellable)
    for code in sorted(per, key=lambda c: (-per[c], c)):
        if excess <= 0:
            break
        take = min(per[code], excess)
        per[code] -= take
        excess -= take
    if excess < 0:  # fractional units rounded away at each location: the largest gets them
        per[max(per, key=lambda c: (per[c], c))] -= excess
    return per


def store_quantities(
    alloc: Mapping[str, int], locations: Sequence[Location], cfg: Mapping[str, Any]
) -> dict[int, int]:
    """BigCommerce location id → units: each code at its location (`cfg["locations"]` maps a
    code to a store location code), unknown codes at the default, every other location 0."""
    by_code = {loc.code.casefold(): loc.id for loc in locations if loc.enabled}
    aliases = {
        str(k).casefold(): str(v).casefold() for k, v in (cfg.get("locations") or {}).items()
    }
    default = int(cfg.get("default_location") or 1)
    out = dict.fromkeys(by_code.values(), 0)
    out.setdefault(default, 0)
    for code, units in alloc.items():
        key = aliases.get(code.casefold(), code.casefold())
        target = by_code.get(key, default)
        out[target] = out.get(target, 0) + units
    return out


class StockHasher:
    """What a stock write sends (pure): the SKU and its units per stock-master location."""

    binding_entity = STOCK

    def payload_hash(self, p: StockPosition) -> str:
        return digest(
            "bigcommerce-stock-v1", config(), p.sku.lower(), sorted(allocation(p).items())
        )


def identity(item: InventoryItem) -> str | None:
    """The target id a SKU is bound to: `product:<id>` (base variant) or `variant:<id>`."""
    ident = item.identity
    if not ident.sku_id and ident.product_id:  # null (spec) or 0 (seen in the sandbox)
        return f"product:{ident.product_id}"
    return f"variant:{ident.variant_id}" if ident.variant_id else None


def item_ref(target_id: str) -> dict[str, int]:
    """`product:12` → `{"product_id": 12}` (the adjustment item's identifier)."""
    kind, _, value = target_id.partition(":")
    return {f"{kind}_id": int(value)}


class StockTarget:
    """`Target[StockPosition]` (see the module docstring)."""

    system = SYSTEM
    entity = Entity.INVENTORY
    binding_entity = STOCK

    def __init__(self, ctx: Context | None = None, client: BigCommerceClient | None = None) -> None:
        self.client = client or BigCommerceClient.from_env()
        self.hasher = StockHasher()
        self.cfg = config()
        self._locations: list[Location] | None = None

    def locations(self) -> list[Location]:
        if self._locations is None:
            self._locations = self.client.locations()
        return self._locations

    def payload_hash(self, record: StockPosition) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: StockPosition) -> str | None:
        return None

    def load(self, items: Sequence[Item[StockPosition]]) -> LoadResult:
        done: list[Outcome] = []
        unbound = [i.record.sku for i in items if i.binding is None]
        found = (
            {(s.identity.sku or "").lower(): s for s in self.client.inventory_items(unbound)}
            if unbound
            else {}
        )
        writes: list[tuple[Item[StockPosition], str, list[dict[str, Any]]]] = []
        for item in items:
            wanted = store_quantities(allocation(item.record), self.locations(), self.cfg)
            stock = found.get(item.record.sku.lower())
            target = item.binding.target_id if item.binding is not None else None
            if target is None and stock is not None:
                target = identity(stock)
            if target is None:
                done.append(Outcome(item.ref, Status.SKIPPED))  # the store does not sell it
                continue
            if stock is not None and all(
                _onhand(stock, lid) == units for lid, units in wanted.items()
            ):
                done.append(already_there(item, self, target))
                continue
            ref = item_ref(target)
            lines = [
                {"location_id": lid, **ref, "quantity": units} for lid, units in wanted.items()
            ]
            writes.append((item, target, lines))
        refused = self._adjust(writes)
        for item, target, _ in writes:
            why = refused.get(item.ref.key)
            done.append(
                failed(
                    item,
                    "RecordError",
                    f"BigCommerce refused the stock of {item.record.sku}: {why}",
                )
                if why
                else written(item, target)
            )
        return LoadResult(done, counters={"stock_items": sum(len(w[2]) for w in writes)})

    def _adjust(
        self, writes: list[tuple[Item[StockPosition], str, list[dict[str, Any]]]]
    ) -> dict[str, str]:
        """Send the writes' items as absolute adjustments; ref key → why it was refused.

        A refused call is split in halves (by record) until the refused record is alone."""
        if not writes:
            return {}
        try:
            self.client.adjust_absolute(
                [line for _, _, lines in writes for line in lines], str(self.cfg.get("reason"))
            )
            return {}
        except RecordError as exc:
            if len(writes) == 1:
                return {writes[0][0].ref.key: exc.message}
        half = len(writes) // 2
        return {**self._adjust(writes[:half]), **self._adjust(writes[half:])}

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()


def _onhand(stock: InventoryItem, location_id: int) -> Decimal:
    """On hand of a SKU at one location (0 where the store keeps none)."""
    return next(
        (loc.total_inventory_onhand for loc in stock.locations if loc.location_id == location_id),
        Decimal("0"),
    )
