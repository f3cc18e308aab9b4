"""Merchant actions of the Shift4Shop (3dcart) REST API v1 emulator, for tests and the demo.

What a merchant does in the store's admin (not through the REST API): re-save an order or change
its status, edit a customer, set stock or a price, take an order. Each is one transaction: it
stamps LastUpdate with the business clock and fires the matching webhook event (always, as the
admin saves even an unchanged value). Unknown ids raise `KeyError`; invalid field values
`ApiError` (400).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sandbox.seed import CENT, SeedCustomer, SeedLine, SeedTransaction
from sandbox.shift4shop.build import SHIPPING_METHOD_IDS
from sandbox.shift4shop.catalog import ORDER_STATUSES, render_product
from sandbox.shift4shop.catalog_writes import CatalogWrites
from sandbox.shift4shop.customer_writes import CustomerWrites
from sandbox.shift4shop.events import ORDER_NEW, PRODUCT_CHANGED, PRODUCT_STOCK_CHANGED
from sandbox.shift4shop.fields import number
from sandbox.shift4shop.order_writes import OrderWrites
from sandbox.shift4shop.render import render_order
from sandbox.shift4shop.state import Customer, Order, Shipment
from sandbox.shift4shop.txn import Tx

# Assumptions for `place_order` (the seed's middle method and the seed's tax rate).
NEW_ORDER_METHOD = "Standard Ground (3-5 business days)"
NEW_ORDER_SHIPPING = Decimal("5.99")
TAX_RATE = Decimal("0.07")


def _as_seed(customer: Customer, side: str) -> SeedCustomer:
    f = customer.fields
    return SeedCustomer(
        customer_id=customer.customer_id,
        email=customer.email,
        first_name=f[f"{side}FirstName"],
        last_name=f[f"{side}LastName"],
        company=f[f"{side}Company"],
        phone=f[f"{side}PhoneNumber"],
        address=f[f"{side}Address1"],
        address2=f[f"{side}Address2"],
        city=f[f"{side}City"],
        state=f[f"{side}State"],
        zip_code=f[f"{side}ZipCode"],
        country=f[f"{side}Country"],
        group_id=f["CustomerGroupID"],
        tax_exempt=f["NonTaxable"],
    )


class AdminHelpers(OrderWrites, CatalogWrites, CustomerWrites):
    """`touch_order`, `edit_customer`, `set_stock`, `set_price`, `place_order`."""

    def demo_activity(self) -> list[str]:
        """Between two demo runs: two processing orders ship, the first customer moves."""
        done: list[str] = []
        with self.lock:
            records = self.records()  # type: ignore[attr-defined]
            processing = [o["OrderID"] for o in records["Order"] if o["OrderStatusID"] == 2]
            customer = records["Customer"][0]["CustomerID"]
        for order_id in processing[:2]:
            self.touch_order(order_id, status_id=4)
            done.append(f"store shipped order {order_id}")
        self.edit_customer(customer, BillingAddress1=f"{len(done) + 7} Harbour Road")
        done.append(f"store customer {customer} moved")
        return done

    def touch_order(self, order_id: int, status_id: int | None = None) -> dict[str, Any]:
        """Re-save an order in the admin: LastUpdate := now; with `status_id`, set the status.

        With `status_id` it fires Order Status Changed (even for the current status); without,
        nothing fires (no event exists for other order edits).

        Returns:
            The order as the API now renders it.

        Raises:
            KeyError: unknown order. ValueError: unknown status id.
        """
        if status_id is not None and status_id not in ORDER_STATUSES:
            raise ValueError(f"unknown OrderStatusID {status_id}")
        with self.transaction() as tx:
            order = self.state.orders[order_id]
            order.last_update = tx.now
            if status_id is not None:
                self.set_order_status(order, status_id, tx, fire=True)
            return render_order(order, self.render_context)

    def edit_customer(self, customer_id: int, **fields: Any) -> dict[str, Any]:
        """Edit a customer in the admin (e.g. a new address); PascalCase Customer field names.

        Returns:
            The customer as the API now renders it.
        """
        with self.lock:
            if customer_id not in self.state.customers:
                raise KeyError(customer_id)
            return self.update_customer(customer_id, fields)

    def set_stock(
        self, catalog_id: int, stock: int, advanced_option_code: str | None = None
    ) -> dict[str, Any]:
        """Set SKUInfo.Stock, or a variant's AdvancedOptionStock (fires Product Stock Changed).

        Returns:
            The product as the API now renders it.
        """
        code = None if advanced_option_code is None else str(advanced_option_code)
        with self.transaction() as tx:
            product = self.write_stock(catalog_id, int(stock), code, tx)
            tx.fire(PRODUCT_STOCK_CHANGED, catalog_id)
            return render_product(product, self.render_context)

    def set_price(self, catalog_id: int, price: Decimal | float | str) -> dict[str, Any]:
        """Set SKUInfo.Price (fires Product Changed).

        Returns:
            The product as the API now renders it.
        """
        value = number()("price", price)
        with self.transaction() as tx:
            product = self.state.products[catalog_id]
            product.price, product.last_update = value, tx.now
            tx.fire(PRODUCT_CHANGED, catalog_id)
            return render_product(product, self.render_context)

    def _sold_line(self, sku: str, quantity: int) -> SeedLine:
        """A new order line for `sku` (a product's or a variant's); takes the stock."""
        for p in self.state.products.values():
            variant = next((v for v in p.variants if v.sku == sku), None)
            if p.sku != sku and variant is None:
                continue
            # Assumption: a sale takes stock from the product and the variant, and fires no
            # Product Stock Changed (only the order event).
            p.stock -= quantity
            option_price, option, text = Decimal("0.00"), None, p.description
            if variant is not None:
                variant.stock -= quantity
                option_price = variant.price - p.price
                option = (variant.option_name, variant.option_value)
                text = f"{p.description}<br/><b>{option[0]}:</b> {option[1]}"
            return SeedLine(
                line_id=self.state.next_id("line"),
                catalog_id=p.catalog_id,
                sku=sku,
                name=p.name,
                quantity=quantity,
                unit_price=p.price,
                option_price=option_price,
                option=option,
                description=text,
            )
        raise KeyError(sku)

    def place_order(
        self, customer_id: int, items: Sequence[tuple[str, int]], status_id: int = 1
    ) -> dict[str, Any]:
        """A shopper checks out (fires Order New): lines by SKU, an unshipped ship-to
        (ShipmentID 0), 7% tax unless NonTaxable, an Authorize for the total.

        Args:
            customer_id: a registered customer.
            items: (SKU or variant SKU, quantity) pairs.
            status_id: the new order's status (1 New).

        Returns:
            The order as the API renders it.
        """
        with self.transaction() as tx:
            customer = self.state.customers[customer_id]
            products = self.state.products.values()
            known = {p.sku for p in products} | {v.sku for p in products for v in p.variants}
            missing = [sku for sku, _ in items if sku not in known]
            if missing:  # before any stock is taken
                raise KeyError(missing[0])
            order = self._new_order(customer, [self._sold_line(s, q) for s, q in items], tx)
            order.status_id = order.shipments[0].status_id = status_id
            self.state.orders[order.order_id] = order
            tx.fire(ORDER_NEW, order.order_id)
            return render_order(order, self.render_context)

    def _new_order(self, customer: Customer, lines: list[SeedLine], tx: Tx) -> Order:
        buyer, ship_to = _as_seed(customer, "Billing"), _as_seed(customer, "Shipping")
        subtotal = sum((ln.price * ln.quantity for ln in lines), Decimal("0.00"))
        tax = Decimal("0.00") if buyer.tax_exempt else (subtotal * TAX_RATE).quantize(CENT)
        order_id = self.state.next_id("order")
        placeholder = Shipment(
            shipment_id=0,
            line_ids=[ln.line_id for ln in lines],
            method_id=SHIPPING_METHOD_IDS[NEW_ORDER_METHOD],
            method_name=NEW_ORDER_METHOD,
            cost=NEW_ORDER_SHIPPING,
            status_id=1,
            last_update=tx.now,
            recipient=None if ship_to == buyer else ship_to,
        )
        order = Order(
            order_id=order_id,
            invoice_number=self.state.next_id("invoice"),
            customer=buyer,
            order_date=tx.now,
            last_update=tx.now,
            status_id=1,
            lines=lines,
            shipping=NEW_ORDER_SHIPPING,
            tax=tax,
            invoice_prefix="WEB-",
            shipments=[placeholder],
        )
        index = self.state.next_id("transaction")
        order.transactions.append(SeedTransaction(index, "Authorize", order.total, tx.now))
        return order
