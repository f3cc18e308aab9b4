"""What every BigCommerce codec module shares: the slug, the decode error, source field names.

A decode error names the record (`bigcommerce:order:123`), the canonical field and the
BigCommerce field it came from: ``lines.0.quantity: Input should be greater than 0 (lines.0.
quantity is BigCommerce products[0].quantity)``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from pydantic import ValidationError

from connectors.bigcommerce import models as raw
from transforms.canonical import describe_validation_error

SYSTEM = "bigcommerce"
TAGS = re.compile(r"<[^>]+>")
# canonical field path (with {i} for a list index) -> the BigCommerce field it is decoded from
SOURCE_FIELDS: dict[str, str] = {
    "ref": "id",
    "number": "id",
    "status": "status_id",
    "placed_at": "date_created",
    "updated_at": "date_modified",
    "currency": "default_currency_code",
    "total": "total_inc_tax",
    "tax": "total_tax",
    "shipping": "shipping_cost_ex_tax",
    "discount": "discount_amount",
    "lines": "products",
    "email": "email",
    "customer.email": "billing_address.email",
    "customer.billing_address.country": "billing_address.country_iso2",
    "billing_address.country": "billing_address.country_iso2",
    "shipping_address.country": "shipping_addresses[0].country_iso2",
    "lines.{i}.sku": "products[{i}].sku",
    "lines.{i}.quantity": "products[{i}].quantity",
    "lines.{i}.unit_price": "products[{i}].price_ex_tax",
    "lines.{i}.name": "products[{i}].name",
    "payments.{i}.amount": "transactions[{i}].amount",
    "payments.{i}.processed_at": "transactions[{i}].date_created",
    "shipments.{i}.tracking_number": "shipments[{i}].tracking_number",
    "shipments.{i}.address.country": "shipments[{i}].shipping_address.country_iso2",
    "addresses.{i}.country": "addresses[{i + 1}].country_code",
    "sku": "sku",
    "name": "name",
    "price": "price",
    "variants.{i}.sku": "variants[{i}].sku",
    "variants.{i}.price": "variants[{i}].price",
}


class DecodeError(ValueError):
    """A BigCommerce record that does not make a valid canonical record."""

    def __init__(self, record: str, message: str) -> None:
        super().__init__(message)
        self.record = record


def source_field(path: str) -> str | None:
    """The BigCommerce field a canonical path comes from (`lines.0.quantity` →
    `products[0].quantity`)."""
    pattern = re.sub(r"\.\d+(?=\.|$)", ".{i}", path)
    index = re.findall(r"\.(\d+)(?=\.|$)", path)
    template = SOURCE_FIELDS.get(pattern)
    if template is None:
        return None
    if "{i + 1}" in template:
        return template.replace("{i + 1}", str(int(index[0]) + 1)) if index else template
    return template.format(i=index[0]) if index else template


def with_sources(exc: ValidationError, record: str) -> str:
    """`describe_validation_error` plus the BigCommerce field of each failing path."""
    message = describe_validation_error(exc, record)
    extra = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        origin = source_field(path)
        if origin:
            extra.append(f"{path} is BigCommerce {origin}")
    return message + (f" ({'; '.join(extra)})" if extra else "")


def text(value: Any) -> str | None:
    """A text field: stripped, "" is None."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def plain(value: str | None) -> str | None:
    """HTML → plain text (product names in order lines may carry entities)."""
    if value is None:
        return None
    return " ".join(html.unescape(TAGS.sub(" ", value)).split()) or None


def address(a: raw.Address | None) -> dict[str, Any] | None:
    """A V2 address (order billing, ship-to, shipment) as canonical fields; None when empty."""
    if a is None:
        return None
    data = {
        "first_name": text(a.first_name),
        "last_name": text(a.last_name),
        "company": text(a.company),
        "line1": text(a.street_1),
        "line2": text(a.street_2),
        "city": text(a.city),
        "region": text(a.state),
        "postal_code": text(a.zip),
        "country": text(a.country_iso2),
        "phone": text(a.phone),
    }
    return data if any(data.values()) else None


def money(amount: Any, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def ref(entity: str, rid: object) -> dict[str, str]:
    return {"system": SYSTEM, "entity": entity, "id": str(rid)}
