"""BigCommerce as the target of fulfilments: an order's shipments and its status (REST V2).

For each store order the back office changed, in one batch: the orders are read once
(`orders_by_id`: their lines with `quantity_shipped` and ship-tos), then per order

1. its shipments (those with a tracking number or shipped lines): one already in the store with
   the same tracking number is updated only when its carrier or method differ; otherwise what is
   still unshipped is shipped with `POST /v2/orders/{id}/shipments` (`order_address_id` and
   `items[{order_product_id, quantity}]`, one shipment per ship-to the lines belong to). Lines are
   the back office's shipped lines (matched to the order's products by the line reference
   storebridge wrote, else by SKU), or every unshipped unit when it names none (assumption: a
   parcel without line detail carries what is left). Only units not yet shipped are sent, so a
   load that runs again, or a retry after an answer was lost, adds nothing twice. When nothing
   is left to ship the tracking number goes onto the order's n-th shipment (as Shift4Shop's
   ship-tos are updated);
2. its status, `PUT /v2/orders/{id}` `{"status_id": N}` through
   `transforms/mappings/bigcommerce/fulfillment.yaml`, unless the order already has it (a new
   shipment moves the order to Shipped / Partially Shipped by itself, store-apis.md 1.5).

The spec has no writable shipped date on a shipment (BigCommerce stamps `date_created`), so the
back office's shipped date is not written (assumption: the shipment's own date is good enough).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models import Order as RawOrder
from connectors.bigcommerce.models import OrderProduct
from connectors.bigcommerce.models import Shipment as RawShipment
from connectors.http.errors import RecordError
from flows.ports import Context, Item, LoadResult, Outcome, failed, written
from flows.systems.bigcommerce.orders import is_id
from transforms.bigcommerce import SYSTEM
from transforms.canonical import Entity, Fulfillment, Shipment, digest
from transforms.mapping import MappingError, apply, fingerprint, load_mapping

ORDER = "Order"
SHIPPED, PARTIALLY_SHIPPED = 2, 3  # status ids BigCommerce sets when a shipment is added
NOT_SHIPPABLE = frozenset({"digital", "giftcertificate"})  # V2 order product types


class FulfillmentHasher:
    """What a fulfilment write to the store sends (pure): the status id, the shipments' fields
    and the lines they carry."""

    binding_entity = ORDER

    def __init__(self) -> None:
        self.status = load_mapping("bigcommerce/fulfillment")
        self.shipment = load_mapping("bigcommerce/shipment")
        self.fingerprint = fingerprint(self.status, self.shipment)

    def status_payload(self, f: Fulfillment) -> dict[str, Any]:
        return apply(self.status, f, creating=False) if f.status is not None else {}

    def shipment_payload(self, s: Shipment) -> dict[str, Any]:
        return apply(self.shipment, s, creating=False)

    @staticmethod
    def shipments(f: Fulfillment) -> list[Shipment]:
        """The shipments written to the store: those with a tracking number or shipped lines."""
        return [s for s in f.shipments if s.tracking_number or s.lines]

    def payload_hash(self, f: Fulfillment) -> str:
        shipments = [
            (
                self.shipment_payload(s),
                [(ln.sku, f"{ln.quantity.normalize():f}") for ln in s.lines],
            )
            for s in self.shipments(f)
        ]
        return digest(self.fingerprint, f.order.key, self.status_payload(f), shipments)


def line_product(ref_id: str, products: Sequence[OrderProduct]) -> OrderProduct | None:
    """The order product a shipped line's reference names (`<order>-<order_product_id>` or the
    order product id itself: storebridge wrote it as the order line's external id)."""
    ids = {str(p.id): p for p in products}
    return ids.get(ref_id) or ids.get(ref_id.rsplit("-", 1)[-1])


def units(quantity: Decimal) -> int:
    """Whole units (BigCommerce ships integers)."""
    return int(quantity.to_integral_value(rounding=ROUND_FLOOR))


def ship_items(
    shipment: Shipment, products: Sequence[OrderProduct], remaining: dict[int, int]
) -> tuple[dict[int, int], str | None]:
    """Order product id → units to ship for `shipment` (only units not shipped yet), or why
    the shipment names a line the order does not have."""
    out: dict[int, int] = {}
    if not shipment.lines:
        for p in products:
            if (p.type or "physical") not in NOT_SHIPPABLE and remaining.get(p.id, 0) > 0:
                out[p.id] = remaining[p.id]
        return out, None
    for ln in shipment.lines:
        product = (
            line_product(ln.line.id, products)
            if ln.line is not None and ln.line.system == SYSTEM
            else None
        )
        if product is None:
            same = [p for p in products if (p.sku or "").lower() == ln.sku.lower()]
            product = next((p for p in same if remaining.get(p.id, 0) > 0), None) or next(
                iter(same), None
            )
        if product is None:
            return {}, f"shipment line {ln.sku} is not a line of the store order"
        left = remaining.get(product.id, 0) - out.get(product.id, 0)
        wanted = min(units(ln.quantity), left)
        if wanted > 0:
            out[product.id] = out.get(product.id, 0) + wanted
    return out, None


def status_after(products: Sequence[OrderProduct], remaining: dict[int, int]) -> int:
    """The status BigCommerce gives an order once shipments leave `remaining` unshipped."""
    shippable = [p for p in products if (p.type or "physical") not in NOT_SHIPPABLE]
    return PARTIALLY_SHIPPED if any(remaining.get(p.id, 0) > 0 for p in shippable) else SHIPPED


class FulfilmentTarget:
    """`Target[Fulfillment]` (see the module docstring)."""

    system = SYSTEM
    entity = Entity.FULFILLMENT
    binding_entity = ORDER

    def __init__(self, ctx: Context | None = None, client: BigCommerceClient | None = None) -> None:
        # the orders are read for their lines and shipments only: no transactions call per order
        self.client = client or BigCommerceClient.from_env(payments_from="order")
        self.hasher = FulfillmentHasher()
        self.counters: dict[str, int] = defaultdict(int)  # writes of the current load

    def payload_hash(self, record: Fulfillment) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Fulfillment) -> str | None:
        if record.order.system != SYSTEM or not is_id(record.order.id):
            return f"{record.ref.key}: order {record.order.key} is not a BigCommerce order"
        try:
            self.hasher.status_payload(record)
        except MappingError as exc:
            return f"{record.ref.key}: {exc}"
        return None

    def load(self, items: Sequence[Item[Fulfillment]]) -> LoadResult:
        ids = list(dict.fromkeys(int(i.record.order.id) for i in items))
        page = self.client.orders_by_id(ids, with_shipments=True) if ids else None
        orders = {o.id: o for o in page.records} if page is not None else {}
        unread = {f.external_id: f for f in page.failures} if page is not None else {}
        self.counters.clear()
        done: list[Outcome] = []
        for item in items:
            order_id = int(item.record.order.id)
            raw = orders.get(order_id)
            if raw is None:
                why = unread.get(str(order_id))
                done.append(
                    failed(item, why.error_class, why.message)
                    if why is not None
                    else failed(item, "NotFoundError", f"store order {order_id} was not found")
                )
                continue
            try:
                problem = self._fulfil(item.record, raw)
            except RecordError as exc:
                problem = f"BigCommerce refused a write to order {order_id}: {exc.message}"
            done.append(
                failed(item, "RecordError", problem) if problem else written(item, str(order_id))
            )
        return LoadResult(done, counters=dict(self.counters))

    def _fulfil(self, f: Fulfillment, raw: RawOrder) -> str | None:
        """Write the shipments, then the status, of one order; a problem or None."""
        shipments = self.hasher.shipments(f)
        products = raw.products or []
        remaining = {p.id: units(p.quantity - p.quantity_shipped) for p in products}
        added = False
        if shipments:
            if raw.products is None:
                return f"the lines of store order {raw.id} were not read: cannot ship them"
            existing = (
                raw.shipments if raw.shipments is not None else self.client.order_shipments(raw.id)
            )
            for n, shipment in enumerate(shipments):
                problem, posted = self._ship(raw, n, shipment, existing, remaining)
                if problem:
                    return problem
                added = added or posted
        wanted = self.hasher.status_payload(f).get("status_id")
        if wanted is None:
            return None
        now = status_after(products, remaining) if added else raw.status_id
        if int(wanted) != now:
            self.client.set_order_status(raw.id, int(wanted))
            self.counters["statuses_set"] += 1
        return None

    def _ship(
        self,
        raw: RawOrder,
        n: int,
        shipment: Shipment,
        existing: list[RawShipment],
        remaining: dict[int, int],
    ) -> tuple[str | None, bool]:
        """One back-office shipment onto the store order: (problem, whether one was added)."""
        payload = self.hasher.shipment_payload(shipment)
        same = next(
            (
                s
                for s in existing
                if shipment.tracking_number and s.tracking_number == payload.get("tracking_number")
            ),
            None,
        )
        if same is not None:
            self._update(raw.id, same, payload)
            return None, False
        products = raw.products or []
        to_ship, problem = ship_items(shipment, products, remaining)
        if problem:
            return problem, False
        if not to_ship:  # already shipped in the store: the tracking goes on its n-th parcel
            if n < len(existing):
                self._update(raw.id, existing[n], payload)
            return None, False
        address_of = {p.id: p.order_address_id for p in products}
        by_address: dict[int | None, list[dict[str, int]]] = defaultdict(list)
        for product_id, quantity in to_ship.items():
            by_address[address_of.get(product_id)].append(
                {"order_product_id": product_id, "quantity": quantity}
            )
        for address, lines in by_address.items():
            if address is None:
                return f"store order {raw.id} has a line without a ship-to: cannot ship it", False
            self.client.add_shipment(
                raw.id, {"order_address_id": address, "items": lines, **payload}
            )
            self.counters["shipments_added"] += 1
            for line in lines:
                remaining[line["order_product_id"]] -= line["quantity"]
        return None, True

    def _update(self, order_id: int, shipment: RawShipment, payload: dict[str, Any]) -> None:
        """Update a store shipment's tracking fields, when they differ from `payload`."""
        if all(getattr(shipment, k, None) == v for k, v in payload.items()):
            return
        self.client.update_shipment(order_id, shipment.id, payload)
        self.counters["shipments_updated"] += 1

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
