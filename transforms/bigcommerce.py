"""Codec: BigCommerce payloads → canonical models (pure: pydantic and stdlib, no I/O).

V2 orders carry their lines and ship-tos (consignments), coupons, transactions and, when read,
shipments (`connectors.bigcommerce.models.Order`). Amounts are net of tax: lines at
`price_ex_tax`, shipping at `shipping_cost_ex_tax` + `handling_cost_ex_tax`, tax `total_tax`,
the total `total_inc_tax`; the discount is `discount_amount` + `coupon_discount` (two separate
fields; spec silent on whether one includes the other, assumption: they do not). Wrapping costs
and fees have no canonical field and are only in the total.

Statuses: `status_id` → canonical status through the value table
`transforms/mappings/bigcommerce/order_status.yaml` (`{id: {status, label}}`, like Shift4Shop's;
or the `statuses` a caller passes); `source_status` keeps the store's label (`status`).
Guests (`customer_id` 0) get `guest:<guest_key(email)>`, a keyed hash of their normalised
e-mail, so an address never becomes a key. A record that cannot be decoded raises `DecodeError`
naming the record, the canonical field and the BigCommerce field (`lines.0.quantity ...
products[0].quantity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connectors.bigcommerce import models as raw
from transforms.bigcommerce_catalog import decode_inventory, decode_location, decode_product
from transforms.bigcommerce_common import (
    SOURCE_FIELDS,
    SYSTEM,
    DecodeError,
    address,
    money,
    plain,
    ref,
    source_field,
    text,
    with_sources,
)
from transforms.bigcommerce_parts import (
    decode_shipment,
    decode_transaction,
    order_payments,
    shipment_data,
)
from transforms.canonical import Customer, ExternalRef, Order
from transforms.guests import GuestKey, shopper_ref
from transforms.mapping import load_table

__all__ = [
    "SOURCE_FIELDS",
    "SYSTEM",
    "DecodeError",
    "GuestKey",
    "StatusTable",
    "customer_data",
    "customer_ref",
    "decode_customer",
    "decode_inventory",
    "decode_location",
    "decode_order",
    "decode_product",
    "decode_shipment",
    "decode_transaction",
    "source_field",
]

# normalised e-mail -> its keyed hash (e.g. `h-<32 hex>`): a pure function, given by the caller
# str(status_id) -> {"status": canonical status, "label": default label}
StatusTable = Mapping[str, Mapping[str, Any]]
STATUS_TABLE = "bigcommerce/order_status"


def customer_ref(
    customer_id: int,
    email: str | None,
    order_id: int | None = None,
    *,
    guest_key: GuestKey | None = None,
) -> ExternalRef:
    """A BigCommerce shopper's ref: registered by id, guests by the keyed hash of their e-mail
    (`transforms.guests.shopper_ref`).

    Raises:
        ValueError: a guest with an e-mail and no `guest_key` (an address never becomes a key).
    """
    return shopper_ref(SYSTEM, customer_id, email, order_id, guest_key=guest_key)


def _status(order: raw.Order, statuses: StatusTable | None) -> tuple[str, str | None]:
    table: StatusTable = statuses if statuses is not None else load_table(STATUS_TABLE)
    entry = table.get(str(order.status_id))
    if entry is None:
        raise KeyError(order.status_id)
    label = text(order.custom_status) or text(order.status) or text(entry.get("label"))
    return str(entry["status"]), label


def _options(p: raw.OrderProduct) -> list[dict[str, str]]:
    out = []
    for opt in p.product_options:
        name, value = text(opt.display_name), text(opt.display_value)
        if name and value:
            out.append({"name": name, "value": value})
    return out


def _line(o: raw.Order, p: raw.OrderProduct, currency: str) -> dict[str, Any]:
    discount = sum((d.amount for d in p.applied_discounts), Decimal("0"))
    return {
        "ref": ref("order_line", f"{o.id}-{p.id}"),
        "sku": text(p.sku),
        "name": plain(p.name),
        "quantity": p.quantity,
        "unit_price": money(p.price_ex_tax, currency),
        "options": _options(p),
        "discount": money(discount, currency) if discount else None,
    }


def _coupons(o: raw.Order) -> list[str]:
    codes = (text(c.code) for c in o.coupons or ())
    return list(dict.fromkeys(c for c in codes if c))


def _order_data(
    o: raw.Order, currency: str, guest_key: GuestKey, statuses: StatusTable | None
) -> dict[str, Any]:
    if o.products is None:
        raise LookupError("lines: the order's products were not read (BigCommerce products)")
    status, label = _status(o, statuses)
    billing = address(o.billing_address)
    email = text(o.billing_address.email)
    ship_tos = o.shipping_addresses or []
    updated = o.date_modified or o.date_created
    return {
        "ref": ref("order", o.id),
        "number": str(o.id),
        "status": status,
        "source_status": label,
        "placed_at": o.date_created,
        "updated_at": updated,
        "currency": currency,
        "customer": {
            "ref": customer_ref(o.customer_id, email, o.id, guest_key=guest_key).model_dump(),
            "email": email,
            "first_name": text(o.billing_address.first_name),
            "last_name": text(o.billing_address.last_name),
            "company": text(o.billing_address.company),
            "phone": text(o.billing_address.phone),
            "is_guest": o.customer_id == 0,
            "billing_address": billing,
            "updated_at": updated,  # the shopper's details as of this order
        },
        "billing_address": billing,
        "shipping_address": address(ship_tos[0]) if ship_tos else None,
        "lines": [_line(o, p, currency) for p in o.products],
        "shipping": money(o.shipping_cost_ex_tax + o.handling_cost_ex_tax, currency),
        "tax": money(o.total_tax, currency),
        "discount": money(o.discount_amount + o.coupon_discount, currency),
        "coupons": _coupons(o),
        "total": money(o.total_inc_tax, currency),
        "payments": order_payments(o, currency),
        "shipments": [shipment_data(s, o.products, currency) for s in o.shipments or ()],
        "note": text(o.customer_message),
    }


def decode_order(
    order: raw.Order, *, guest_key: GuestKey, statuses: StatusTable | None = None
) -> Order:
    """A BigCommerce V2 order (with its parts) as a canonical `Order`.

    Args:
        order: the raw order (`connectors.bigcommerce.models.Order`, as `orders_page` gives it).
        guest_key: the keyed hash of a guest's normalised e-mail (`customer_ref`).
        statuses: status table (`str(status_id)` → `{status, label}`); default: the mapping
            `transforms/mappings/bigcommerce/order_status.yaml`.

    Raises:
        DecodeError: naming the order, the canonical field and the BigCommerce field.
    """
    record = f"{SYSTEM}:order:{order.id}"
    currency = (order.currency or "").strip().upper()
    try:
        if not currency:
            raise LookupError("currency: the order has no currency (BigCommerce currency_code)")
        return Order.model_validate(_order_data(order, currency, guest_key, statuses))
    except KeyError as exc:
        origin = exc.args[0] if exc.args else "?"
        if isinstance(origin, int):
            message = (
                f"status: BigCommerce status_id {origin} has no entry in "
                f"transforms/mappings/{STATUS_TABLE}.yaml"
            )
        else:
            message = f"shipments: BigCommerce shipments[].{origin} is not a product of the order"
        raise DecodeError(record, f"{record}: {message}") from None
    except FileNotFoundError:
        raise DecodeError(
            record, f"{record}: status: no status table transforms/mappings/{STATUS_TABLE}.yaml"
        ) from None
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None
    except (LookupError, ValueError) as exc:
        raise DecodeError(record, f"{record}: {exc}") from None


def _customer_address(a: raw.CustomerAddress) -> dict[str, Any]:
    return {
        "first_name": text(a.first_name),
        "last_name": text(a.last_name),
        "company": text(a.company),
        "line1": text(a.address1),
        "line2": text(a.address2),
        "city": text(a.city),
        "region": text(a.state_or_province),
        "postal_code": text(a.postal_code),
        "country": text(a.country_code),
        "phone": text(a.phone),
    }


def customer_data(customer: raw.Customer) -> dict[str, Any]:
    """The canonical fields a read of a BigCommerce customer gives (without ref and
    `updated_at`): what echo suppression hashes.

    BigCommerce keeps an address book without billing/shipping roles: the first address is the
    billing address, the others are `addresses` (assumption; the spec gives no role).
    """
    book = [_customer_address(a) for a in customer.addresses]
    return {
        "email": text(customer.email),
        "first_name": text(customer.first_name),
        "last_name": text(customer.last_name),
        "company": text(customer.company),
        "phone": text(customer.phone),
        "is_guest": False,
        "billing_address": book[0] if book else None,
        "shipping_address": None,
        "addresses": book[1:],
        "customer_group": str(customer.customer_group_id) if customer.customer_group_id else None,
        "tax_exempt": bool(text(customer.tax_exempt_category)),
    }


def decode_customer(customer: raw.Customer) -> Customer:
    """A V3 customer (with `include=addresses`) as a canonical `Customer`.

    Raises:
        DecodeError: naming the customer and the field.
    """
    record = f"{SYSTEM}:customer:{customer.id}"
    try:
        data = {
            "ref": ref("customer", customer.id),
            **customer_data(customer),
            "updated_at": customer.date_modified,
        }
        return Customer.model_validate(data)
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None
    except ValueError as exc:
        raise DecodeError(record, f"{record}: {exc}") from None
