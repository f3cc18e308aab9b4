"""Shift4Shop as the target of fulfilments: an order's status and its shipments (REST API v1).

For each store order the back office changed: its shipments first (tracking, carrier, shipped
date: the ship-to of the order is updated, or one is added when the order has none yet — the
store's placeholder `ShipmentID` 0 cannot be written), then the statuses of the whole batch in
one `PUT /Orders` call. Shift4Shop has no per-line shipped quantities; Assumption: the lines a
shipment carries are listed in its internal comment, and a partial shipment sets the order to
"Partial" (3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.shift4shop import Shift4ShopClient
from flows.ports import Context, Item, LoadResult, Outcome, failed, written
from transforms.canonical import Entity, Fulfillment, Shipment, digest
from transforms.mapping import MappingError, apply, fingerprint, load_mapping
from transforms.shift4shop import SYSTEM

ORDER = "Order"


class FulfillmentHasher:
    """What a fulfilment write to the store sends (pure): the status id and shipment fields."""

    binding_entity = ORDER

    def __init__(self, timezone: str = "UTC") -> None:
        self.status = load_mapping("shift4shop/fulfillment")
        self.shipment = load_mapping("shift4shop/shipment")
        self.timezone = timezone
        self.fingerprint = fingerprint(self.status, self.shipment)

    def status_payload(self, f: Fulfillment) -> dict[str, Any]:
        return apply(self.status, f, creating=False) if f.status is not None else {}

    def shipment_payload(self, s: Shipment) -> dict[str, Any]:
        payload = apply(self.shipment, s, creating=False, ctx={"timezone": self.timezone})
        if s.lines:
            shipped = ", ".join(f"{ln.sku} x{ln.quantity.normalize():f}" for ln in s.lines)
            payload["ShipmentInternalComment"] = f"Shipped: {shipped}"[:500]
        return payload

    def payload_hash(self, f: Fulfillment) -> str:
        shipments = [self.shipment_payload(s) for s in f.shipments if s.tracking_number]
        return digest(self.fingerprint, f.order.key, self.status_payload(f), shipments)


class FulfilmentTarget:
    """`Target[Fulfillment]` (see the module docstring)."""

    system = SYSTEM
    entity = Entity.FULFILLMENT
    binding_entity = ORDER

    def __init__(self, ctx: Context | None = None, client: Shift4ShopClient | None = None) -> None:
        self.client = client or Shift4ShopClient.from_env()
        self.hasher = FulfillmentHasher(self.client.settings.store_timezone)

    def payload_hash(self, record: Fulfillment) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Fulfillment) -> str | None:
        if record.order.system != SYSTEM or not record.order.id.isdigit():
            return f"{record.ref.key}: order {record.order.key} is not a Shift4Shop order"
        try:
            self.hasher.status_payload(record)
        except MappingError as exc:
            return f"{record.ref.key}: {exc}"
        return None

    def load(self, items: Sequence[Item[Fulfillment]]) -> LoadResult:
        done: dict[str, Outcome] = {}
        statuses: list[tuple[Item[Fulfillment], int, int]] = []
        for item in items:
            f = item.record
            order_id = int(f.order.id)
            problem = self._ship(order_id, [s for s in f.shipments if s.tracking_number])
            if problem:
                done[item.ref.key] = failed(item, "RecordError", problem)
                continue
            status = self.hasher.status_payload(f).get("OrderStatusID")
            if status is not None:
                statuses.append((item, order_id, int(status)))
            else:
                done[item.ref.key] = written(item, str(order_id))
        results = self.client.set_order_statuses([(o, s) for _, o, s in statuses])
        by_id = {r.value: r for r in results}
        for item, order_id, _ in statuses:
            r = by_id.get(str(order_id))
            if r is not None and r.ok:
                done[item.ref.key] = written(item, str(order_id))
            else:
                why = r.message if r is not None else "no answer"
                done[item.ref.key] = failed(
                    item, "RecordError", f"Shift4Shop refused the status of order {order_id}: {why}"
                )
        counters = {"statuses_set": len(statuses)}
        return LoadResult(list(done.values()), counters=counters)

    def _ship(self, order_id: int, shipments: list[Shipment]) -> str | None:
        """Write the shipments with tracking onto the order's ship-tos; a problem or None."""
        if not shipments:
            return None
        existing = [s for s in self.client.shipments(order_id) if int(s.get("ShipmentID") or 0)]
        for n, shipment in enumerate(shipments):
            payload = self.hasher.shipment_payload(shipment)
            same = next(
                (s for s in existing if s.get("ShipmentTrackingCode") == shipment.tracking_number),
                None,
            )
            target = same or (existing[n] if n < len(existing) else None)
            if target is not None:
                results = self.client.update_shipment(order_id, int(target["ShipmentID"]), payload)
            else:
                results = self.client.add_shipment(order_id, payload)
            bad = [r for r in results if not r.ok]
            if bad or not results:
                why = bad[0].message if bad else "no answer"
                return f"Shift4Shop refused the shipment of order {order_id}: {why}"
        return None

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
