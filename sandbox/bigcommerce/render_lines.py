"""V2 order lines, ship-to addresses and consignments of the BigCommerce emulator (pure).

`orderProducts` forbids keys it does not list (`additionalProperties: false`), so a line carries
exactly its fields. In consignments (`consignment_structure=object`) the costs are JSON numbers,
unlike `/shipping_addresses` where they are strings (both as the spec types them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.constants import COUNTRIES
from sandbox.bigcommerce.state import Record

ZERO = Decimal("0")


def money(value: Decimal | None) -> str:
    """A V2 money string: `Decimal("225")` -> `"225.0000"`."""
    return f"{(value or ZERO):.4f}"


def link(root: str, path: str) -> dict[str, str]:
    return {"url": f"{root}{path}", "resource": path}


def address(a: Record) -> dict[str, Any]:
    iso = a.get("country_iso2", "")
    return {
        "first_name": a["first_name"],
        "last_name": a["last_name"],
        "company": a["company"],
        "street_1": a["street_1"],
        "street_2": a["street_2"],
        "city": a["city"],
        "state": a["state"],
        "zip": a["zip"],
        "country": COUNTRIES.get(iso, iso),
        "country_iso2": iso,
        "phone": a["phone"],
        "email": a["email"],
    }


def render_line(order: Record, ln: Record) -> dict[str, Any]:
    """One `/orders/{id}/products` element (`orderProducts`: no other keys are allowed)."""
    price, qty = ln["base_price"], ln["quantity"]
    line_total = price * qty
    return {
        "id": ln["id"],
        "order_id": order["id"],
        "product_id": ln["product_id"],
        "variant_id": ln["variant_id"],
        "order_address_id": ln["order_address_id"],
        "name": ln["name"],
        "name_customer": ln["name"],
        "name_merchant": ln["name"],
        "sku": ln["sku"],
        "upc": "",
        "type": "physical",
        "base_price": money(price),
        "price_ex_tax": money(price),
        "price_inc_tax": money(price),
        "price_tax": money(ZERO),
        "base_total": money(line_total),
        "total_ex_tax": money(line_total),
        "total_inc_tax": money(line_total),
        "total_tax": money(ZERO),
        "weight": "1.0000",
        "width": "0.0000",
        "height": "0.0000",
        "depth": "0.0000",
        "quantity": qty,
        "base_cost_price": money(ZERO),
        "cost_price_inc_tax": money(ZERO),
        "cost_price_ex_tax": money(ZERO),
        "cost_price_tax": money(ZERO),
        "is_refunded": False,
        "quantity_refunded": 0,
        "refund_amount": money(ZERO),
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": "",
        "base_wrapping_cost": money(ZERO),
        "wrapping_cost_ex_tax": money(ZERO),
        "wrapping_cost_inc_tax": money(ZERO),
        "wrapping_cost_tax": money(ZERO),
        "wrapping_message": "",
        "quantity_shipped": ln["quantity_shipped"],
        "event_name": None,
        "event_date": None,
        "fixed_shipping_cost": money(ZERO),
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": "",
        "external_id": None,
        "brand": "",
        "applied_discounts": [],
        "product_options": [
            {
                **opt,
                "order_product_id": ln["id"],
                "type": "Multiple choice",
                "name": opt["display_name"],
                "display_style": "Rectangle",
                "display_name_customer": opt["display_name"],
                "display_name_merchant": opt["display_name"],
                "display_value_customer": opt["display_value"],
                "display_value_merchant": opt["display_value"],
            }
            for opt in ln["options"]
        ],
        "configurable_fields": [],
        "gift_certificate_id": None,
        "discounted_total_inc_tax": money(line_total),
    }


def address_counts(order: Record, address_id: int) -> tuple[int, int]:
    lines = [ln for ln in order["lines"] if ln["order_address_id"] == address_id]
    return sum(ln["quantity"] for ln in lines), sum(ln["quantity_shipped"] for ln in lines)


def render_consignments(order: Record, root: str, with_lines: bool) -> dict[str, Any]:
    """`consignments` with `consignment_structure=object` (`orderConsignment_Get`)."""
    shipping = []
    for a in order["addresses"]:
        items, shipped = address_counts(order, a["id"])
        lines = [ln for ln in order["lines"] if ln["order_address_id"] == a["id"]]
        quotes = f"/orders/{order['id']}/consignments/shipping/{a['id']}/shipping_quotes"
        shipping.append(
            {
                "id": a["id"],
                **address(a),
                "form_fields": [],
                "line_items": [render_line(order, ln) for ln in lines]
                if with_lines
                else [link(root, f"/orders/{order['id']}/products")],
                "items_total": items,
                "items_shipped": shipped,
                "shipping_method": a["shipping_method"],
                "base_cost": a["base_cost"],
                "cost_ex_tax": a["base_cost"],
                "cost_inc_tax": a["base_cost"],
                "cost_tax": ZERO,
                "cost_tax_class_id": 0,
                "base_handling_cost": ZERO,
                "handling_cost_ex_tax": ZERO,
                "handling_cost_inc_tax": ZERO,
                "handling_cost_tax": ZERO,
                "handling_cost_tax_class_id": 0,
                "shipping_zone_id": 1,
                "shipping_zone_name": "Sandbox zone",
                "shipping_quotes": link(root, quotes),
            }
        )
    return {
        "pickups": [],
        "shipping": shipping,
        "downloads": [],
        "email": {"gift_certificates": []},
    }
