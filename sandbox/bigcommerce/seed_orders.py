"""Seed orders as BigCommerce V2 orders: ship-tos, lines, shipments, coupons, transactions.

A seed order's ship-tos become its shipping addresses (an order without any, the seed's "pickup",
ships to the billing address: assumption), its lines order products on the address that carries
them (an unknown SKU: `product_id` 0), its shipped ship-tos shipments, its coupon an order coupon
(SAVE10: type 1 percentage, FREESHIP: type 4 free shipping), its payments V3 transactions.
Statuses map by `constants.STATUS_FROM_SEED`. Tax is carried at order level (`total_tax`); line
prices are ex tax with `price_tax` 0.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.bigcommerce.constants import SHIPPED, STATUS_FROM_SEED
from sandbox.bigcommerce.state import Record, StoreState
from sandbox.seed import SeedCustomer, SeedOrder

ORDER_ID_OFFSET = -900
# Coupons the seed uses: BigCommerce coupon id, type (1 percentage, 4 free shipping), amount.
COUPONS: dict[str, tuple[int, int, Decimal]] = {
    "SAVE10": (1, 1, Decimal("10")),
    "FREESHIP": (2, 4, Decimal("0")),
}
# Seed TransactionType -> V3 transaction `event`.
TRANSACTION_EVENTS = {
    "Sale": "purchase",
    "Authorize": "authorization",
    "Capture": "capture",
    "Refund": "refund",
}
PROVIDERS = {"USPS": "usps", "UPS": "ups", "FedEx": "fedex"}


def order_id(seed_order_id: int) -> int:
    """The BigCommerce order id of seed order `seed_order_id`."""
    return seed_order_id + ORDER_ID_OFFSET


def address_of(c: SeedCustomer) -> Record:
    """A V2 address block (billing/shipping) of shopper `c`."""
    return {
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": c.company,
        "street_1": c.address,
        "street_2": c.address2,
        "city": c.city,
        "state": c.state,
        "zip": c.zip_code,
        "country_iso2": c.country,
        "phone": c.phone,
        "email": c.email,
    }


def seed_order(state: StoreState, o: SeedOrder) -> Record:
    """The V2 order record of seed order `o` (ids from the state's sequences)."""
    skus = state.sku_index()
    oid = order_id(o.order_id)
    ship_tos = o.shipments or ()
    addresses: list[Record] = []
    line_address: dict[int, int] = {}
    for s in ship_tos:
        aid = state.next_id("order_address")
        recipient = s.recipient or o.customer
        addresses.append(
            {"id": aid, **address_of(recipient), "shipping_method": s.method, "base_cost": s.cost}
        )
        line_address.update({line_id: aid for line_id in s.line_ids})
    if not addresses:  # the seed's "pickup": ships to the billing address (assumption)
        aid = state.next_id("order_address")
        addresses.append(
            {
                "id": aid,
                **address_of(o.customer),
                "shipping_method": "Free Shipping",
                "base_cost": Decimal("0.00"),
            }
        )
    lines: list[Record] = []
    line_ids: dict[int, int] = {}
    for ln in o.lines:
        lid = state.next_id("order_product")
        line_ids[ln.line_id] = lid
        variant = skus.get(ln.sku)
        options = []
        if ln.option is not None and variant is not None:
            value = variant["option_values"][0]
            options.append(
                {
                    "id": state.next_id("order_option"),
                    "option_id": value["option_id"],
                    "product_option_id": value["option_id"],
                    "display_name": ln.option[0],
                    "display_value": ln.option[1],
                    "value": str(value["id"]),
                }
            )
        lines.append(
            {
                "id": lid,
                "product_id": variant["product_id"] if variant else 0,
                "variant_id": variant["id"] if variant else 0,
                "order_address_id": line_address.get(ln.line_id, addresses[0]["id"]),
                "name": ln.name,
                "sku": ln.sku,
                "base_price": ln.price,
                "quantity": ln.quantity,
                "quantity_shipped": 0,
                "options": options,
            }
        )
    by_id = {ln["id"]: ln for ln in lines}
    shipments = []
    for s, address in zip(ship_tos, addresses, strict=False):
        if s.shipped_at is None:
            continue
        items = []
        for seed_line in s.line_ids:
            line = by_id[line_ids[seed_line]]
            line["quantity_shipped"] = line["quantity"]
            items.append(
                {
                    "order_product_id": line["id"],
                    "product_id": line["product_id"],
                    "quantity": line["quantity"],
                }
            )
        shipments.append(
            {
                "id": state.next_id("shipment"),
                "order_address_id": address["id"],
                "date_created": s.shipped_at,
                "tracking_number": s.tracking,
                "shipping_provider": PROVIDERS.get(s.carrier, ""),
                "tracking_carrier": "",
                "shipping_method": s.method,
                "comments": "",
                "items": items,
                "merchant_shipping_cost": Decimal("0"),
            }
        )
    coupons = []
    if o.coupon:
        coupon_id, kind, amount = COUPONS.get(o.coupon, (9, 2, o.discount))
        coupons.append(
            {
                "id": state.next_id("order_coupon"),
                "coupon_id": coupon_id,
                "code": o.coupon,
                "amount": amount,
                "type": kind,
                "discount": o.discount,
            }
        )
    transactions = [
        {
            "id": state.next_id("transaction"),
            "event": TRANSACTION_EVENTS.get(t.kind, "purchase"),
            "amount": t.amount,
            "status": "ok" if t.approved else "error",
            "date_created": t.at,
            "gateway_transaction_id": f"sbx-{t.index_id}",
        }
        for t in o.transactions
    ]
    shipped = [s["date_created"] for s in shipments]
    status = STATUS_FROM_SEED.get(o.status_id, o.status_id)
    return {
        "id": oid,
        "customer_id": o.customer.customer_id,
        "billing": address_of(o.customer),
        "date_created": o.order_date,
        "date_modified": o.last_update,
        "date_shipped": max(shipped) if shipped and status == SHIPPED else None,
        "status_id": status,
        "lines": lines,
        "addresses": addresses,
        "shipments": shipments,
        "coupons": coupons,
        "transactions": transactions,
        "shipping_cost": o.shipping,
        "tax": o.tax,
        "coupon_discount": o.discount if o.coupon else Decimal("0"),
        "discount_amount": Decimal("0") if o.coupon else o.discount,
        "payment_method": "Credit Card" if o.transactions else "",
        "staff_notes": "",
        "customer_message": "",
        "is_deleted": False,
    }
