"""Dynamics 365 as the source of fulfilments: an order's state and status, carrier, tracking,
shipped date and shipped lines.

The `fulfilment` use case (order-to-cash, the way back). Incremental runs read the salesorders
changed since the stored delta link (change tracking; `session.ChangeReader`), keep those
storebridge wrote for the store at the other end of the pair (`storebridge_id` starting with
`<store>.order.`), and read them with their lines; backfills and tables without tracking poll
`modifiedon`. Deleted salesorders are reported, never acted on. Which columns carry what is data:
`transforms/mappings/dynamics365/fulfillment_from.yaml`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from connectors.records import Page
from connectors.state import Window
from flows.ports import Context, DecodeError, Tombstone, not_found
from flows.systems.dynamics365.session import D365, ChangeReader, Session, quoted
from transforms import dynamics365 as codec
from transforms.canonical import Entity, Fulfillment

FulfillmentCodec = codec.FulfillmentCodec  # echo suppression (the SPEC names it here)
ORDERS, DETAILS = "salesorders", "salesorderdetails"
ORDER_COLUMNS = (
    "salesorderid",
    "storebridge_id",
    "statecode",
    "statuscode",
    "modifiedon",
    "storebridge_carrier",
    "storebridge_trackingnumber",
    "storebridge_shippeddate",
    "datefulfilled",
)
DETAIL_COLUMNS = (
    "salesorderdetailid",
    "storebridge_id",
    "quantity",
    "quantityshipped",
    "_salesorderid_value",
    "_productid_value",
)
DELETED = "@deleted"


class FulfilmentSource:
    """`Source[Fulfillment]` over salesorders (see the module docstring)."""

    system = D365
    entity = Entity.FULFILLMENT

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.changes = ChangeReader(self.session, ctx.state)
        self.prefix = f"{ctx.peer}.order."

    def _mine(self) -> str:
        return f"startswith(storebridge_id,{quoted(self.prefix)})"

    def read_tracked(self, window: Window, cursor: Any) -> Page[Any]:
        rows, deleted = self.changes.changed(ORDERS, "salesorderid", window, ["storebridge_id"])
        ids = [str(r["salesorderid"]) for r in rows if self._ours(r)]
        gone: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
            ({"salesorderid": i, DELETED: True}, []) for i in deleted
        ]
        return Page([*self._with_details(self._orders(ids)), *gone], [], None, None)

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        rows = self.changes.polled(ORDERS, ORDER_COLUMNS, since, until, extra=self._mine())
        return Page(self._with_details(rows), [], None, len(rows))

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self._orders(ids)
        found = {str(r["salesorderid"]) for r in rows}
        missing = [i for i in ids if i.lower() not in found and i not in found]
        return Page(self._with_details(rows), not_found(D365, Entity.FULFILLMENT, missing))

    def _ours(self, row: dict[str, Any]) -> bool:
        return str(row.get("storebridge_id") or "").startswith(self.prefix)

    def _orders(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        rows = self.session.rows_where_in(ORDERS, "salesorderid", ids, ORDER_COLUMNS)
        return [r for r in rows if self._ours(r)]

    def _with_details(
        self, orders: list[dict[str, Any]]
    ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ids = [str(o["salesorderid"]) for o in orders]
        if ids:
            for row in self.session.rows_where_in(
                DETAILS,
                "_salesorderid_value",
                ids,
                DETAIL_COLUMNS,
                expand="productid($select=productid,productnumber)",
            ):
                by_order[str(row["_salesorderid_value"])].append(row)
        return [(o, by_order.get(str(o["salesorderid"]), [])) for o in orders]

    def decode(self, raw: Any) -> Fulfillment:
        order, details = raw
        if order.get(DELETED):
            raise Tombstone(
                f"{D365}:fulfillment:{order['salesorderid']}: deleted in Dynamics 365; the "
                "store order is left as it is"
            )
        try:
            return codec.decode_fulfillment(order, details)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("salesorderid", "?"))

    def close(self) -> None:
        self.session.close()
