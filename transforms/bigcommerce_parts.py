"""BigCommerce payments and shipments → canonical `Payment` and `Shipment` (pure).

Payments come from an order's V3 transactions (`event` purchase/authorization/capture/refund/
void/pending, `status` ok/error); where they were not read (`payments_from="order"`), one
payment is derived from the order's own `payment_status`, total and `refunded_amount`.
Shipments (V2) name their lines by order-product id, so the order's products give the SKUs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from connectors.bigcommerce import models as raw
from transforms.bigcommerce_common import (
    SYSTEM,
    DecodeError,
    address,
    money,
    ref,
    text,
    with_sources,
)
from transforms.canonical import Payment, Shipment

EVENT_KINDS = {
    "purchase": "sale",
    "authorization": "authorization",
    "capture": "capture",
    "refund": "refund",
    "void": "void",
    "pending": "sale",
}
# `settled` confirms an earlier capture or purchase: not a payment of its own (counting it would
# pay the order twice). Spec silent on its meaning beyond the enum; this is the assumption.
SKIPPED_EVENTS = frozenset({"settled"})
# order payment_status -> payments derived from the order (kind, status); spec lists the values
# (order_RespOnly.payment_status), not their money meaning: the assumptions are these rows.
ORDER_PAYMENT: dict[str, tuple[tuple[str, str], ...]] = {
    "authorized": (("authorization", "succeeded"),),
    "captured": (("sale", "succeeded"),),
    "paid": (("sale", "succeeded"),),
    "capture pending": (("authorization", "succeeded"),),
    "partially refunded": (("sale", "succeeded"), ("refund", "succeeded")),
    "refunded": (("sale", "succeeded"), ("refund", "succeeded")),
    "declined": (("sale", "failed"),),
    "held for review": (("sale", "pending"),),
    "pending": (("sale", "pending"),),
    "void": (("void", "succeeded"),),
    "void pending": (("void", "pending"),),
}


def transaction_data(t: raw.Transaction, order_id: int, currency: str) -> dict[str, Any] | None:
    """Canonical payment fields of one transaction (None for a `settled` confirmation)."""
    event = t.event.strip().lower()
    if event in SKIPPED_EVENTS:
        return None
    if (t.status or "ok").strip().lower() == "error":
        status = "failed"
    else:
        status = "pending" if event == "pending" else "succeeded"
    return {
        "ref": ref("payment", f"{order_id}-{t.id}"),
        "amount": money(t.amount, (t.currency or currency).upper()),
        "kind": EVENT_KINDS.get(event, "sale"),
        "status": status,
        "gateway": text(t.gateway),
        "method": text(t.method),
        "reference": text(t.gateway_transaction_id),
        "processed_at": t.date_created,
    }


def order_payments(o: raw.Order, currency: str) -> list[dict[str, Any]]:
    """Payments of an order: its transactions, or derived from its payment fields."""
    if o.transactions is not None:
        rows = (transaction_data(t, o.id, currency) for t in o.transactions)
        return [r for r in rows if r is not None]
    status = (o.payment_status or "").strip().lower()
    out = []
    for kind, outcome in ORDER_PAYMENT.get(status, ()):
        refund = kind == "refund"
        amount = (o.refunded_amount or o.total_inc_tax) if refund else o.total_inc_tax
        out.append(
            {
                "ref": ref("payment", f"{o.id}-order-{kind}"),
                "amount": money(amount, currency),
                "kind": kind,
                "status": outcome,
                "method": text(o.payment_method),
                "reference": None if refund else text(str(o.payment_provider_id or "")),
            }
        )
    return out


def shipment_data(
    s: raw.Shipment, products: Iterable[raw.OrderProduct], currency: str
) -> dict[str, Any]:
    """Canonical shipment fields; each item's SKU from the order product it names.

    Raises:
        KeyError: an item names an order product the order does not have.
    """
    skus = {p.id: p.sku for p in products}
    lines = []
    for i, item in enumerate(s.items):
        if item.order_product_id not in skus:
            raise KeyError(f"items[{i}].order_product_id")
        lines.append(
            {
                "sku": skus[item.order_product_id],
                "quantity": item.quantity,
                "line": ref("order_line", f"{s.order_id}-{item.order_product_id}"),
            }
        )
    return {
        "ref": ref("shipment", f"{s.order_id}-{s.id}"),
        "carrier": text(s.shipping_provider_display_name) or text(s.shipping_provider),
        "service": text(s.shipping_method),
        "tracking_number": text(s.tracking_number),
        "shipped_at": s.date_created,
        "address": address(s.shipping_address),
        "cost": money(s.merchant_shipping_cost, currency),
        "lines": lines,
    }


def decode_shipment(
    shipment: raw.Shipment, *, products: Iterable[raw.OrderProduct], currency: str
) -> Shipment:
    """A V2 shipment as a canonical `Shipment`.

    Args:
        shipment: the raw shipment (`GET /v2/orders/{id}/shipments` item).
        products: the order's products (shipment items name them by id, not by SKU).
        currency: the order's currency (`merchant_shipping_cost` carries none).

    Raises:
        DecodeError: naming the shipment and the field.
    """
    record = f"{SYSTEM}:shipment:{shipment.order_id}-{shipment.id}"
    try:
        return Shipment.model_validate(shipment_data(shipment, products, currency))
    except KeyError as exc:
        raise DecodeError(
            record, f"{record}: lines: BigCommerce {exc.args[0]} is not a product of the order"
        ) from None
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None


def decode_transaction(
    transaction: raw.Transaction, *, order_id: int, currency: str
) -> Payment | None:
    """A V3 order transaction as a canonical `Payment` (None for a `settled` confirmation).

    Raises:
        DecodeError: naming the transaction and the field.
    """
    record = f"{SYSTEM}:payment:{order_id}-{transaction.id}"
    data = transaction_data(transaction, order_id, currency)
    if data is None:
        return None
    try:
        return Payment.model_validate(data)
    except ValidationError as exc:
        raise DecodeError(record, with_sources(exc, record)) from None


__all__ = [
    "decode_shipment",
    "decode_transaction",
    "order_payments",
    "shipment_data",
    "transaction_data",
]
