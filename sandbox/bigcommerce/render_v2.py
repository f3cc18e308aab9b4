"""V2 JSON shapes of the BigCommerce emulator (orders and their sub-resources).

Follows the `order_Resp`, `orderProducts`, `orderShippingAddress`, `orderShipment`,
`orderCoupons_Base`, `orderStatus_Base` and `orderConsignment_Get` schemas of
`reference/orders.v2.oas2.yml`: money as strings with 4 decimals, dates RFC 2822 in UTC (`+0000`),
sub-resources as `{url, resource}` links. The consignments' `base_cost`/`cost_*` are numbers there
(unlike `/shipping_addresses`, where they are strings) and are rendered so. Pure functions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from sandbox.bigcommerce.constants import ORDER_STATUSES, STATUS_NAMES
from sandbox.bigcommerce.render_lines import (
    ZERO,
    address,
    address_counts,
    link,
    money,
    render_consignments,
)
from sandbox.bigcommerce.state import Record


def rfc2822(value: dt.datetime | None) -> str:
    """A V2 date (`"Wed, 10 Jan 2018 21:05:30 +0000"`); "" when unset (as `date_shipped`)."""
    if value is None:
        return ""
    return format_datetime(value.astimezone(dt.UTC).replace(tzinfo=dt.UTC))


def subtotal(order: Record) -> Decimal:
    """Sum of the lines (unit price times quantity)."""
    return sum((ln["base_price"] * ln["quantity"] for ln in order["lines"]), ZERO)


def total(order: Record) -> Decimal:
    """Grand total: lines + shipping + tax - discounts."""
    return (
        subtotal(order)
        + order["shipping_cost"]
        + order["tax"]
        - order["coupon_discount"]
        - order["discount_amount"]
    )


def payment_status(order: Record) -> str:
    """`payment_status` from the transactions (assumption: the last event decides)."""
    events = [t["event"] for t in order["transactions"] if t["status"] == "ok"]
    if not events:
        return "pending" if order["status_id"] else ""
    if "refund" in events:
        return "refunded"
    if "capture" in events or "purchase" in events:
        return "captured"
    return "authorized"


def render_shipping_address(order: Record, a: Record, root: str) -> dict[str, Any]:
    """One `/orders/{id}/shipping_addresses` element (`orderShippingAddress`)."""
    items, shipped = address_counts(order, a["id"])
    quotes = f"/orders/{order['id']}/shipping_addresses/{a['id']}/shipping_quotes"
    return {
        "id": a["id"],
        "order_id": order["id"],
        **address(a),
        "items_total": items,
        "items_shipped": shipped,
        "shipping_method": a["shipping_method"],
        "base_cost": money(a["base_cost"]),
        "cost_ex_tax": money(a["base_cost"]),
        "cost_inc_tax": money(a["base_cost"]),
        "cost_tax": money(ZERO),
        "cost_tax_class_id": 0,
        "base_handling_cost": money(ZERO),
        "handling_cost_ex_tax": money(ZERO),
        "handling_cost_inc_tax": money(ZERO),
        "handling_cost_tax": money(ZERO),
        "handling_cost_tax_class_id": 0,
        "shipping_zone_id": 1,
        "shipping_zone_name": "Sandbox zone",
        "shipping_quotes": link(root, quotes),
        "form_fields": [],
    }


def render_order(
    order: Record, root: str, *, consignments: str = "", fees: bool = False
) -> dict[str, Any]:
    """One order (`order_Resp`).

    Args:
        order: the order record.
        root: the V2 root URL (`https://host/stores/{hash}/v2`) for sub-resource links.
        consignments: "" (a link), "consignments" or "consignments.line_items" (embedded).
        fees: embed `fees` (the sandbox's orders have none: an empty list) instead of a link.
    """
    oid, sub, tax = order["id"], subtotal(order), order["tax"]
    grand = total(order)
    shipping = order["shipping_cost"]
    items = sum(ln["quantity"] for ln in order["lines"])
    shipped = sum(ln["quantity_shipped"] for ln in order["lines"])
    refunded = sum((t["amount"] for t in order["transactions"] if t["event"] == "refund"), ZERO)
    zero = money(ZERO)
    body: dict[str, Any] = {
        "id": oid,
        "customer_id": order["customer_id"],
        "date_created": rfc2822(order["date_created"]),
        "date_modified": rfc2822(order["date_modified"]),
        "date_shipped": rfc2822(order["date_shipped"]),
        "status_id": order["status_id"],
        "status": STATUS_NAMES[order["status_id"]],
        "custom_status": STATUS_NAMES[order["status_id"]],
        "subtotal_ex_tax": money(sub),
        "subtotal_inc_tax": money(sub + tax),
        "subtotal_tax": money(tax),
        "base_shipping_cost": money(shipping),
        "shipping_cost_ex_tax": money(shipping),
        "shipping_cost_inc_tax": money(shipping),
        "shipping_cost_tax": zero,
        "shipping_cost_tax_class_id": 0,
        "base_handling_cost": zero,
        "handling_cost_ex_tax": zero,
        "handling_cost_inc_tax": zero,
        "handling_cost_tax": zero,
        "handling_cost_tax_class_id": 0,
        "base_wrapping_cost": zero,
        "wrapping_cost_ex_tax": zero,
        "wrapping_cost_inc_tax": zero,
        "wrapping_cost_tax": zero,
        "wrapping_cost_tax_class_id": 0,
        "total_ex_tax": money(grand - tax),
        "total_inc_tax": money(grand),
        "total_tax": money(tax),
        "is_tax_inclusive_pricing": False,
        "items_total": items,
        "items_shipped": shipped,
        "payment_method": order["payment_method"],
        "payment_provider_id": "",
        "payment_status": payment_status(order),
        "refunded_amount": money(refunded),
        "order_is_digital": False,
        "store_credit_amount": zero,
        "gift_certificate_amount": zero,
        "ip_address": "",
        "ip_address_v6": "",
        "geoip_country": "",
        "geoip_country_iso2": "",
        "currency_id": 1,
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": "USD",
        "store_default_currency_code": "USD",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": order["staff_notes"],
        "customer_message": order["customer_message"],
        "discount_amount": money(order["discount_amount"]),
        "coupon_discount": money(order["coupon_discount"]),
        "shipping_address_count": len(order["addresses"]),
        "is_deleted": order["is_deleted"],
        "is_email_opt_in": False,
        "order_source": "www",
        "channel_id": 1,
        "external_source": None,
        "external_id": None,
        "external_merchant_id": None,
        "external_order_id": "",
        "ebay_order_id": "0",
        "tax_provider_id": "BasicTaxProvider",
        "customer_locale": "en",
        "billing_address": {**address(order["billing"]), "form_fields": []},
        "products": link(root, f"/orders/{oid}/products"),
        "shipping_addresses": link(root, f"/orders/{oid}/shipping_addresses"),
        "coupons": link(root, f"/orders/{oid}/coupons"),
    }
    if consignments:
        body["consignments"] = render_consignments(
            order, root, consignments == "consignments.line_items"
        )
    else:
        body["consignments"] = link(root, f"/orders/{oid}/consignments")
    body["fees"] = [] if fees else link(root, f"/orders/{oid}/fees")
    return body


def render_shipment(order: Record, s: Record) -> dict[str, Any]:
    """One `/orders/{id}/shipments` element (`orderShipment`)."""
    ship_to = next((a for a in order["addresses"] if a["id"] == s["order_address_id"]), None)
    provider = s["shipping_provider"]
    return {
        "id": s["id"],
        "order_id": order["id"],
        "customer_id": order["customer_id"],
        "order_address_id": s["order_address_id"],
        "date_created": rfc2822(s["date_created"]),
        "tracking_number": s["tracking_number"],
        "merchant_shipping_cost": money(s["merchant_shipping_cost"]),
        "shipping_method": s["shipping_method"],
        "comments": s["comments"],
        "shipping_provider": provider,
        "tracking_carrier": s["tracking_carrier"],
        "tracking_link": s.get("tracking_link", ""),
        "billing_address": address(order["billing"]),
        "shipping_address": address(ship_to) if ship_to else {},
        "items": [dict(item) for item in s["items"]],
        "shipping_provider_display_name": provider.upper() if provider else "",
        "generated_tracking_link": "",
    }


def render_coupon(order: Record, c: Record) -> dict[str, Any]:
    """One `/orders/{id}/coupons` element (`orderCoupons_Base`)."""
    return {
        "id": c["id"],
        "coupon_id": c["coupon_id"],
        "order_id": order["id"],
        "code": c["code"],
        "amount": money(c["amount"]),
        "type": c["type"],
        "discount": c["discount"],
    }


def render_status(status_id: int, name: str, description: str) -> dict[str, Any]:
    """One `/order_statuses` element (`orderStatus_Base` plus the sample's `order`)."""
    return {
        "id": status_id,
        "name": name,
        "system_label": name,
        "custom_label": name,
        "system_description": description,
    }


def render_statuses() -> list[dict[str, Any]]:
    """`GET /order_statuses` (sorted by id, with the sample's `order` key)."""
    return [{**render_status(i, n, d), "order": s} for i, n, d, s in ORDER_STATUSES]


def render_count(orders: list[Record]) -> dict[str, Any]:
    """`GET /orders/count` (`ordersCount_Full`): per status and in all."""
    statuses = []
    for status_id, name, description, sort in sorted(ORDER_STATUSES, key=lambda s: s[3]):
        n = sum(1 for o in orders if o["status_id"] == status_id)
        statuses.append(
            {**render_status(status_id, name, description), "count": n, "sort_order": sort}
        )
    return {"statuses": statuses, "count": len(orders)}
