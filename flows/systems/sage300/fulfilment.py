"""Sage 300 as the source of fulfilments: an O/E order's status, shipments, tracking numbers.

The `fulfilment` use case (order-to-cash, the way back). An order changed when its header
(OEORDH), its second header (OEORDH1: tracking, last shipment), one of its lines (OEORDD:
quantities shipped, completion) or one of its shipments (OESHIH) was stamped in the window: one
AUDTDATE/AUDTTIME poll over the four tables gives the ORDUNIQs (`changes.ChangePoll`, one UNION
query per page of keys). Of those, only the orders storebridge wrote for the store at the other
end of the pair count: their REFERENCE is that store's key (`storebridge:<store>:<order id>`,
`transforms.sage300.store_key`); an order keyed in Sage by hand, or written for another store,
is left out before anything else is read. The page's orders are then read whole, one query per
table: headers, OEORDH1, lines (OEORDD: "every unit shipped" is exact), shipments (OESHIH) and
their lines (OESHID) — so an incremental poll that finds changes costs 1 + 5 queries per page
(`ODBC_QUERIES_PER_PAGE`), one that finds none costs 1, and one whose changed orders are none
of ours 2. `transforms.sage300.decode_fulfilment` makes the Fulfillment; its id is the order's
ORDUNIQ (the OrderUniquifier the order target binds, so echo guards line up).

`read_ids` takes ORDUNIQs (what a dead letter names) or order numbers (ORDNUMBER, what a person
reads in Sage); an id that is neither, or an order not written for this store, is a
`NotFoundError` failure.

Deletes: audit stamps track no deletes. A deleted order leaves no stamp: it is never reported
(no tombstones); the store order stays as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.records import Failure, Page
from connectors.sage300 import tables
from connectors.sage300.queries import CHANGE_TABLES
from flows.ports import Context, DecodeError, not_found
from flows.systems.sage300.changes import (
    SAGE,
    ChangePoll,
    Watched,
    key_text,
    open_database,
    page_size,
)
from transforms import sage300 as codec
from transforms.canonical import Entity, Fulfillment

FulfillmentCodec = codec.FulfillmentCodec  # echo suppression (the SPEC names it here)
# OEORDH, OEORDH1, OEORDD, OESHIH by ORDUNIQ: the connector's list of what changes an order
WATCHED = tuple(Watched(table, column) for table, column in CHANGE_TABLES["order"])
ODBC_QUERIES_PER_PAGE = 6  # the poll, then headers, OEORDH1, lines, shipments, shipment lines
# Bill-to / ship-to names, addresses, phones and e-mails are personal and no fulfilment needs
# them: they are not read (so never in a dead letter's payload either).
HEADER_COLUMNS = tuple(c for c in tables.OEORDH.reads if not c.startswith(("BIL", "SHP")))
EXTRA_COLUMNS = tuple(c for c in tables.OEORDH1.reads if not c.startswith(("BIL", "SHP")))

Raw = tuple[dict[str, Any], dict[str, Any] | None, list[Any], list[dict[str, Any]]]


class FulfilmentSource:
    """`Source[Fulfillment]` over O/E orders (see the module docstring)."""

    system = SAGE
    entity = Entity.FULFILLMENT

    def __init__(self, ctx: Context, db: Any = None) -> None:
        self.db = db or open_database()
        self.peer = ctx.peer
        self.timezone = self.db.settings.timezone
        self.poll = ChangePoll(
            self.db, WATCHED, page_size=page_size(self.db), what="changed orders"
        )

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        keys, after = self.poll.page(since, until, cursor)
        headers = self._headers("ORDUNIQ", keys)
        ours = [h for h in headers if self._ours(h)]
        return Page(self._orders(ours), [], after, None)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
        found = {h["ORDUNIQ"]: h for h in self._headers("ORDNUMBER", wanted)}
        found.update((h["ORDUNIQ"], h) for h in self._headers("ORDUNIQ", _numbers(wanted)))
        named: dict[str, dict[str, Any]] = {}
        for h in found.values():
            named[key_text(h["ORDUNIQ"])] = h
            named[str(h["ORDNUMBER"])] = h
        missing = [i for i in wanted if i not in named]
        others = [i for i in wanted if i in named and not self._ours(named[i])]
        ours = [h for _, h in sorted(found.items()) if self._ours(h)]
        failures = not_found(SAGE, Entity.FULFILLMENT, missing) + [
            Failure(
                SAGE,
                Entity.FULFILLMENT.value,
                i,
                "NotFoundError",
                f"{SAGE}:{Entity.FULFILLMENT.value}:{i}: not an order storebridge wrote for "
                f"{self.peer} (its REFERENCE is not a {self.peer} order key)",
            )
            for i in others
        ]
        return Page(self._orders(ours), failures)

    def _headers(self, column: str, keys: Sequence[Any]) -> list[dict[str, Any]]:
        """OEORDH rows whose `column` is one of `keys`, by ORDUNIQ (one query per 500)."""
        if not keys:
            return []
        rows = self.db.rows_by_keys(
            "OEORDH", column, keys, HEADER_COLUMNS, order=("ORDUNIQ",), what="order headers"
        )
        return sorted(rows, key=lambda h: h["ORDUNIQ"])

    def _ours(self, header: dict[str, Any]) -> bool:
        store = codec.parse_store_key(header.get("REFERENCE"))
        return store is not None and store.system == self.peer

    def _orders(self, headers: list[dict[str, Any]]) -> list[Raw]:
        """(OEORDH, OEORDH1, [(OESHIH, [OESHID])], [OEORDD]) per header: one query per table."""
        if not headers:
            return []
        keys = [h["ORDUNIQ"] for h in headers]
        extras = {
            r["ORDUNIQ"]: r
            for r in self.db.rows_by_keys(
                "OEORDH1", "ORDUNIQ", keys, EXTRA_COLUMNS, what="order headers (OEORDH1)"
            )
        }
        lines = self.db.order_lines(keys)
        shipments = self.db.shipments_of_orders(keys)
        return [
            (
                h,
                extras.get(h["ORDUNIQ"]),
                [(s.header, s.lines) for s in shipments.get(h["ORDUNIQ"], [])],
                lines.get(h["ORDUNIQ"], []),
            )
            for h in headers
        ]

    def decode(self, raw: Any) -> Fulfillment:
        header, extra, shipments, details = raw
        try:
            return codec.decode_fulfilment(
                header, extra, shipments, details=details, timezone=self.timezone
            )
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return key_text(raw[0].get("ORDUNIQ", "?"))

    def close(self) -> None:
        self.db.close()


def _numbers(ids: Sequence[str]) -> list[int]:
    """The ids that can be an ORDUNIQ (a whole number of at most 19 digits)."""
    return [int(i) for i in ids if i.isdigit() and len(i) <= 19]
