"""The Shift4Shop (3dcart) REST API v1 emulator's initial state, built from the seed world."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandbox.seed import SeedCustomer, SeedOrder, SeedProduct, SeedShipment, SeedWorld
from sandbox.seed import current as current_customer
from sandbox.shift4shop.state import Customer, Order, Product, Shipment, StoreState, Variant

# Seed customers and products carry no timestamps and the Customer object has no LastUpdate field
# (sample and schema), yet `lastupdatestart/end` filter both lists. Assumption: a deterministic
# hidden "last update" spread before the order window (customers every 6 h, products every hour);
# a customer who moved house was last updated when they moved.
CUSTOMER_EPOCH_DAYS = 30
CUSTOMER_STEP = dt.timedelta(hours=6)
PRODUCT_EPOCH_DAYS = 60
PRODUCT_STEP = dt.timedelta(hours=1)
SHIPPED = 4
PROCESSING = 2
# Assumption (the seed has a method name, no method id): ids by the seed's method names.
SHIPPING_METHOD_IDS = {
    "Free Shipping": 1,
    "Standard Ground (3-5 business days)": 2,
    "Expedited (1-2 business days)": 3,
}


def customer_fields(c: SeedCustomer) -> dict[str, Any]:
    """The Customer object's fields for seed customer `c` (billing = shipping address).

    Args:
        c: the customer as the store holds it.
    """
    address = {
        "Company": c.company,
        "FirstName": c.first_name,
        "LastName": c.last_name,
        "Address1": c.address,
        "Address2": c.address2,
        "City": c.city,
        "State": c.state,
        "ZipCode": c.zip_code,
        "Country": c.country,
        "PhoneNumber": c.phone,
    }
    return {
        "CustomerID": c.customer_id,
        "Email": c.email,
        **{f"Billing{k}": v for k, v in address.items()},
        "BillingTaxID": None,
        **{f"Shipping{k}": v for k, v in address.items()},
        "ShippingAddressType": 0,
        "CustomerGroupID": c.group_id,
        "Enabled": True,
        "MailList": False,
        "NonTaxable": c.tax_exempt,
        "DisableBillingSameAsShipping": False,
        "Comments": "",
        "AdditionalField1": "",
        "AdditionalField2": "",
        "AdditionalField3": "",
    }


def _product(p: SeedProduct, last_update: dt.datetime, created: dt.datetime) -> Product:
    variants = [
        Variant(
            code=v.code,
            sku=v.sku,
            # Assumption: "Size: XS" (the capture's names are merchant text, "(XS) X-Small: 32.5").
            name=f"{v.option_name}: {v.option_value}",
            option_name=v.option_name,
            option_value=v.option_value,
            price=v.price,
            cost=p.cost,  # Assumption: the seed has no per-variant cost
            stock=v.stock,
            weight=p.weight,
            gtin=v.gtin,
        )
        for v in p.variants
    ]
    return Product(
        catalog_id=p.catalog_id,
        sku=p.sku,
        name=p.name,
        price=p.price,
        cost=p.cost,
        retail_price=p.price,
        sale_price=p.price,
        stock=p.stock,
        last_update=last_update,
        date_created=created,
        description=p.description,
        short_description=p.name,
        gtin=p.gtin,
        weight=p.weight,
        mfgid=p.sku,
        variants=variants,
    )


def _shipment_status(order_status: int, shipped: bool) -> int:
    # Assumption: a shipped ship-to says Shipped; the rest of a partially shipped order is still
    # Processing; otherwise a ship-to carries the order's status.
    if shipped:
        return SHIPPED
    return PROCESSING if order_status in (3, SHIPPED) else order_status


def _shipment(o: SeedOrder, s: SeedShipment, products: dict[int, Product]) -> Shipment:
    quantities = {ln.line_id: (ln.catalog_id, ln.quantity) for ln in o.lines}
    carried = [quantities[i] for i in s.line_ids if i in quantities]
    # Assumption: a ship-to weighs what its lines weigh (quantity times product weight).
    weight = sum((products[c].weight * n for c, n in carried if c in products), Decimal("0"))
    return Shipment(
        shipment_id=s.shipment_id,
        line_ids=list(s.line_ids),
        method_id=SHIPPING_METHOD_IDS.get(s.method, 0),
        method_name=s.method,
        cost=s.cost,
        status_id=_shipment_status(o.status_id, s.shipped_at is not None),
        last_update=o.last_update,
        weight=weight,
        carrier=s.carrier,
        tracking=s.tracking,
        shipped_at=s.shipped_at,
        recipient=s.recipient,
    )


def _order(o: SeedOrder, products: dict[int, Product]) -> Order:
    shipped = [s.shipped_at for s in o.shipments if s.shipped_at is not None]
    return Order(
        order_id=o.order_id,
        invoice_number=o.invoice_number,
        customer=o.customer,
        order_date=o.order_date,
        last_update=o.last_update,
        status_id=o.status_id,
        lines=list(o.lines),
        shipping=o.shipping,
        tax=o.tax,
        invoice_prefix=o.invoice_prefix,
        coupon=o.coupon,
        discount=o.discount,
        shipments=[_shipment(o, s, products) for s in o.shipments],
        transactions=list(o.transactions),
        shipped_at=max(shipped) if shipped else None,
    )


def build_state(world: SeedWorld) -> StoreState:
    """The store's state at the start, from the seed world.

    Args:
        world: the deterministic seed world shared by all emulators.
    """
    state = StoreState()
    start = world.anchor - dt.timedelta(days=world.config.days)
    product_epoch = start - dt.timedelta(days=PRODUCT_EPOCH_DAYS)
    for p in world.products:
        changed = product_epoch + PRODUCT_STEP * p.catalog_id
        state.products[p.catalog_id] = _product(p, changed, product_epoch)
    state.orders = {o.order_id: _order(o, state.products) for o in world.orders}
    customer_epoch = start - dt.timedelta(days=CUSTOMER_EPOCH_DAYS)
    moves = [ch for ch in world.address_changes if ch.at <= world.anchor]
    moved = {ch.customer.customer_id: ch.at for ch in sorted(moves, key=lambda ch: ch.at)}
    for c in world.customers:
        changed = moved.get(c.customer_id, customer_epoch + CUSTOMER_STEP * c.customer_id)
        state.customers[c.customer_id] = Customer(
            customer_fields(current_customer(world, c)), changed
        )
    shipment_ids = [s.shipment_id for o in state.orders.values() for s in o.shipments]
    state.sequences = {
        "catalog": max(state.products, default=0),
        "customer": max(state.customers, default=0),
        "order": max(state.orders, default=0),
        "invoice": max((o.invoice_number for o in state.orders.values()), default=0),
        "line": max((ln.line_id for o in world.orders for ln in o.lines), default=0),
        "shipment": max(shipment_ids, default=0),
        "transaction": max((t.index_id for o in world.orders for t in o.transactions), default=0),
        "webhook": 0,
    }
    return state
