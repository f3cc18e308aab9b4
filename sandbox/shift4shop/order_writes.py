"""Order and shipment writes of the Shift4Shop (3dcart) REST API v1 emulator.

`PUT /Orders[/{orderid}]` changes `OrderStatusID` and `InternalComments`;
`PUT /Orders/{orderid}/Shipments[/{shipmentid}]` and `POST /Orders/{orderid}/Shipments` write the
`Shipment` schema's fields (store-apis.md 2.4). Every accepted write bumps the order's LastUpdate
(and the ship-to's ShipmentLastUpdate).

Assumptions: the order's status is NOT derived from its shipments (a `ShipmentOrderStatus` of 4
leaves `OrderStatusID` alone: a separate `PUT /Orders/{id}` sets it), but setting the order to
Shipped (4) stamps today's date on every ship-to not shipped yet, as the admin's "mark shipped"
does; `ShipmentTrackingCode` is at most 100 characters; address fields are writable on PUT too;
a new ship-to's missing address fields are the customer's; a ship-to's cost does not change the
order's total.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from sandbox.shift4shop.build import SHIPPED, SHIPPING_METHOD_IDS
from sandbox.shift4shop.catalog import ORDER_STATUSES
from sandbox.shift4shop.events import ORDER_STATUS_CHANGED
from sandbox.shift4shop.fields import (
    CREATED,
    Field,
    assign,
    country,
    fold,
    integer,
    lookup,
    number,
    parse_fields,
    require_some,
    run_items,
    store_date,
    text,
    written,
)
from sandbox.shift4shop.query import ApiError
from sandbox.shift4shop.state import Order, Shipment
from sandbox.shift4shop.txn import StoreBase, Tx

ORDER_FIELDS = (
    Field("OrderStatusID", "status_id", integer(allowed=ORDER_STATUSES)),
    Field("InternalComments", "internal_comments", text()),
)
# Ship-to address: API field -> attribute of the recipient (a SeedCustomer).
ADDRESS_FIELDS = (
    Field("ShipmentFirstName", "first_name", text(255)),
    Field("ShipmentLastName", "last_name", text(255)),
    Field("ShipmentCompany", "company", text(255)),
    Field("ShipmentAddress", "address", text(255)),
    Field("ShipmentAddress2", "address2", text(255)),
    Field("ShipmentCity", "city", text(255)),
    Field("ShipmentState", "state", text(255)),
    Field("ShipmentZipCode", "zip_code", text(50)),
    Field("ShipmentCountry", "country", country),
    Field("ShipmentPhone", "phone", text(50)),
    Field("ShipmentEmail", "email", text(100)),
)


def _id_of(body: dict[str, Any], name: str) -> int:
    """The integer id `name` of a folded batch item.

    Raises:
        ApiError: 400 when it is missing or not an integer.
    """
    raw = lookup(body, name)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ApiError(400, f"{name} is required")
    return raw


class OrderWrites(StoreBase):
    """Order status/comments and ship-to writes."""

    def shipment_fields(self) -> tuple[Field, ...]:
        """The writable Shipment fields (dates parse in the store's zone)."""
        return (
            Field("ShipmentTrackingCode", "tracking", text(100)),
            Field("ShipmentShippedDate", "shipped_at", store_date(self.tz)),
            Field("ShipmentOrderStatus", "status_id", integer(allowed=ORDER_STATUSES)),
            Field("ShipmentMethodName", "method_name", text(255)),
            Field("ShipmentBoxes", "boxes", integer(minimum=0)),
            Field("ShipmentInternalComment", "internal_comment", text()),
            Field("ShipmentCost", "cost", number()),
            Field("ShipmentWeight", "weight", number()),
        )

    def _order_or_404(self, order_id: int) -> Order:
        order = self.state.orders.get(order_id)
        if order is None:
            raise ApiError(404, f"Order {order_id} not found")
        return order

    def set_order_status(self, order: Order, status_id: int, tx: Tx, *, fire: bool) -> None:
        """Set the status and LastUpdate; fire when it changed (or when `fire`, for the admin).

        A change to Shipped stamps today on the ship-tos not shipped yet.
        """
        changed = status_id != order.status_id or fire
        order.status_id = status_id
        if status_id == SHIPPED and changed:
            order.shipped_at = order.shipped_at or tx.now
            for s in order.shipments:
                if s.shipped_at is None:
                    s.shipped_at, s.status_id, s.last_update = tx.now, SHIPPED, tx.now
        order.last_update = tx.now
        if changed:
            tx.fire(ORDER_STATUS_CHANGED, order.order_id)

    def update_order(self, order_id: int, changes: dict[str, Any]) -> None:
        """Apply a `PUT /Orders` body to one order and bump its LastUpdate.

        Args:
            order_id: the OrderID.
            changes: the request object; `OrderStatusID` and `InternalComments` are applied,
                other keys are ignored (assumption: the real API accepts a full order object).

        Raises:
            ApiError: 404 for an unknown order, 400 for an invalid or missing writable field.
        """
        values = parse_fields(fold(changes), ORDER_FIELDS)
        require_some(values, ORDER_FIELDS)
        with self.transaction() as tx:
            order = self._order_or_404(order_id)
            if "internal_comments" in values:
                order.internal_comments = values["internal_comments"]
            order.last_update = tx.now
            if "status_id" in values:
                self.set_order_status(order, values["status_id"], tx, fire=False)

    def update_orders(self, items: list[Any]) -> list[dict[str, str]]:
        """`PUT /Orders`: one result element per item (failures inside)."""

        def apply(order_id: int, body: dict[str, Any]) -> dict[str, str]:
            self.update_order(order_id, body)
            return written("OrderID", order_id)

        with self.transaction():
            return run_items(items, "OrderID", lambda b: _id_of(b, "OrderID"), apply)

    def update_shipment(self, order_id: int, shipment_id: int, changes: dict[str, Any]) -> None:
        """`PUT /Orders/{orderid}/Shipments/{shipmentid}`: write one ship-to.

        Raises:
            ApiError: 404 for an unknown order or ship-to, 400 naming an invalid field.
        """
        body = fold(changes)
        values = parse_fields(body, self.shipment_fields())
        address = parse_fields(body, ADDRESS_FIELDS)
        require_some({**values, **address}, self.shipment_fields())
        with self.transaction() as tx:
            order = self._order_or_404(order_id)
            shipment = next((s for s in order.shipments if s.shipment_id == shipment_id), None)
            if shipment is None:
                raise ApiError(404, f"Shipment {shipment_id} not found on order {order_id}")
            self._write_shipment(order, shipment, values, address, tx)

    def _write_shipment(
        self,
        order: Order,
        shipment: Shipment,
        values: dict[str, Any],
        address: dict[str, Any],
        tx: Tx,
    ) -> None:
        assign(shipment, values)
        if "method_name" in values:
            shipment.method_id = SHIPPING_METHOD_IDS.get(shipment.method_name, 0)
        if address:
            shipment.recipient = replace(shipment.recipient or order.customer, **address)
        shipment.last_update = order.last_update = tx.now

    def update_shipments(self, order_id: int, items: list[Any]) -> list[dict[str, str]]:
        """`PUT /Orders/{orderid}/Shipments`: items by ShipmentID, failures inside.

        Raises:
            ApiError: 404 for an unknown order (the whole request).
        """

        def apply(shipment_id: int, body: dict[str, Any]) -> dict[str, str]:
            self.update_shipment(order_id, shipment_id, body)
            return written("ShipmentID", shipment_id)

        with self.transaction():
            self._order_or_404(order_id)
            return run_items(items, "ShipmentID", lambda b: _id_of(b, "ShipmentID"), apply)

    def add_shipment(self, order_id: int, changes: dict[str, Any]) -> int:
        """`POST /Orders/{orderid}/Shipments`: a new ship-to (carrying no lines yet).

        Returns:
            The new ShipmentID (store-wide unique).

        Raises:
            ApiError: 404 for an unknown order, 400 naming an invalid field.
        """
        body = fold(changes)
        values = parse_fields(body, self.shipment_fields())
        address = parse_fields(body, ADDRESS_FIELDS)
        with self.transaction() as tx:
            order = self._order_or_404(order_id)
            shipment = Shipment(
                shipment_id=self.state.next_id("shipment"),
                line_ids=[],
                method_id=0,
                method_name="",
                cost=Decimal("0.00"),
                status_id=order.status_id,
                last_update=tx.now,
            )
            order.shipments.append(shipment)
            self._write_shipment(order, shipment, values, address, tx)
            return shipment.shipment_id

    def add_shipments(self, order_id: int, items: list[Any]) -> list[dict[str, str]]:
        """`POST /Orders/{orderid}/Shipments` with an array: one result per new ship-to."""

        def apply(_: None, body: dict[str, Any]) -> dict[str, str]:
            return written("ShipmentID", self.add_shipment(order_id, body), 201, CREATED)

        with self.transaction():
            self._order_or_404(order_id)
            return run_items(items, "ShipmentID", lambda b: None, apply)
