"""Record constructors of the BigCommerce emulator (customers, addresses, variants, locations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.state import Record
from sandbox.seed import SeedCustomer


def customer_address(c: SeedCustomer, address_id: int) -> Record:
    """A V3 customer address of `c`."""
    return {
        "id": address_id,
        "customer_id": c.customer_id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": c.company,
        "address1": c.address,
        "address2": c.address2,
        "city": c.city,
        "state_or_province": c.state,
        "postal_code": c.zip_code,
        "country_code": c.country,
        "phone": c.phone,
        "address_type": "commercial" if c.company else "residential",
    }


def new_variant(
    vid: int,
    pid: int,
    sku: str,
    price: Decimal | None,
    cost: Decimal | None,
    option_values: list[Record],
    gtin: str = "",
) -> Record:
    """A variant record (`price` None: the product's price applies)."""
    return {
        "id": vid,
        "product_id": pid,
        "sku": sku,
        "sku_id": None,
        "price": price,
        "sale_price": None,
        "retail_price": None,
        "cost_price": cost,
        "weight": None,
        "upc": "",
        "gtin": gtin,
        "mpn": "",
        "purchasing_disabled": False,
        "inventory_warning_level": 0,
        "option_values": option_values,
    }


def new_customer(
    c: SeedCustomer, created: dt.datetime, changed: dt.datetime, addresses: list[Record]
) -> Record:
    """A customer record for shopper `c` (V3 fields)."""
    return {
        "id": c.customer_id,
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": c.company,
        "phone": c.phone,
        "notes": "",
        "customer_group_id": c.group_id,
        # Assumption: BigCommerce tax exemption codes are merchant text; "E" marks exempt.
        "tax_exempt_category": "E" if c.tax_exempt else "",
        "registration_ip_address": "",
        "date_created": created,
        "date_modified": changed,
        "addresses": addresses,
        "accepts_product_review_abandoned_cart_emails": False,
        "channel_ids": [1],
    }


def location(location_id: int, code: str, label: str, at: dt.datetime) -> dict[str, Any]:
    """An inventory location record (the first is the default location)."""
    return {
        "id": location_id,
        "code": code,
        "label": label,
        "description": label,
        "type_id": "PHYSICAL",
        "enabled": True,
        "managed_by_external_source": False,
        "storefront_visibility": location_id == 1,
        "time_zone": "America/New_York",
        "created_at": at,
        "updated_at": at,
    }
