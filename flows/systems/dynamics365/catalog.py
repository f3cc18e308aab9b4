"""Dynamics 365 as the source of the catalogue: products, their variants, price-list prices.

A product changed when its row, one of its variants (a product whose `parentproductid` is it)
or one of their prices in the price list named by `STOREBRIDGE_DYNAMICS365_PRICE_LEVEL`
(`productpricelevels`) changed: a price edit moves only the price row. Incremental runs read
both tables through change tracking (`session.ChangeReader`, one delta link each), backfills
and tables without tracking poll `modifiedon`; the changes are turned into the parent products
they touch, which are then read whole (variants and prices), one query each per 200.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from connectors.http import ConfigError
from connectors.records import Page
from connectors.state import Window
from flows.ports import Context, DecodeError, not_found
from flows.systems.dynamics365.session import D365, ChangeReader, Session, quoted
from transforms import dynamics365 as codec
from transforms.canonical import Entity, Product

PRODUCTS, PRICES = "products", "productpricelevels"
PRODUCT_COLUMNS = (
    "productid",
    "productnumber",
    "name",
    "description",
    "statecode",
    "stockweight",
    "size",
    "modifiedon",
    "_parentproductid_value",
    "_defaultuomid_value",
)
UNIT_EXPAND = "defaultuomid($select=name)"


class ProductSource:
    """`Source[Product]` (see the module docstring)."""

    system = D365
    entity = Entity.PRODUCT

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.changes = ChangeReader(self.session, ctx.state)
        self.price_level_name = str(getattr(self.session.settings, "price_level", ""))

    # --- reading ------------------------------------------------------------------------------
    def read_tracked(self, window: Window, cursor: Any) -> Page[Any]:
        level, _ = self._price_level()
        products, _ = self.changes.changed(
            PRODUCTS, "productid", window, ["_parentproductid_value"]
        )
        prices, _ = self.changes.changed(
            PRICES, "productpricelevelid", window, ["_productid_value", "_pricelevelid_value"]
        )
        ids = [_parent(r) for r in products]
        ids += [str(p["_productid_value"]) for p in prices if p.get("_pricelevelid_value") == level]
        return Page(self._products(self._parents_of(ids)), [], None, None)

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        level, _ = self._price_level()
        columns = ("productid", "_parentproductid_value")
        products = self.changes.polled(PRODUCTS, columns, since, until)
        prices = self.changes.polled(
            PRICES,
            ("productpricelevelid", "_productid_value"),
            since,
            until,
            extra=f"_pricelevelid_value eq {level}",
        )
        ids = [_parent(r) for r in products] + [str(p["_productid_value"]) for p in prices]
        return Page(self._products(self._parents_of(ids)), [], None, None)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self.session.rows_where_in(
            PRODUCTS, "productid", ids, ("productid", "_parentproductid_value")
        )
        found = {str(r["productid"]) for r in rows}
        return Page(
            self._products(list(dict.fromkeys(_parent(r) for r in rows))),
            not_found(D365, Entity.PRODUCT, [i for i in ids if i not in found]),
        )

    def _parents_of(self, ids: list[str]) -> list[str]:
        """The parent of each product id (a variant's parent; a product is its own)."""
        ids = list(dict.fromkeys(i for i in ids if i))
        if not ids:
            return []
        rows = self.session.rows_where_in(
            PRODUCTS, "productid", ids, ("productid", "_parentproductid_value")
        )
        return list(dict.fromkeys(_parent(r) for r in rows))

    def _price_level(self) -> tuple[str, str | None]:
        def load() -> tuple[str, str | None]:
            rows = list(
                self.session.client.query(
                    "pricelevels",
                    select=["pricelevelid", "_transactioncurrencyid_value"],
                    filter=f"name eq {quoted(self.price_level_name)}",
                    expand="transactioncurrencyid($select=isocurrencycode)",
                )
            )
            if not rows:
                raise ConfigError(
                    f"Dynamics 365 has no price list named {self.price_level_name!r} "
                    "(STOREBRIDGE_DYNAMICS365_PRICE_LEVEL)"
                )
            currency = rows[0].get("transactioncurrencyid") or {}
            return str(rows[0]["pricelevelid"]), currency.get("isocurrencycode")

        found: tuple[str, str | None] = self.session.cached("pricelevel", "source", load)
        return found

    def _products(self, parent_ids: list[str]) -> list[tuple[Any, list[Any], dict[str, Any]]]:
        if not parent_ids:
            return []
        s = self.session
        parents = s.rows_where_in(
            PRODUCTS, "productid", parent_ids, PRODUCT_COLUMNS, expand=UNIT_EXPAND
        )
        variants = s.rows_where_in(
            PRODUCTS, "_parentproductid_value", parent_ids, PRODUCT_COLUMNS, expand=UNIT_EXPAND
        )
        level, currency = self._price_level()
        everyone = [str(r["productid"]) for r in (*parents, *variants)]
        prices = {
            str(p["_productid_value"]): p.get("amount")
            for p in s.rows_where_in(
                PRICES,
                "_productid_value",
                everyone,
                ("productpricelevelid", "amount", "_productid_value"),
                extra=f"_pricelevelid_value eq {level}",
            )
        }
        by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in variants:
            by_parent[str(v["_parentproductid_value"])].append(v)
        out = []
        for p in parents:
            if p.get("_parentproductid_value"):
                continue  # a variant is synced with its parent
            pid = str(p["productid"])
            kids = by_parent.get(pid, [])
            ctx = {
                "price": _amount(prices.get(pid)),
                "currency": currency,
                "variant_prices": {
                    str(v.get("productnumber")): _amount(prices.get(str(v["productid"])))
                    for v in kids
                },
            }
            out.append((p, kids, ctx))
        return out

    def decode(self, raw: Any) -> Product:
        row, variants, ctx = raw
        try:
            return codec.decode_product(
                row,
                ctx["price"],
                currency=ctx["currency"],
                variants=variants,
                variant_prices=ctx["variant_prices"],
            )
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("productid", "?"))

    def close(self) -> None:
        self.session.close()


def _parent(row: dict[str, Any]) -> str:
    return str(row.get("_parentproductid_value") or row["productid"])


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
