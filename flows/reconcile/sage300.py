"""Sage 300's reconcile reads: the O/E orders storebridge entered for a store, over ODBC.

An order carries the store order's key in `OEORDH.REFERENCE` (``storebridge:<store>:<id>``,
`transforms.sage300.store_key`). Sage's order total `INVNETWTX` is the store's whole order (item
lines less line and order discounts, plus the freight charge line and the store's tax): the
*order* basis. Lines are its OEORDD item lines (LINETYPE 1; charge lines are not counted). The
amount paid is what the store's payments became: A/R prepayments applied to the order number
(ARTCR, DOCTYPE 4 order number, `IDINVCMTCH` = ORDNUMBER), so the store side counts succeeded
sales and captures (`transforms.sage300.receivable`), not refunds. The window is read on
`ORDDATE` (the order's day in the store's zone), a day wider on each side. Every read is a
read-only SELECT of `connectors.sage300.Sage300Database`, chunked `IN (?, ...)` lists or keyset
pages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from flows.reconcile.readers import CENT, Expected, Held, cents, local_days
from transforms import sage300 as codec
from transforms.canonical import Entity, ExternalRef, Order

SAGE = "sage300"
ITEM_LINE = 1
ORDER_NUMBER_DOC = 4  # ARTCR.DOCTYPE of a prepayment applied by order number
HEADER_COLUMNS = ("ORDUNIQ", "ORDNUMBER", "REFERENCE", "ORDDATE", "INVNETWTX")
PAGE = 500


class OrderReader:
    """`OrderReader` of one Sage 300 company for one store (see the module docstring)."""

    system = SAGE
    total_basis = "order"
    paid_basis: str | None = "receipts"

    def __init__(self, store: str, db: Any = None) -> None:
        if db is None:
            from connectors.sage300 import Sage300Database, Sage300Settings
            from connectors.settings import load_settings

            settings = load_settings(Sage300Settings)
            db = Sage300Database(settings)
            self.timezone = str(settings.timezone or "UTC")
        else:
            self.timezone = str(getattr(db.settings, "timezone", "UTC") or "UTC")
        self.db = db
        self.store = store

    def expected(self, order: Order) -> Expected:
        receipts = sum(
            (p.amount.amount for p in order.payments if codec.receivable(p)), Decimal("0")
        )
        return Expected(
            len(order.lines), order.total.amount.quantize(CENT), receipts.quantize(CENT)
        )

    def by_order_ids(self, order_ids: Sequence[str]) -> list[Held]:
        keys = [
            codec.store_key(ExternalRef(system=self.store, entity=Entity.ORDER, id=i))
            for i in order_ids
        ]
        rows = self.db.rows_by_keys(
            "OEORDH", "REFERENCE", keys, HEADER_COLUMNS, what="reconcile: orders by REFERENCE"
        )
        return self._held(rows)

    def placed(self, since: dt.datetime, until: dt.datetime) -> Iterator[list[Held]]:
        from connectors.sage300.values import sage_date

        first, last = local_days(since, until, self.timezone)
        rows = self.db.scan(
            "OEORDH",
            HEADER_COLUMNS,
            where='"REFERENCE" LIKE ? AND "ORDDATE" >= ? AND "ORDDATE" <= ?',
            params=[self._prefix() + "%", sage_date(first), sage_date(last)],
            what="reconcile: orders of the window",
        )
        page: list[dict[str, Any]] = []
        for row in rows:
            page.append(row)
            if len(page) >= PAGE:
                yield self._held(page)
                page = []
        yield self._held(page)

    def _prefix(self) -> str:
        """What every REFERENCE of this store's orders starts with (`storebridge:<store>:`)."""
        return codec.store_key(_ref(self.store, "0"))[:-1]

    def _held(self, headers: list[dict[str, Any]]) -> list[Held]:
        mine = []
        for h in headers:
            ref = codec.parse_store_key(h.get("REFERENCE"))
            if ref is not None and ref.system == self.store:
                mine.append((ref.id, h))
        if not mine:
            return []
        keys = [h["ORDUNIQ"] for _, h in mine]
        lines: Counter[Any] = Counter()
        for orduniq, rows in self.db.order_lines(keys).items():
            lines[orduniq] = sum(
                1 for r in rows if int(r.get("LINETYPE") or ITEM_LINE) == ITEM_LINE
            )
        paid: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
        numbers = [str(h["ORDNUMBER"]) for _, h in mine]
        for r in self.db.rows_by_keys(
            "ARTCR",
            "IDINVCMTCH",
            numbers,
            ["IDINVCMTCH", "DOCTYPE", "AMTRMIT"],
            where='"DOCTYPE" = ?',
            params=[ORDER_NUMBER_DOC],
            what="reconcile: prepayments of orders",
        ):
            paid[str(r["IDINVCMTCH"])] += cents(r.get("AMTRMIT"))
        return [
            Held(
                order_id=order_id,
                target_id=str(int(h["ORDUNIQ"])),
                number=str(h["ORDNUMBER"]),
                lines=lines.get(h["ORDUNIQ"], 0),
                total=cents(h.get("INVNETWTX")),
                paid=paid.get(str(h["ORDNUMBER"]), Decimal("0")).quantize(CENT),
                placed=h.get("ORDDATE"),
            )
            for order_id, h in mine
        ]

    def close(self) -> None:
        self.db.close()


def _ref(store: str, order_id: str) -> ExternalRef:
    return ExternalRef(system=store, entity=Entity.ORDER, id=order_id)
