"""Order writes of the BigCommerce emulator (V2): status and notes, archive, shipments.

Each write is one transaction (`StoreBase.transaction`): it stamps `date_modified` with the
business clock and fires `store/order/updated` (plus `store/order/statusUpdated` when the status
changed, `store/order/archived` on archive, `store/shipment/created|updated` for shipments).

Shipments: `order_address_id` must be one of the order's shipping addresses and each item one of
that address's lines with a quantity of at most what is left to ship (assumption: the spec lists
the fields, not these checks; BigCommerce answers 400 with an error array). Creating a shipment
moves the order to Shipped (2) when every line is fully shipped, to Partially Shipped (3)
otherwise (store-apis.md 1.5), and updates `quantity_shipped`, `items_shipped`, `date_shipped`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.constants import PARTIALLY_SHIPPED, SHIPPED, STATUS_NAMES
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.txn import StoreBase, Tx
from sandbox.bigcommerce.web import ApiError

STANDARD_PROVIDERS = frozenset(
    {
        "",
        "auspost",
        "canadapost",
        "endicia",
        "usps",
        "fedex",
        "ups",
        "upsready",
        "upsonline",
        "shipperhq",
        "royalmail",
    }
)
SHIPMENT_TEXT = {
    "tracking_number": 50,
    "tracking_link": 500,
    "comments": 10_000,
    "shipping_method": 250,
    "tracking_carrier": 250,
}


def _text(body: dict[str, Any], name: str, where: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > SHIPMENT_TEXT.get(name, 10_000):
        raise ApiError(400, f"The field '{name}' of {where} is invalid.")
    return value


def _provider(body: dict[str, Any], where: str) -> str:
    value = body.get("shipping_provider", "") or ""
    if not isinstance(value, str) or not (
        value in STANDARD_PROVIDERS or value.startswith("carrier_")
    ):
        raise ApiError(400, f"The field 'shipping_provider' of {where} is invalid.")
    return value


class OrderOps(StoreBase):
    """`order`, `update_order`, `archive_order`, `add_shipment`, `update_shipment`."""

    def order(self, order_id: int) -> Record:
        """The order record.

        Raises:
            ApiError: 404 when there is no such order.
        """
        order = self.state.orders.get(order_id)
        if order is None:
            raise ApiError(404, "The requested resource was not found.")
        return order

    def _set_status(self, tx: Tx, order: Record, status_id: int) -> None:
        previous = order["status_id"]
        order["status_id"] = status_id
        if previous != status_id:
            tx.fire(
                "store/order/statusUpdated",
                {
                    "type": "order",
                    "id": order["id"],
                    "status": {"previous_status_id": previous, "new_status_id": status_id},
                },
            )

    def _touched(self, tx: Tx, order: Record) -> None:
        order["date_modified"] = tx.now
        tx.fire("store/order/updated", {"type": "order", "id": order["id"]})

    def update_order(self, order_id: int, body: dict[str, Any]) -> Record:
        """`PUT /v2/orders/{id}`: `status_id`, `staff_notes`, `customer_message`, `is_deleted`.

        Fields not sent are unchanged; others are ignored (assumption: the sandbox does not
        edit lines, addresses or money).

        Raises:
            ApiError: 404 unknown order, 400 an unknown status or a field of the wrong type.
        """
        with self.transaction() as tx:
            order = self.order(order_id)
            where = f"order {order_id}"
            if "status_id" in body:
                status = body["status_id"]
                if (
                    isinstance(status, bool)
                    or not isinstance(status, int)
                    or (status not in STATUS_NAMES)
                ):
                    raise ApiError(400, f"The field 'status_id' of {where} is invalid.")
            for name in ("staff_notes", "customer_message"):
                if name in body and not isinstance(body[name], str):
                    raise ApiError(400, f"The field '{name}' of {where} is invalid.")
            if "status_id" in body:
                self._set_status(tx, order, body["status_id"])
            for name in ("staff_notes", "customer_message"):
                if name in body:
                    order[name] = body[name]
            if body.get("is_deleted") is True:
                self._archive(tx, order)
            self._touched(tx, order)
            return order

    def _archive(self, tx: Tx, order: Record) -> None:
        if not order["is_deleted"]:
            order["is_deleted"] = True
            tx.fire("store/order/archived", {"type": "order", "id": order["id"]})

    def archive_order(self, order_id: int) -> None:
        """`DELETE /v2/orders/{id}`: archive (`is_deleted`), kept readable by id."""
        with self.transaction() as tx:
            order = self.order(order_id)
            self._archive(tx, order)
            order["date_modified"] = tx.now

    def add_shipment(self, order_id: int, body: dict[str, Any]) -> tuple[Record, Record]:
        """`POST /v2/orders/{id}/shipments`; returns (order, shipment).

        Raises:
            ApiError: 404 unknown order, 400 a missing or invalid field (named).
        """
        with self.transaction() as tx:
            order = self.order(order_id)
            where = f"the shipment of order {order_id}"
            address_id = body.get("order_address_id")
            address = next((a for a in order["addresses"] if a["id"] == address_id), None)
            if address is None:
                raise ApiError(400, f"The field 'order_address_id' of {where} is invalid.")
            items = body.get("items")
            if not isinstance(items, list) or not items:
                raise ApiError(400, f"The field 'items' of {where} is missing.")
            lines = {ln["id"]: ln for ln in order["lines"] if ln["order_address_id"] == address_id}
            wanted: dict[int, int] = {}
            for i, item in enumerate(items):
                pid = item.get("order_product_id") if isinstance(item, dict) else None
                qty = item.get("quantity") if isinstance(item, dict) else None
                if not isinstance(pid, int) or pid not in lines:
                    raise ApiError(
                        400, f"The field 'items[{i}].order_product_id' of {where} is invalid."
                    )
                line = lines[pid]
                left = line["quantity"] - line["quantity_shipped"] - wanted.get(pid, 0)
                if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1 or qty > left:
                    raise ApiError(400, f"The field 'items[{i}].quantity' of {where} is invalid.")
                wanted[pid] = wanted.get(pid, 0) + qty
            shipment = {
                "id": self.state.next_id("shipment"),
                "order_address_id": address_id,
                "date_created": tx.now,
                "tracking_number": _text(body, "tracking_number", where),
                "tracking_link": _text(body, "tracking_link", where),
                "shipping_provider": _provider(body, where),
                "tracking_carrier": _text(body, "tracking_carrier", where),
                "shipping_method": _text(body, "shipping_method", where)
                or address["shipping_method"],
                "comments": _text(body, "comments", where),
                "merchant_shipping_cost": Decimal(str(body.get("merchant_shipping_cost") or 0)),
                "items": [
                    {"order_product_id": pid, "product_id": lines[pid]["product_id"], "quantity": q}
                    for pid, q in wanted.items()
                ],
            }
            for pid, qty in wanted.items():
                lines[pid]["quantity_shipped"] += qty
            order["shipments"].append(shipment)
            done = all(ln["quantity_shipped"] >= ln["quantity"] for ln in order["lines"])
            self._set_status(tx, order, SHIPPED if done else PARTIALLY_SHIPPED)
            order["date_shipped"] = tx.now
            tx.fire(
                "store/shipment/created",
                {"type": "shipment", "id": shipment["id"], "orderId": order_id},
            )
            self._touched(tx, order)
            return order, shipment

    def update_shipment(self, order_id: int, shipment_id: int, body: dict[str, Any]) -> Record:
        """`PUT /v2/orders/{id}/shipments/{shipment_id}`: tracking, provider, method, comments.

        Assumption: items are not changed by a PUT (the sandbox ignores `items`).

        Raises:
            ApiError: 404 unknown order or shipment, 400 an invalid field.
        """
        with self.transaction() as tx:
            order = self.order(order_id)
            shipment = next((s for s in order["shipments"] if s["id"] == shipment_id), None)
            if shipment is None:
                raise ApiError(404, "The requested resource was not found.")
            where = f"shipment {shipment_id} of order {order_id}"
            for name in (
                "tracking_number",
                "tracking_link",
                "tracking_carrier",
                "shipping_method",
                "comments",
            ):
                if name in body:
                    shipment[name] = _text(body, name, where)
            if "shipping_provider" in body:
                shipment["shipping_provider"] = _provider(body, where)
            tx.fire(
                "store/shipment/updated",
                {"type": "shipment", "id": shipment_id, "orderId": order_id},
            )
            self._touched(tx, order)
            return shipment
