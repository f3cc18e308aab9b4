"""Salesforce as the stock master: what each SKU has on hand, per location (REST API v59.0).

Salesforce has no standard on-hand object, so where stock lives is configuration
(`transforms/mappings/salesforce/inventory_from.yaml`): fields of Product2 (one level per product,
the default `Quantity_On_Hand__c` / `Quantity_Reserved__c`), or one row per (product, location)
of a custom object (`Stock_Level__c`). A page of changed stock turns into the SKUs it touches;
each SKU's levels over the configured locations and the safety stock make a `StockPosition`,
whose `sellable` units are what a store may sell. Products sold as variants keep their stock on
the variants, so the parent itself is left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from connectors.http import ConfigError
from connectors.records import Page
from connectors.salesforce import soql
from flows.ports import Context, DecodeError, Tombstone, not_found
from flows.systems.salesforce.session import Session
from transforms import salesforce as codec
from transforms.canonical import Entity, StockPosition
from transforms.mapping import load_table

SF = "salesforce"


class StockConfig(BaseModel):
    """Where the org keeps stock (the YAML file's keys)."""

    model_config = ConfigDict(extra="forbid")

    system: str
    object: str = "Product2"
    source: Literal["field", "object"] = "field"
    location: str = "MAIN"
    on_hand_field: str = "Quantity_On_Hand__c"
    reserved_field: str | None = "Quantity_Reserved__c"
    level_object: str = "Stock_Level__c"
    level_product: str = "Product__c"
    level_product_relationship: str = "Product__r"
    level_location_field: str = "Location__c"
    level_on_hand_field: str = "On_Hand__c"
    level_reserved_field: str | None = "Reserved__c"
    locations: list[str] = []
    safety_stock: Decimal = Decimal("0")


def stock_config(**overrides: Any) -> StockConfig:
    data = {
        **load_table("salesforce/inventory_from"),
        **{k: v for k, v in overrides.items() if v is not None},
    }
    return StockConfig.model_validate(data)


class StockSource:
    """`Source[StockPosition]` (see the module docstring)."""

    system = SF
    entity = Entity.INVENTORY

    def __init__(
        self, ctx: Context, session: Session | None = None, config: StockConfig | None = None
    ) -> None:
        self.session = session or Session()
        s = self.session.client.settings
        self.config = config or stock_config(
            safety_stock=Decimal(str(s.safety_stock)) if s.safety_stock is not None else None,
            locations=s.stock_locations,
            source=s.stock_source,
        )
        c = self.config
        if c.source == "field" and c.locations:
            raise ConfigError(
                f"STOREBRIDGE_SALESFORCE_STOCK_LOCATIONS {c.locations} names locations, but stock "
                f"is read from Product2 fields (one total, labelled {c.location!r}); set "
                "STOREBRIDGE_SALESFORCE_STOCK_SOURCE=object to read one row per location"
            )

    # --- reading ------------------------------------------------------------------------------
    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        c = self.config
        if c.source == "field":
            query = soql.changed("Product2", ["ProductCode"], since, until)
        else:
            query = soql.changed(
                c.level_object, [f"{c.level_product_relationship}.ProductCode"], since, until
            )
        rows, nxt, total = self.session.client.query_page(query, cursor)
        codes = [
            r["ProductCode"]
            if c.source == "field"
            else (r.get(c.level_product_relationship) or {}).get("ProductCode")
            for r in rows
        ]
        return Page(self._positions([x for x in codes if x]), [], nxt, total)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self.session.lookups.by_ids("Product2", ["ProductCode"], ids)
        found = {r["Id"] for r in rows}
        return Page(
            self._positions([r["ProductCode"] for r in rows if r.get("ProductCode")]),
            not_found(SF, Entity.INVENTORY, [i for i in ids if i not in found]),
        )

    def _positions(self, codes: list[str]) -> list[tuple[dict[str, Any], list[Any], bool]]:
        """(product row, levels, is a parent of variants) per SKU, read in one or two queries."""
        codes = list(dict.fromkeys(codes))
        if not codes:
            return []
        c, lookups = self.config, self.session.lookups
        fields = ["ProductCode"] + (
            [c.on_hand_field] + ([c.reserved_field] if c.reserved_field else [])
            if c.source == "field"
            else []
        )
        products = lookups.by_ids("Product2", fields, codes, key="ProductCode")
        parents = {
            str(r["Variant_Of__c"]).lower()
            for r in lookups.by_ids("Product2", ["Variant_Of__c"], codes, key="Variant_Of__c")
        }
        levels: dict[str, list[tuple[str, Any, Any]]] = defaultdict(list)
        if c.source == "object":
            cols = [c.level_product, c.level_location_field, c.level_on_hand_field]
            cols += [c.level_reserved_field] if c.level_reserved_field else []
            ids = [p["Id"] for p in products]
            for row in lookups.by_ids(c.level_object, cols, ids, key=c.level_product):
                levels[row[c.level_product]].append(
                    (
                        str(row[c.level_location_field]),
                        row.get(c.level_on_hand_field),
                        row.get(c.level_reserved_field) if c.level_reserved_field else 0,
                    )
                )
        else:
            for p in products:
                levels[p["Id"]].append(
                    (
                        c.location,
                        p.get(c.on_hand_field),
                        p.get(c.reserved_field) if c.reserved_field else 0,
                    )
                )
        wanted = {loc.lower() for loc in c.locations}
        return [
            (
                p,
                [lv for lv in levels.get(p["Id"], []) if not wanted or lv[0].lower() in wanted],
                str(p["ProductCode"]).lower() in parents,
            )
            for p in products
        ]

    def decode(self, raw: Any) -> StockPosition:
        product, levels, is_parent = raw
        if is_parent:
            raise Tombstone(
                f"{SF}:inventory:{product['Id']}: {product['ProductCode']} is sold "
                "as variants; their stock is synced, not the parent's"
            )
        try:
            return codec.decode_stock(product, levels, safety_stock=self.config.safety_stock)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("Id", "?"))

    def close(self) -> None:
        self.session.close()
