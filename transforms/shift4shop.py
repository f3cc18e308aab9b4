"""Codec: Shift4Shop (3dcart) REST v1 payloads → canonical models.

Shift4Shop times are store-local without an offset; they become UTC here with the store's zone.
Guests (`CustomerID` 0) get a customer reference keyed by their e-mail, so every guest checkout of
one shopper resolves to the same customer; the key holds no address: it is `guest:` and a keyed
hash of the normalised address, computed by the function the caller passes (`GuestKey`; the
source adapter's comes from the state store, `connectors.state.meta`). The customer embedded in
an order is the shopper's data as of that order (`updated_at` = the order's last update), so the
newest order wins. A record that cannot be decoded raises `DecodeError` whose message names the
record, the canonical field and the Shift4Shop field it came from.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from connectors.shift4shop import models as raw
from transforms.canonical import Customer, ExternalRef, Order, describe_validation_error
from transforms.guests import GuestKey, shopper_ref
from transforms.mapping import load_table

SYSTEM = "shift4shop"
# normalised e-mail -> its keyed hash (e.g. `h-<32 hex>`): a pure function, given by the caller
TAGS = re.compile(r"<[^>]+>")
# canonical field path (with {i} for list indexes) -> the Shift4Shop field it is decoded from
SOURCE_FIELDS: dict[str, str] = {
    "number": "InvoiceNumber",
    "status": "OrderStatusID",
    "placed_at": "OrderDate",
    "updated_at": "LastUpdate",
    "total": "OrderAmount",
    "lines": "OrderItemList",
    "customer.email": "BillingEmail",
    "customer.billing_address.country": "BillingCountry",
    "lines.{i}.sku": "OrderItemList[{i}].ItemID",
    "lines.{i}.quantity": "OrderItemList[{i}].ItemQuantity",
    "lines.{i}.unit_price": "OrderItemList[{i}].ItemUnitPrice",
}
PAYMENT_KINDS = {
    "sale": "sale",
    "authorize": "authorization",
    "authorization": "authorization",
    "auth": "authorization",
    "capture": "capture",
    "refund": "refund",
    "credit": "refund",
    "void": "void",
}
# Assumption (undocumented): a transaction failed when the gateway's response says so; every
# other recorded transaction succeeded (stores record declined attempts with such a text).
FAILED_RESPONSES = ("declined", "error", "failed", "denied")


class DecodeError(ValueError):
    """A source record that does not make a valid canonical record."""

    def __init__(self, record: str, message: str) -> None:
        super().__init__(message)
        self.record = record


def source_field(path: str) -> str | None:
    """The Shift4Shop field a canonical path comes from (`lines.0.quantity` → `...ItemQuantity`)."""
    pattern = re.sub(r"\.\d+(?=\.|$)", ".{i}", path)
    index = re.findall(r"\.(\d+)(?=\.|$)", path)
    template = SOURCE_FIELDS.get(pattern)
    return template.format(i=index[0]) if template and index else template


def _with_sources(exc: ValidationError, record: str) -> str:
    message = describe_validation_error(exc, record)
    extra = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        origin = source_field(path)
        if origin:
            extra.append(f"{path} is Shift4Shop {origin}")
    return message + (f" ({'; '.join(extra)})" if extra else "")


def _utc(local: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return None if local is None else local.replace(tzinfo=zone).astimezone(dt.UTC)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return " ".join(html.unescape(TAGS.sub(" ", value)).split()) or None


def _status(status_id: int) -> tuple[str, str]:
    table: Mapping[str, Any] = load_table("shift4shop/order_status")
    entry = table.get(str(status_id))
    if entry is None:
        raise KeyError(status_id)
    return str(entry["status"]), str(entry["label"])


def customer_ref(
    customer_id: int,
    email: str | None,
    order_id: int | None = None,
    *,
    guest_key: GuestKey | None = None,
) -> ExternalRef:
    """A Shift4Shop shopper's ref: registered by id, guests by the keyed hash of their e-mail
    (`transforms.guests.shopper_ref`).

    Raises:
        ValueError: a guest with an e-mail and no `guest_key` (an address never becomes a key).
    """
    return shopper_ref(SYSTEM, customer_id, email, order_id, guest_key=guest_key)


def _billing(o: raw.Order) -> dict[str, Any]:
    return {
        "first_name": o.billing_first_name,
        "last_name": o.billing_last_name,
        "company": o.billing_company,
        "line1": o.billing_address,
        "line2": o.billing_address2,
        "city": o.billing_city,
        "region": o.billing_state,
        "postal_code": o.billing_zip_code,
        "country": o.billing_country,
        "phone": o.billing_phone_number,
    }


def _ship_to(s: raw.Shipment) -> dict[str, Any]:
    return {
        "first_name": s.shipment_first_name,
        "last_name": s.shipment_last_name,
        "company": s.shipment_company,
        "line1": s.shipment_address,
        "line2": s.shipment_address2,
        "city": s.shipment_city,
        "region": s.shipment_state,
        "postal_code": s.shipment_zip_code,
        "country": s.shipment_country,
        "phone": s.shipment_phone,
    }


def _shipped_at(value: str | None, zone: ZoneInfo) -> dt.datetime | None:
    if not value:
        return None
    return _utc(dt.datetime.strptime(value, "%m/%d/%Y"), zone)


def _payment_status(t: raw.Transaction) -> str:
    text = (t.transaction_response_text or "").lower()
    return "failed" if any(word in text for word in FAILED_RESPONSES) else "succeeded"


def _payment(o: raw.Order, t: raw.Transaction, zone: ZoneInfo, currency: str) -> dict[str, Any]:
    return {
        "ref": {
            "system": SYSTEM,
            "entity": "payment",
            "id": f"{o.order_id}-{t.transaction_index_id}",
        },
        "amount": {"amount": t.transaction_amount, "currency": currency},
        "kind": PAYMENT_KINDS.get((t.transaction_type or "sale").strip().lower(), "sale"),
        "status": _payment_status(t),
        "gateway": str(t.transaction_gateway_id) if t.transaction_gateway_id else None,
        "method": t.transaction_method,
        "reference": t.transaction_id,
        "processed_at": _utc(t.transaction_date_time, zone),
    }


def _shipment(o: raw.Order, s: raw.Shipment, zone: ZoneInfo, currency: str) -> dict[str, Any]:
    lines = [
        {
            "sku": i.item_id,
            "quantity": i.item_quantity,
            "line": {
                "system": SYSTEM,
                "entity": "order_line",
                "id": f"{o.order_id}-{i.item_index_id}",
            },
        }
        for i in o.order_item_list
        if i.item_shipment_id == s.shipment_id and i.item_id and i.item_quantity > 0
    ]
    return {
        "ref": {"system": SYSTEM, "entity": "shipment", "id": f"{o.order_id}-{s.shipment_id}"},
        "service": s.shipment_method_name,
        "tracking_number": s.shipment_tracking_code or None,
        "shipped_at": _shipped_at(s.shipment_shipped_date, zone),
        "address": _ship_to(s),
        "cost": {"amount": s.shipment_cost, "currency": currency},
        "lines": lines,
    }


def _coupons(o: raw.Order) -> list[str]:
    return list(dict.fromkeys(p.coupon for p in o.promotion_list if p.coupon))


def _order_data(o: raw.Order, zone: ZoneInfo, currency: str, guest_key: GuestKey) -> dict[str, Any]:
    def money(amount: Decimal) -> dict[str, Any]:
        return {"amount": amount, "currency": currency}

    def ref(entity: str, rid: object) -> dict[str, str]:
        return {"system": SYSTEM, "entity": entity, "id": str(rid)}

    status, label = _status(o.order_status_id)
    billing = _billing(o)
    updated = _utc(o.last_update or o.order_date, zone)
    return {
        "ref": ref("order", o.order_id),
        "number": o.invoice,
        "status": status,
        "source_status": label,
        "placed_at": _utc(o.order_date, zone),
        "updated_at": updated,
        "currency": currency,
        "customer": {
            "ref": customer_ref(
                o.customer_id, o.billing_email, o.order_id, guest_key=guest_key
            ).model_dump(),
            "email": o.billing_email,
            "first_name": o.billing_first_name,
            "last_name": o.billing_last_name,
            "company": o.billing_company,
            "phone": o.billing_phone_number,
            "is_guest": o.customer_id == 0,
            "billing_address": billing,
            "updated_at": updated,  # the shopper's details as of this order
        },
        "billing_address": billing,
        "shipping_address": _ship_to(o.shipment_list[0]) if o.shipment_list else None,
        "lines": [
            {
                "ref": ref("order_line", f"{o.order_id}-{i.item_index_id}"),
                "sku": i.item_id,
                "name": _text(i.item_description),
                "quantity": i.item_quantity,
                "unit_price": money(i.item_unit_price + i.item_option_price),
            }
            for i in o.order_item_list
        ],
        "shipping": money(sum((s.shipment_cost for s in o.shipment_list), Decimal("0"))),
        "tax": money(o.sales_tax + o.sales_tax2 + o.sales_tax3),
        "discount": money(o.order_discount),
        "coupons": _coupons(o),
        "total": money(o.order_amount),
        "payments": [_payment(o, t, zone, currency) for t in o.transaction_list],
        "shipments": [_shipment(o, s, zone, currency) for s in o.shipment_list],
        "note": o.customer_comments,
    }


def decode_order(order: raw.Order, *, timezone: str, currency: str, guest_key: GuestKey) -> Order:
    """A Shift4Shop order as a canonical `Order`.

    Args:
        order: the raw order (validated `connectors.shift4shop.models.Order`).
        timezone: the store's IANA zone (its timestamps carry no offset).
        currency: the store's currency (order JSON does not carry one).
        guest_key: the keyed hash of a guest's normalised e-mail (`customer_ref`).

    Raises:
        DecodeError: naming the order, the canonical field and the Shift4Shop field.
    """
    record = f"{SYSTEM}:order:{order.order_id}"
    try:
        data = _order_data(order, ZoneInfo(timezone), currency, guest_key)
        return Order.model_validate(data)
    except KeyError as exc:
        raise DecodeError(
            record,
            f"{record}: status: OrderStatusID {exc.args[0]} has no entry in "
            "transforms/mappings/shift4shop/order_status.yaml",
        ) from None
    except ValidationError as exc:
        raise DecodeError(record, _with_sources(exc, record)) from None
    except ValueError as exc:  # e.g. a malformed ShipmentShippedDate
        raise DecodeError(record, f"{record}: {exc}") from None


def _customer_address(c: raw.Customer, kind: str) -> dict[str, Any] | None:
    def get(name: str) -> Any:
        return getattr(c, f"{kind}_{name}")

    data = {
        "first_name": get("first_name"),
        "last_name": get("last_name"),
        "company": get("company"),
        "line1": get("address1"),
        "line2": get("address2"),
        "city": get("city"),
        "region": get("state"),
        "postal_code": get("zip_code"),
        "country": get("country"),
        "phone": get("phone_number"),
    }
    return data if any(v for v in data.values()) else None


def customer_data(customer: raw.Customer) -> dict[str, Any]:
    """The canonical fields of a Shift4Shop customer account (without the ref)."""
    return {
        "email": customer.email,
        "first_name": customer.billing_first_name,
        "last_name": customer.billing_last_name,
        "company": customer.billing_company,
        "phone": customer.billing_phone_number,
        "is_guest": False,
        "billing_address": _customer_address(customer, "billing"),
        "shipping_address": _customer_address(customer, "shipping"),
        "customer_group": str(customer.customer_group_id) if customer.customer_group_id else None,
        "tax_exempt": customer.non_taxable,
    }


def decode_customer(
    customer: raw.Customer, *, timezone: str = "UTC", guest_key: GuestKey | None = None
) -> Customer:
    """A Shift4Shop customer account as a canonical `Customer`.

    The Customer object carries no LastUpdate (capture and schema), so `updated_at` is None.
    Accounts have ids; `guest_key` is only needed for one without (`customer_ref`).
    """
    record = f"{SYSTEM}:customer:{customer.customer_id}"
    try:
        ref = customer_ref(customer.customer_id, customer.email, guest_key=guest_key)
        return Customer.model_validate({"ref": ref, **customer_data(customer)})
    except ValidationError as exc:
        raise DecodeError(record, describe_validation_error(exc, record)) from None
    except ValueError as exc:
        raise DecodeError(record, f"{record}: {exc}") from None
