"""Dynamics 365's reconcile reads: the salesorders storebridge wrote for a store (OData v4).

A salesorder carries the store order's key in `storebridge_id` (``shift4shop.order.1001``,
`transforms.dynamics365.external_key`). Its `totallineitemamount` is the platform's sum of its
lines' extended amounts (quantity x price per unit; storebridge writes no line discount or
tax): the *item lines* basis. The amount paid is `storebridge_amountpaid` (the store's net paid,
`salesorder.yaml`). The window is read on `submitdate` (the store's placement instant), a day
wider on each side; lines are counted from `salesorderdetails` (one `In` look-up per chunk).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from flows.reconcile.readers import Expected, Held, cents, item_total, net_paid
from transforms.canonical import Entity, ExternalRef, Order
from transforms.dynamics365_encode import external_key, parse_external_key

D365 = "dynamics365"
ORDERS, DETAILS = "salesorders", "salesorderdetails"
COLUMNS = (
    "salesorderid",
    "storebridge_id",
    "ordernumber",
    "totallineitemamount",
    "storebridge_amountpaid",
    "submitdate",
)


class OrderReader:
    """`OrderReader` of one Dataverse environment for one store (see the module docstring)."""

    system = D365
    total_basis = "item lines"
    paid_basis: str | None = "net paid"

    def __init__(self, store: str, client: Any = None) -> None:
        if client is None:
            from connectors.dynamics365 import Dynamics365Client

            client = Dynamics365Client.from_env()
        self.client = client
        self.store = store
        self.prefix = f"{store}.{Entity.ORDER.value}."

    def expected(self, order: Order) -> Expected:
        return Expected(len(order.lines), item_total(order), net_paid(order))

    def by_order_ids(self, order_ids: Sequence[str]) -> list[Held]:
        keys = [
            external_key(ExternalRef(system=self.store, entity=Entity.ORDER, id=i))
            for i in order_ids
        ]
        rows = list(self.client.query_in(ORDERS, "storebridge_id", keys, select=list(COLUMNS)))
        return self._held(rows)

    def placed(self, since: dt.datetime, until: dt.datetime) -> Iterator[list[Held]]:
        from connectors.dynamics365.odata import all_of, compare, odata_literal

        mine = f"startswith(storebridge_id,{odata_literal(self.prefix)})"
        window = all_of(
            compare("submitdate", "ge", since - dt.timedelta(days=1)),
            compare("submitdate", "lt", until + dt.timedelta(days=1)),
        )
        for rows in self.client.pages(
            ORDERS, select=list(COLUMNS), filter=all_of(mine, window), orderby="salesorderid"
        ):
            yield self._held(list(rows))

    def _held(self, rows: list[dict[str, Any]]) -> list[Held]:
        refs = {str(r["salesorderid"]): parse_external_key(r.get("storebridge_id")) for r in rows}
        mine = {
            k: ref
            for k, ref in refs.items()
            if ref is not None and ref.system == self.store and ref.entity is Entity.ORDER
        }
        lines: Counter[str] = Counter()
        if mine:
            for row in self.client.query_in(
                DETAILS,
                "_salesorderid_value",
                list(mine),
                select=["salesorderdetailid", "_salesorderid_value"],
            ):
                lines[str(row["_salesorderid_value"])] += 1
        out = []
        for r in rows:
            rid = str(r["salesorderid"])
            ref = mine.get(rid)
            if ref is None:
                continue
            out.append(
                Held(
                    order_id=ref.id,
                    target_id=rid,
                    number=str(r.get("ordernumber") or ""),
                    lines=lines.get(rid, 0),
                    total=cents(r.get("totallineitemamount")),
                    paid=cents(r.get("storebridge_amountpaid")),
                    placed=_day(r.get("submitdate")),
                )
            )
        return out

    def close(self) -> None:
        self.client.close()


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None
