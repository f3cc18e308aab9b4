"""V3 JSON shapes of the BigCommerce emulator: customers, catalog, inventory, hooks, transactions.

Follows `customer_Full`/`address_Full` (customers.v3.yml), `product_Full`, `productVariant_Full`
and `productOption_Base` (catalog/*.yml), `ItemResponse` (inventory.v3.yml), `LocationResponse`
(locations.v3.yml), `webhook_Full` (webhooks.v3.yml) and `Transaction` (orders.v3.yml). Money as
JSON numbers (Decimals, written exactly), dates ISO 8601 in UTC, hook stamps Unix seconds. Pure.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.constants import COUNTRIES
from sandbox.bigcommerce.state import Record, StoreState

ZERO = Decimal("0")


def iso(value: dt.datetime | None) -> str | None:
    """A V3 date-time, e.g. `2026-11-23T01:02:03+00:00`."""
    return None if value is None else value.astimezone(dt.UTC).isoformat(timespec="seconds")


def pagination(total: int, count: int, page: int, limit: int) -> dict[str, Any]:
    """`meta.pagination` with query-string links (`?page=2&limit=50`)."""
    # An empty collection declares 0 pages (assumption: the spec gives no empty example; the
    # connector accepts 0 or 1, tests/http/test_http_pagination_numbered.py).
    pages = math.ceil(total / limit) if limit else 1
    links = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    return {
        "total": total,
        "count": count,
        "per_page": limit,
        "current_page": page,
        "total_pages": pages,
        "links": links,
    }


def render_address(a: Record) -> dict[str, Any]:
    """One customer address (`address_Full`)."""
    code = a["country_code"]
    return {**a, "country": COUNTRIES.get(code, code), "form_fields": []}


def render_customer(c: Record, *, addresses: bool = False) -> dict[str, Any]:
    """One customer (`customer_Full`); `addresses` embeds them (`include=addresses`)."""
    body: dict[str, Any] = {
        "id": c["id"],
        "email": c["email"],
        "first_name": c["first_name"],
        "last_name": c["last_name"],
        "company": c["company"],
        "phone": c["phone"],
        "notes": c["notes"],
        "registration_ip_address": c["registration_ip_address"],
        "tax_exempt_category": c["tax_exempt_category"],
        "customer_group_id": c["customer_group_id"],
        "date_created": iso(c["date_created"]),
        "date_modified": iso(c["date_modified"]),
        "address_count": len(c["addresses"]),
        "attribute_count": 0,
        "authentication": {"force_password_reset": False},
        "store_credit_amounts": [{"amount": ZERO}],
        "accepts_product_review_abandoned_cart_emails": c[
            "accepts_product_review_abandoned_cart_emails"
        ],
        "channel_ids": list(c["channel_ids"]),
        "origin_channel_id": 1,
    }
    if addresses:
        body["addresses"] = [render_address(a) for a in c["addresses"]]
    return body


def default_stock(state: StoreState, variant_id: int) -> int:
    """Stock on hand at the default location (1): what Catalog shows as `inventory_level`."""
    level = state.level(variant_id, 1)
    return int(level["on_hand"]) if level else 0


def render_variant(state: StoreState, v: Record) -> dict[str, Any]:
    """One variant (`productVariant_Full`)."""
    product = state.products[v["product_id"]]
    price = v["price"]
    return {
        "id": v["id"],
        "product_id": v["product_id"],
        "sku": v["sku"],
        "sku_id": v["sku_id"],
        "price": price,
        "calculated_price": price if price is not None else product["price"],
        "sale_price": v["sale_price"],
        "retail_price": v["retail_price"],
        "map_price": None,
        "weight": v["weight"],
        "calculated_weight": v["weight"] if v["weight"] is not None else product["weight"],
        "width": None,
        "height": None,
        "depth": None,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": None,
        "purchasing_disabled": v["purchasing_disabled"],
        "purchasing_disabled_message": "",
        "image_url": "",
        "cost_price": v["cost_price"],
        "upc": v["upc"],
        "mpn": v["mpn"],
        "gtin": v["gtin"],
        "inventory_level": default_stock(state, v["id"]),
        "inventory_warning_level": v["inventory_warning_level"],
        "bin_picking_number": "",
        "option_values": [dict(ov) for ov in v["option_values"]],
    }


def render_option(product: Record, o: Record) -> dict[str, Any]:
    """One product option (`productOption_Base`, plus `name` as the API returns it)."""
    return {
        "id": o["id"],
        "product_id": product["id"],
        "display_name": o["display_name"],
        "name": f"{o['display_name']}-{product['id']}",
        "type": o["type"],
        "sort_order": o["sort_order"],
        "config": {},
        "option_values": [{**ov, "value_data": None} for ov in o["option_values"]],
    }


def render_product(
    state: StoreState, p: Record, *, variants: bool = False, options: bool = False
) -> dict[str, Any]:
    """One product (`product_Full`); `variants`/`options` embed them (`include=`).

    `inventory_level` is the default location's stock: the product's own for product tracking,
    the sum over its variants for variant tracking (store-apis.md 1.7, 1.10).
    """
    own = state.product_variants(p["id"])
    level = sum(default_stock(state, v["id"]) for v in own) if own else 0
    body: dict[str, Any] = {
        "id": p["id"],
        "name": p["name"],
        "type": p["type"],
        "sku": p["sku"],
        "description": p["description"],
        "weight": p["weight"],
        "width": ZERO,
        "depth": ZERO,
        "height": ZERO,
        "price": p["price"],
        "cost_price": p["cost_price"],
        "retail_price": p["retail_price"],
        "sale_price": p["sale_price"],
        "map_price": ZERO,
        "calculated_price": p["sale_price"] or p["price"],
        "tax_class_id": 0,
        "product_tax_code": "",
        "categories": list(p["categories"]),
        "brand_id": p["brand_id"],
        "inventory_level": level,
        "inventory_warning_level": p["inventory_warning_level"],
        "inventory_tracking": p["inventory_tracking"],
        "fixed_cost_shipping_price": ZERO,
        "is_free_shipping": False,
        "is_visible": p["is_visible"],
        "is_featured": False,
        "related_products": [],
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": p["upc"],
        "mpn": p["mpn"],
        "gtin": p["gtin"],
        "search_keywords": "",
        "availability": p["availability"],
        "availability_description": "",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": False,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "view_count": 0,
        "preorder_release_date": None,
        "preorder_message": "",
        "is_preorder_only": False,
        "is_price_hidden": False,
        "price_hidden_label": "",
        "custom_url": {"url": f"/products/{p['id']}/", "is_customized": False},
        "date_created": iso(p["date_created"]),
        "date_modified": iso(p["date_modified"]),
        # null for a product with option variants (the spec's description; its schema says
        # integer: a spec inconsistency the OpenAPI test names).
        "base_variant_id": p["base_variant_id"],
        "reviews_rating_sum": 0,
        "reviews_count": 0,
        "total_sold": 0,
    }
    if variants:
        body["variants"] = [render_variant(state, v) for v in own]
    if options:
        body["options"] = [render_option(p, o) for o in p["options"]]
    return body


def render_inventory_item(state: StoreState, v: Record, location_ids: set[int] | None) -> Any:
    """One `/inventory/items` element (`ItemResponse`): the variant's stock per location."""
    locations = []
    for loc_id, loc in sorted(state.locations.items()):
        if location_ids is not None and loc_id not in location_ids:
            continue
        level = state.level(v["id"], loc_id)
        on_hand = int(level["on_hand"]) if level else 0
        safety = int(level["safety_stock"]) if level else 0
        locations.append(
            {
                "location_id": loc_id,
                "location_code": loc["code"],
                "location_name": loc["label"],
                "available_to_sell": max(on_hand - safety, 0),
                "total_inventory_onhand": on_hand,
                "location_enabled": loc["enabled"],
                "settings": {
                    "safety_stock": safety,
                    "is_in_stock": on_hand - safety > 0,
                    "warning_level": int(level["warning_level"]) if level else 0,
                    "bin_picking_number": level["bin"] if level else "",
                },
            }
        )
    return {
        "identity": {
            "sku": v["sku"],
            "variant_id": v["id"],
            "product_id": v["product_id"],
            "sku_id": v["sku_id"] or 0,
        },
        "locations": locations,
    }


def render_location(loc: Record) -> dict[str, Any]:
    """One location (`LocationResponse`)."""
    return {
        "id": loc["id"],
        "code": loc["code"],
        "label": loc["label"],
        "description": loc["description"],
        "managed_by_external_source": loc["managed_by_external_source"],
        "type_id": loc["type_id"],
        "enabled": loc["enabled"],
        "time_zone": loc["time_zone"],
        "created_at": iso(loc["created_at"]),
        "updated_at": iso(loc["updated_at"]),
        "storefront_visibility": loc["storefront_visibility"],
        "special_hours": [],
    }


def render_hook(h: Record) -> dict[str, Any]:
    """One hook (`webhook_Full`): stamps in Unix seconds."""
    return {
        "id": h["id"],
        "client_id": h["client_id"],
        "store_hash": h["store_hash"],
        "scope": h["scope"],
        "destination": h["destination"],
        "headers": dict(h["headers"]) if h["headers"] is not None else None,
        "is_active": h["is_active"],
        "created_at": int(h["created_at"].timestamp()),
        "updated_at": int(h["updated_at"].timestamp()),
    }


def render_transaction(order: Record, t: Record) -> dict[str, Any]:
    """One `/v3/orders/{id}/transactions` element (`Transaction`)."""
    return {
        "id": t["id"],
        "order_id": str(order["id"]),
        "event": t["event"],
        "method": "credit_card",
        "amount": t["amount"],
        "currency": "USD",
        "gateway": "testgateway",
        "gateway_transaction_id": t["gateway_transaction_id"],
        "date_created": iso(t["date_created"]),
        "test": True,
        "status": t["status"],
        "fraud_review": False,
        "reference_transaction_id": 0,
        "offline": None,
        "custom": None,
        "payment_method_id": "testgateway.card",
        "payment_instrument_token": None,
        "provider_instrument_token": None,
        "provider_customer_id": None,
        "avs_result": {"code": "", "message": "", "street_match": "", "postal_match": ""},
        "cvv_result": {"code": "", "message": ""},
        "credit_card": {
            "card_type": "visa",
            "card_iin": "411111",
            "card_last4": "1111",
            "card_expiry_month": 12,
            "card_expiry_year": 2030,
        },
        "gift_certificate": None,
        "store_credit": None,
        "custom_provider_field_result": None,
    }
