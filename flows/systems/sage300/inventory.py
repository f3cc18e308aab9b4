"""Sage 300 as the stock master: what each item has on hand, per I/C location.

An item's stock changed when one of its ICILOC rows (item x location quantities) or its ICITEM
row was stamped in the window: one AUDTDATE/AUDTTIME poll over both tables gives the item
numbers (`changes.ChangePoll`, one UNION query per page of keys). The page's items are read with
one query per table: ICITEM (is it a stock item at all) and every ICILOC row of those items (a
position is the sum over the locations that count, so all of them are read, not only the row
that changed): 1 + 2 queries per page (`ODBC_QUERIES_PER_PAGE`).
`transforms.sage300.decode_stock` makes the StockPosition with the live on-hand: ICILOC.QTYONHAND
is the figure of the last day end, so on hand = QTYONHAND + QTYRENOCST + QTYADNOCST - QTYSHNOCST
(received, adjusted and shipped since, not yet costed) and reserved = QTYCOMMIT; the formula,
the locations that count and the safety stock are data
(`transforms/mappings/sage300/inventory_from.yaml`). A non-stock item (ICITEM.STOCKITEM 0: a
service, a kit) keeps no quantities: it is skipped with its reason, never sent as "0 in stock".

`read_ids` takes item numbers; an unknown one is a `NotFoundError` failure.

Deletes: audit stamps track no deletes. A deleted ICILOC row leaves no stamp: it is not
reported (no tombstones); the item's next change carries its stock over the rows left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.records import Page
from connectors.sage300.queries import CHANGE_TABLES
from flows.ports import Context, DecodeError, Tombstone, not_found
from flows.systems.sage300.changes import SAGE, ChangePoll, Watched, open_database, page_size
from transforms import sage300 as codec
from transforms.canonical import Entity, StockPosition

# ICILOC by ITEMNO (the connector's list), and the item itself (ICITEM: STOCKITEM)
WATCHED = (
    *(Watched(table, column) for table, column in CHANGE_TABLES["stock"]),
    Watched("ICITEM", "ITEMNO"),
)
ODBC_QUERIES_PER_PAGE = 3  # the poll, then ICITEM and ICILOC of the page's items

Raw = tuple[dict[str, Any], list[dict[str, Any]]]


class StockSource:
    """`Source[StockPosition]` over ICILOC (see the module docstring)."""

    system = SAGE
    entity = Entity.INVENTORY

    def __init__(self, ctx: Context, db: Any = None) -> None:
        self.db = db or open_database()
        self.timezone = self.db.settings.timezone
        self.poll = ChangePoll(self.db, WATCHED, page_size=page_size(self.db), what="changed stock")

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        keys, after = self.poll.page(since, until, cursor)
        return Page(self._positions(keys), [], after, None)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
        found = self._positions(wanted)
        have = {item["ITEMNO"] for item, _ in found}
        missing = [i for i in wanted if i not in have]
        return Page(found, not_found(SAGE, Entity.INVENTORY, missing))

    def _positions(self, itemnos: Sequence[str]) -> list[Raw]:
        """(ICITEM row, every ICILOC row of it) per item found, in item-number order."""
        if not itemnos:
            return []
        items = self.db.items(itemnos)
        levels = self.db.item_locations(list(items)) if items else {}
        return [(items[k], levels.get(k, [])) for k in sorted(items)]

    def decode(self, raw: Any) -> StockPosition:
        item, levels = raw
        if item.get("STOCKITEM") is False:
            raise Tombstone(
                f"{SAGE}:inventory:{item.get('ITEMNO')}: not a stock item in Sage 300 "
                "(ICITEM.STOCKITEM): it keeps no quantities"
            )
        try:
            return codec.decode_stock(item, levels, timezone=self.timezone)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("ITEMNO", "?"))

    def close(self) -> None:
        self.db.close()
