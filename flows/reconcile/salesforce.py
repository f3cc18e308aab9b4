"""Salesforce's reconcile reads: the Orders storebridge wrote for a store, by SOQL (REST v59.0).

An Order carries the store order's key in `Storebridge_Id__c` (``shift4shop:order:1001``). Its
`TotalAmount` is the platform's roll-up of its OrderItems (quantity x unit price, each item's
`TotalPrice` to the cent): the *item lines* basis. The amount paid is `Amount_Paid__c` (the
store's net paid, `order.yaml`), or, with ``STOREBRIDGE_SALESFORCE_PAYMENT_OBJECT=true``, the
`Storebridge_Payment__c` records under the Order (succeeded sales and captures minus refunds).
Orders in the recycle bin are not read (`query`, not `queryAll`): a deleted Order is missing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from connectors.salesforce import soql
from connectors.salesforce.resources import EXTERNAL_ID_FIELD as EXT
from flows.reconcile.readers import (
    CENT,
    Expected,
    Held,
    cents,
    item_total,
    local_days,
    net_paid,
)
from transforms.canonical import Order

SF = "salesforce"
ORDER_FIELDS = ("Id", "OrderNumber", EXT, "TotalAmount", "Amount_Paid__c", "EffectiveDate")
PAYMENT = "Storebridge_Payment__c"


class OrderReader:
    """`OrderReader` of one Salesforce org for one store (see the module docstring)."""

    system = SF
    total_basis = "item lines"
    paid_basis: str | None = "net paid"

    def __init__(self, store: str, client: Any = None) -> None:
        if client is None:
            from connectors.salesforce import SalesforceClient

            client = SalesforceClient.from_env()
        self.client = client
        self.store = store
        settings = client.settings
        self.timezone = str(settings.timezone or "UTC")
        self.payment_object = bool(settings.payment_object)

    def expected(self, order: Order) -> Expected:
        return Expected(len(order.lines), item_total(order, per_line_cents=True), net_paid(order))

    def by_order_ids(self, order_ids: Sequence[str]) -> list[Held]:
        keys = [f"{self.store}:order:{i}" for i in order_ids]
        columns = ", ".join(ORDER_FIELDS)
        template = f"SELECT {columns} FROM Order WHERE {EXT} IN {{values}}"  # noqa: S608
        rows: list[dict[str, Any]] = []
        for query in soql.in_chunks(template, keys):
            rows += self.client.query(query)
        return self._held(rows)

    def placed(self, since: dt.datetime, until: dt.datetime) -> Iterator[list[Held]]:
        first, last = local_days(since, until, self.timezone)
        prefix = soql.quote(f"{self.store}:order:%")
        query = (
            f"SELECT {', '.join(ORDER_FIELDS)} FROM Order "  # noqa: S608 - quoted literals
            f"WHERE {EXT} LIKE {prefix} AND EffectiveDate >= {first.isoformat()} "
            f"AND EffectiveDate <= {last.isoformat()} ORDER BY Id"
        )
        cursor: str | None = None
        while True:
            rows, cursor, _ = self.client.query_page(query, cursor)
            yield self._held(rows)
            if cursor is None:
                return

    def _held(self, rows: list[dict[str, Any]]) -> list[Held]:
        mine = [r for r in rows if str(r.get(EXT) or "").startswith(f"{self.store}:order:")]
        ids = [str(r["Id"]) for r in mine]
        lines = self._line_counts(ids)
        paid = self._payments(ids) if self.payment_object else {}
        out = []
        for r in mine:
            rid = str(r["Id"])
            amount = (
                paid.get(rid, Decimal("0.00")) if self.payment_object else r.get("Amount_Paid__c")
            )
            out.append(
                Held(
                    order_id=str(r[EXT]).split(":", 2)[2],
                    target_id=rid,
                    number=str(r.get("OrderNumber") or ""),
                    lines=lines.get(rid, 0),
                    total=cents(r.get("TotalAmount")),
                    paid=cents(amount),
                    placed=_day(r.get("EffectiveDate")),
                )
            )
        return out

    def _line_counts(self, order_ids: list[str]) -> Counter[str]:
        counts: Counter[str] = Counter()
        if not order_ids:
            return counts
        template = "SELECT Id, OrderId FROM OrderItem WHERE OrderId IN {values}"
        for query in soql.in_chunks(template, order_ids):
            counts.update(str(r["OrderId"]) for r in self.client.query(query))
        return counts

    def _payments(self, order_ids: list[str]) -> dict[str, Decimal]:
        """Net paid per Order from its `Storebridge_Payment__c` records."""
        out: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
        if not order_ids:
            return out
        template = (
            f"SELECT Id, Order__c, Amount__c, Kind__c, Status__c FROM {PAYMENT} "  # noqa: S608
            "WHERE Order__c IN {values}"
        )
        for query in soql.in_chunks(template, order_ids):
            for r in self.client.query(query):
                if str(r.get("Status__c") or "") != "succeeded":
                    continue
                kind = str(r.get("Kind__c") or "")
                sign = 1 if kind in ("sale", "capture") else -1 if kind == "refund" else 0
                out[str(r["Order__c"])] += sign * cents(r.get("Amount__c"))
        return {k: v.quantize(CENT) for k, v in out.items()}

    def close(self) -> None:
        self.client.close()


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
