"""Salesforce as the source of fulfilments: an order's status, carrier, tracking and shipped lines.

The `fulfilment` use case (order-to-cash, the way back). Changes are captured by polling
`SystemModstamp` (with the engine's overlap) on the Orders storebridge wrote for the store at the
other end of the pair (`Storebridge_Id__c LIKE '<store>:order:%'`); deleted Orders come from
`queryAll` and are reported, never acted on. Which fields carry what is data:
`transforms/mappings/salesforce/fulfillment_from.yaml`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from connectors.records import Page
from connectors.salesforce import soql
from connectors.salesforce.resources import EXTERNAL_ID_FIELD as EXT
from flows.ports import Context, DecodeError, Tombstone, not_found
from flows.systems.salesforce.session import Session
from transforms import salesforce as codec
from transforms.canonical import Entity, Fulfillment
from transforms.mapping import FieldMapping, load_mapping

SF = "salesforce"


def source_fields(mapping: FieldMapping, prefix: str | None = None) -> list[str]:
    """The record fields a decode mapping reads (`prefix`: only rules of targets under it)."""
    out: list[str] = []
    for target, rule in mapping.fields.items():
        inside = (
            target.startswith(f"{prefix}.")
            if prefix
            else "." not in target or not (target.startswith("line."))
        )
        if not inside or rule.source is None:
            continue
        paths = (rule.source,) if isinstance(rule.source, str) else rule.source
        out += [p for p in paths if not p.startswith("ctx.")]
    return list(dict.fromkeys(out))


class FulfilmentSource:
    """`Source[Fulfillment]` over Salesforce Orders (see the module docstring)."""

    system = SF
    entity = Entity.FULFILLMENT

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.store = ctx.peer
        mapping = load_mapping("salesforce/fulfillment_from")
        self.order_fields = [*source_fields(mapping), EXT, "IsDeleted"]
        self.item_fields = [*source_fields(mapping, "line"), EXT, "OrderId", "Product2.ProductCode"]

    def _mine(self) -> str:
        return f"{EXT} LIKE {soql.quote(self.store + ':order:%')}"

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        query = soql.changed("Order", self.order_fields, since, until, where=self._mine())
        rows, nxt, total = self.session.client.query_page(query, cursor, include_deleted=True)
        return Page(self._with_items(rows), [], nxt, total)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self.session.lookups.by_ids("Order", self.order_fields, ids)
        found = {r["Id"] for r in rows}
        return Page(
            self._with_items(rows),
            not_found(SF, Entity.FULFILLMENT, [i for i in ids if i not in found]),
        )

    def _with_items(self, orders: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[Any]]]:
        live = [o["Id"] for o in orders if not o.get("IsDeleted")]
        items: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if live:
            for row in self.session.lookups.by_ids(
                "OrderItem", self.item_fields, live, key="OrderId"
            ):
                items[row["OrderId"]].append(row)
        return [(o, items.get(o["Id"], [])) for o in orders]

    def decode(self, raw: Any) -> Fulfillment:
        order, items = raw
        if order.get("IsDeleted"):
            raise Tombstone(
                f"{SF}:fulfillment:{order['Id']}: deleted in Salesforce; the store "
                "order is left as it is"
            )
        try:
            return codec.decode_fulfillment(order, items)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw[0].get("Id", "?"))

    def close(self) -> None:
        self.session.close()
