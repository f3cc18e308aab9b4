"""Merchant actions of the BigCommerce emulator, for tests and the demo.

What a merchant does in the control panel (not through the API): re-save an order or change its
status, ship it, edit a customer, set stock or a price, take an order. Each is one transaction
under `self.lock`: stamped with the business clock and firing the same webhooks as the API write
would (always, even for an unchanged value, as the control panel saves). Unknown ids raise
`ApiError` (404).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.constants import AWAITING_FULFILLMENT
from sandbox.bigcommerce.customer_ops import ADDRESS_TEXT, CUSTOMER_TEXT, CustomerOps
from sandbox.bigcommerce.hooks import HookOps
from sandbox.bigcommerce.inventory_ops import InventoryOps
from sandbox.bigcommerce.order_ops import OrderOps
from sandbox.bigcommerce.seed_orders import address_of
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.web import ApiError
from sandbox.seed import CENT, SeedCustomer

# Assumptions for `place_order`: the seed's middle shipping method and its tax rate.
NEW_ORDER_METHOD = "Standard Ground (3-5 business days)"
NEW_ORDER_SHIPPING = Decimal("5.99")
TAX_RATE = Decimal("0.07")


class MerchantHelpers(OrderOps, CustomerOps, InventoryOps, HookOps):
    """`touch_order`, `ship_order`, `edit_customer`, `set_stock`, `set_price`, `place_order`,
    `demo_activity`, `fire_event`."""

    def touch_order(self, order_id: int, status_id: int | None = None) -> None:
        """Re-save an order (optionally with a new status): `date_modified` moves, hooks fire."""
        with self.transaction() as tx:
            order = self.order(order_id)
            if status_id is not None:
                self._set_status(tx, order, status_id)
            self._touched(tx, order)

    def ship_order(
        self, order_id: int, tracking: str = "1ZSANDBOX0001", provider: str = "ups"
    ) -> list[int]:
        """Ship what is left of every ship-to (one shipment each); the new shipment ids."""
        with self.transaction():
            order = self.order(order_id)
            out = []
            for a in order["addresses"]:
                items = [
                    {
                        "order_product_id": ln["id"],
                        "quantity": ln["quantity"] - ln["quantity_shipped"],
                    }
                    for ln in order["lines"]
                    if ln["order_address_id"] == a["id"] and ln["quantity"] > ln["quantity_shipped"]
                ]
                if items:
                    body = {
                        "order_address_id": a["id"],
                        "items": items,
                        "tracking_number": tracking,
                        "shipping_provider": provider,
                    }
                    out.append(self.add_shipment(order_id, body)[1]["id"])
            return out

    def edit_customer(self, customer_id: int, **fields: Any) -> None:
        """Edit a customer: its own fields (`first_name`, `phone`, ...) and, for address fields
        (`address1`, `city`, `postal_code`, ...), its first address."""
        with self.transaction() as tx:
            customer = self.state.customers.get(customer_id)
            if customer is None:
                raise ApiError(404, "The requested customer was not found.")
            unknown = set(fields) - set(CUSTOMER_TEXT) - set(ADDRESS_TEXT)
            if unknown:
                raise ApiError(
                    422, "Unknown customer fields.", {f: "unknown" for f in sorted(unknown)}
                )
            address_fields = {
                k: v for k, v in fields.items() if k in ADDRESS_TEXT and k not in CUSTOMER_TEXT
            }
            own = {k: v for k, v in fields.items() if k in CUSTOMER_TEXT}
            customer.update(own)
            if address_fields and customer["addresses"]:
                address = customer["addresses"][0]
                address.update(address_fields)
                tx.fire(
                    "store/customer/address/updated",
                    {
                        "type": "customer",
                        "id": address["id"],
                        "address": {"customer_id": customer_id},
                    },
                )
            customer["date_modified"] = tx.now
            tx.fire("store/customer/updated", {"type": "customer", "id": customer_id})

    def set_stock(self, sku: str, quantity: int, location_id: int = 1) -> None:
        """Set the stock on hand of `sku` at a location (an absolute adjustment)."""
        self.adjust_inventory(
            {
                "reason": "merchant",
                "items": [{"location_id": location_id, "sku": sku, "quantity": quantity}],
            },
            relative=False,
        )

    def set_price(self, product_id: int, price: Decimal) -> None:
        """Set a product's price."""
        with self.transaction() as tx:
            product = self.product(product_id)
            product["price"] = Decimal(price)
            product["date_modified"] = tx.now
            tx.fire("store/product/updated", {"type": "product", "id": product_id})

    def place_order(
        self,
        customer: SeedCustomer,
        lines: Sequence[tuple[str, int]],
        status_id: int = AWAITING_FULFILLMENT,
    ) -> int:
        """A new order of `lines` ((sku, quantity)) by `customer` (id 0: a guest); its id.

        Prices from the catalogue (the variant's, else the product's); one ship-to, the
        customer's address; seed-like shipping and 7 % tax; one captured payment.
        """
        with self.transaction() as tx:
            skus = self.state.sku_index()
            oid = self.state.next_id("order")
            aid = self.state.next_id("order_address")
            rows: list[Record] = []
            for sku, quantity in lines:
                variant = skus.get(sku)
                if variant is None:
                    raise ApiError(422, "Unknown SKU in the order.", {"lines": "unknown sku"})
                product = self.state.products[variant["product_id"]]
                rows.append(
                    {
                        "id": self.state.next_id("order_product"),
                        "product_id": product["id"],
                        "variant_id": variant["id"],
                        "order_address_id": aid,
                        "name": product["name"],
                        "sku": sku,
                        "base_price": variant["price"] or product["price"],
                        "quantity": quantity,
                        "quantity_shipped": 0,
                        "options": [],
                    }
                )
            subtotal = sum((r["base_price"] * r["quantity"] for r in rows), Decimal("0"))
            tax = (subtotal * TAX_RATE).quantize(CENT)
            total = subtotal + NEW_ORDER_SHIPPING + tax
            self.state.orders[oid] = {
                "id": oid,
                "customer_id": customer.customer_id,
                "billing": address_of(customer),
                "date_created": tx.now,
                "date_modified": tx.now,
                "date_shipped": None,
                "status_id": status_id,
                "lines": rows,
                "addresses": [
                    {
                        "id": aid,
                        **address_of(customer),
                        "shipping_method": NEW_ORDER_METHOD,
                        "base_cost": NEW_ORDER_SHIPPING,
                    }
                ],
                "shipments": [],
                "coupons": [],
                "transactions": [
                    {
                        "id": self.state.next_id("transaction"),
                        "event": "purchase",
                        "amount": total,
                        "status": "ok",
                        "date_created": tx.now,
                        "gateway_transaction_id": f"sbx-new-{oid}",
                    }
                ],
                "shipping_cost": NEW_ORDER_SHIPPING,
                "tax": tax,
                "coupon_discount": Decimal("0"),
                "discount_amount": Decimal("0"),
                "payment_method": "Credit Card",
                "staff_notes": "",
                "customer_message": "",
                "is_deleted": False,
            }
            tx.fire("store/order/created", {"type": "order", "id": oid})
            return oid

    def demo_activity(self) -> list[str]:
        """Between two demo runs: two orders awaiting fulfilment ship, the first customer moves."""
        done: list[str] = []
        with self.lock:
            waiting = [
                o["id"]
                for _, o in sorted(self.state.orders.items())
                if o["status_id"] == AWAITING_FULFILLMENT and not o["is_deleted"]
            ]
            customer = min(self.state.customers, default=None)
        for order_id in waiting[:2]:
            self.ship_order(order_id, tracking=f"1ZDEMO{order_id:08d}")
            done.append(f"store shipped order {order_id}")
        if customer is not None:
            self.edit_customer(customer, address1=f"{len(done) + 7} Harbour Road")
            done.append(f"store customer {customer} moved")
        return done

    def fire_event(
        self, scope: str, resource_id: int, count: int, distinct: bool, data: dict[str, Any] | None
    ) -> int:
        """Fire `scope` for a resource `count` times (admin burst); the number of events."""
        payload = data or _light(scope, resource_id)
        with self.lock:
            from sandbox.bigcommerce.txn import scope_matches

            hooks = [
                dict(h)
                for _, h in sorted(self.state.hooks.items())
                if h["is_active"] and scope_matches(h["scope"], scope)
            ]
            now = self.now()
        if not hooks:
            return 0
        sender = self.webhook_sender
        if distinct:
            sender.enqueue([sender.event(scope, payload, now, hooks) for _ in range(count)])
            return count
        sender.enqueue([sender.event(scope, payload, now, hooks)], copies=count)
        return 1


def _light(scope: str, resource_id: int) -> dict[str, Any]:
    kind = scope.split("/")[1] if scope.count("/") >= 2 else "store"
    return {"type": kind, "id": resource_id}
