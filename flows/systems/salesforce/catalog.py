"""Salesforce as the source of the catalogue: Product2, its variants, standard list prices.

A product changed when its Product2, one of its variants (a Product2 whose `Variant_Of__c` is its
ProductCode) or one of their standard PricebookEntries changed: a price edit moves only the
entry's `SystemModstamp`. Each page of changes is turned into the parent products it touches,
which are then read whole (variants and prices), one query each per page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from connectors.records import Page
from connectors.salesforce import soql
from flows.ports import Context, DecodeError, not_found
from flows.systems.salesforce.session import Session
from transforms import salesforce as codec
from transforms.canonical import Entity, Product

SF = "salesforce"
PRODUCT_FIELDS = (
    "ProductCode",
    "Name",
    "Description",
    "IsActive",
    "Variant_Of__c",
    "Variant_Option__c",
    "SystemModstamp",
)


class ProductSource:
    """`Source[Product]` (see the module docstring)."""

    system = SF
    entity = Entity.PRODUCT

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.currency = self.session.client.settings.currency

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        phase, url = cursor if cursor else ("products", None)
        if phase == "products":
            query = soql.changed("Product2", ["ProductCode", "Variant_Of__c"], since, until)
        else:
            book, _ = self.session.lookups.pricebook()
            query = soql.changed(
                "PricebookEntry",
                ["Product2.ProductCode", "Product2.Variant_Of__c"],
                since,
                until,
                where=f"Pricebook2Id = {soql.quote(book)}",
            )
        rows, nxt, _ = self.session.client.query_page(query, url)
        codes = [_parent_code(r.get("Product2", r)) for r in rows]
        if nxt:
            next_cursor: Any = (phase, nxt)
        else:
            next_cursor = ("entries", None) if phase == "products" else None
        return Page(self._products([c for c in codes if c]), [], next_cursor, None)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self.session.lookups.by_ids("Product2", ["ProductCode", "Variant_Of__c"], ids)
        found = {r["Id"] for r in rows}
        return Page(
            self._products([c for r in rows if (c := _parent_code(r))]),
            not_found(SF, Entity.PRODUCT, [i for i in ids if i not in found]),
        )

    def _products(self, codes: list[str]) -> list[tuple[Any, list[Any], dict[str, Decimal]]]:
        codes = list(dict.fromkeys(codes))
        if not codes:
            return []
        lookups = self.session.lookups
        parents = lookups.by_ids("Product2", PRODUCT_FIELDS, codes, key="ProductCode")
        variants = lookups.by_ids("Product2", PRODUCT_FIELDS, codes, key="Variant_Of__c")
        by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in variants:
            by_parent[str(v["Variant_Of__c"]).lower()].append(v)
        all_codes = [p["ProductCode"] for p in parents] + [v["ProductCode"] for v in variants]
        book, _ = lookups.pricebook()
        entries = lookups.by_ids(
            "PricebookEntry",
            ["UnitPrice", "Product2.ProductCode"],
            all_codes,
            key=f"Pricebook2Id = {soql.quote(book)} AND Product2.ProductCode",
        )
        prices = {
            e["Product2"]["ProductCode"]: Decimal(repr(e["UnitPrice"]))
            if isinstance(e["UnitPrice"], float)
            else Decimal(str(e["UnitPrice"]))
            for e in entries
        }
        return [
            (p, by_parent.get(str(p["ProductCode"]).lower(), []), prices)
            for p in parents
            if not p.get("Variant_Of__c")
        ]

    def decode(self, raw: Any) -> Product:
        product, variants, prices = raw
        try:
            return codec.decode_product(product, variants, prices, currency=self.currency)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("Id", "?"))

    def close(self) -> None:
        self.session.close()


def _parent_code(row: dict[str, Any]) -> str | None:
    return row.get("Variant_Of__c") or row.get("ProductCode")
