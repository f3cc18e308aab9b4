"""Sage 300 as the source of the catalogue: I/C items, their prices and their variant items.

Sage 300 has no parent/variant link on ICITEM: each size is an item of its own (its own stock
and prices). The merchant links them with item optional fields (ICITEMO), as data in
`transforms/mappings/sage300/product_from.yaml` `tables.variants`: on each size item,
``STOREPARENT`` holds the item number of its store product (an item of its own, without
``STOREPARENT``) and one field per option (``SIZE`` = ``XS``) chooses it. A product is an item
without ``STOREPARENT``; its variants are the items naming it; a variant item is never a
product of its own.

A product changed when its ICITEM row, one of its ICPRIC rows (its pricing in a price list and
currency) or ICPRICP rows (the unit prices themselves: a reprice moves only the pricing rows),
one of its variant items' rows of those tables or one of their optional fields (ICITEMO) was
stamped in the window. One AUDTDATE/AUDTTIME poll over the four tables gives the item numbers
(`changes.ChangePoll`, one UNION query per page of keys); each key maps to its product (a
variant's product, a product itself) and the page's products are read whole, one query per
table: ICITEMO (`variants_of`: the variants of every product the keys touch, with their parent
and option fields, which also tells which keys are variants), ICITEM (products and variants),
ICPRIC and ICPRICP (`item_prices`: each ICPRIC row with its base price): 1 + 4 queries per page
(`ODBC_QUERIES_PER_PAGE`). `transforms.sage300.decode_product` makes the Product with its
Variants (SKUs and ids: the unformatted item numbers, ITEMNO; which price list and currency
count is data).

`external_id` is the product's item number. `read_ids` takes item numbers: a variant's maps to
its product; an unknown one is a `NotFoundError` failure. A variant naming a product item that
does not exist is a decode failure of that product number.

Deletes: audit stamps track no deletes. A deleted item (or a removed STOREPARENT, unless saving
the item restamped it) leaves no stamp: it is never reported (no tombstones); an item the store
should stop selling is made inactive in Sage (INACTIVE), which is a change like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.records import Page
from connectors.sage300.queries import CHANGE_TABLES
from flows.ports import Context, DecodeError, not_found
from flows.systems.sage300.changes import SAGE, ChangePoll, Watched, open_database, page_size
from transforms import sage300 as codec
from transforms.canonical import Entity, Product
from transforms.mapping import load_mapping

# ICITEM, ICPRIC, ICPRICP, ICITEMO by ITEMNO: the connector's list of what changes an item
WATCHED = tuple(Watched(table, column) for table, column in CHANGE_TABLES["item"])
ODBC_QUERIES_PER_PAGE = 5  # the poll, then ICITEMO, ICITEM, ICPRIC and ICPRICP of the page

# {"ITEMNO", "item" (None: no such item), "prices", "fields", "variants": [{"item", "prices",
# "fields"}]}: rows as the connector normalises them
Raw = dict[str, Any]


def variant_fields() -> tuple[str, list[str]]:
    """(the parent optional field, the option fields) of product_from.yaml `tables.variants`."""
    linked = load_mapping("sage300/product_from").tables["variants"]
    options = [str(name).upper() for name in (linked.get("options") or {})]
    return str(linked["parent"]).upper(), options


class ProductSource:
    """`Source[Product]` over ICITEM, its pricing and its variant items (see the module
    docstring)."""

    system = SAGE
    entity = Entity.PRODUCT

    def __init__(self, ctx: Context, db: Any = None) -> None:
        self.db = db or open_database()
        self.timezone = self.db.settings.timezone
        self.parent_field, self.option_fields = variant_fields()
        self.poll = ChangePoll(self.db, WATCHED, page_size=page_size(self.db), what="changed items")

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        keys, after = self.poll.page(since, until, cursor)
        return Page(self._products(keys), [], after, None)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
        found = self._products(wanted)
        known = {r["ITEMNO"] for r in found if r["item"] is not None}
        known |= {v["item"]["ITEMNO"] for r in found for v in r["variants"]}
        missing = [i for i in wanted if i not in known]
        return Page(found, not_found(SAGE, Entity.PRODUCT, missing))

    def _products(self, itemnos: Sequence[str]) -> list[Raw]:
        """The products the items `itemnos` belong to (each whole: its ICITEM row and pricing,
        its variants' ICITEM rows, pricing and optional fields), in product-number order."""
        if not itemnos:
            return []
        fields = self.db.variants_of(itemnos, self.parent_field, self.option_fields)
        parent_of = {
            no: parent
            for no, rows in fields.items()
            if (parent := codec.parent_of(codec.optional_fields(rows)))
        }
        products = list(dict.fromkeys(parent_of.get(k, k) for k in itemnos))
        family: dict[str, list[str]] = {p: [] for p in products}
        for variant, parent in sorted(parent_of.items()):
            if parent in family and variant not in family:
                family[parent].append(variant)
        items = self.db.items([*products, *(v for vs in family.values() for v in vs)])
        prices = self.db.item_prices(list(items)) if items else {}
        out: list[Raw] = []
        for product in sorted(products):
            variants = [
                {"item": items[v], "prices": prices.get(v, []), "fields": fields.get(v, [])}
                for v in family[product]
                if v in items
            ]
            if product not in items and not variants:
                continue  # an unknown item number (read_ids reports it)
            out.append(
                {
                    "ITEMNO": product,
                    "item": items.get(product),
                    "prices": prices.get(product, []),
                    "fields": fields.get(product, []),  # read only when it names a product
                    "variants": variants,
                }
            )
        return out

    def decode(self, raw: Any) -> Product:
        if raw["item"] is None:
            named = ", ".join(v["item"]["ITEMNO"] for v in raw["variants"])
            raise DecodeError(
                f"{SAGE}:product:{raw['ITEMNO']}: sku (ITEMNO): no such item, yet items "
                f"{named} name it as their product (ICITEMO.{self.parent_field})"
            )
        variants = [(v["item"], v["prices"], v["fields"]) for v in raw["variants"]]
        try:
            return codec.decode_product(
                raw["item"],
                raw["prices"],
                variants=variants,
                icitemo_rows=raw["fields"],
                timezone=self.timezone,
            )
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw.get("ITEMNO", "?"))

    def close(self) -> None:
        self.db.close()
