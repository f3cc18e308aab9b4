"""Orders, their lines, payments, shipments, refunds and returns, and the fulfilment told back."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from transforms.canonical.base import (
    Canonical,
    Currency,
    ExternalRef,
    Money,
    Quantity,
    UtcDatetime,
)
from transforms.canonical.catalog import Option, Sku
from transforms.canonical.parties import Address, Customer


class OrderStatus(enum.StrEnum):
    """Lifecycle of an order, independent of any system's labels (codecs map to and from it)."""

    PENDING = "pending"
    AWAITING_PAYMENT = "awaiting_payment"
    PROCESSING = "processing"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    ABANDONED = "abandoned"


class PaymentKind(enum.StrEnum):
    """What a payment transaction did."""

    AUTHORIZATION = "authorization"
    CAPTURE = "capture"
    SALE = "sale"  # authorised and captured at once
    REFUND = "refund"
    VOID = "void"


class PaymentStatus(enum.StrEnum):
    """Outcome of a payment transaction at the gateway."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OrderLine(Canonical):
    """One line of an order. Quantity must be positive."""

    ref: ExternalRef
    sku: Sku
    name: str | None = None
    quantity: Quantity
    unit_price: Money  # incl. the chosen options' price
    options: tuple[Option, ...] = ()
    discount: Money | None = None

    @property
    def total(self) -> Money:
        """Quantity x unit price."""
        return self.unit_price.times(self.quantity)


class Payment(Canonical):
    """A payment transaction against an order: authorisation, capture, sale, refund, void."""

    ref: ExternalRef
    amount: Money
    kind: PaymentKind = PaymentKind.SALE
    status: PaymentStatus = PaymentStatus.SUCCEEDED
    gateway: str | None = None
    reference: str | None = None  # the gateway's transaction id
    method: str | None = None
    processed_at: UtcDatetime | None = None


class ShippedLine(Canonical):
    """How many units of one order line a shipment carries."""

    sku: Sku
    quantity: Quantity
    line: ExternalRef | None = None  # the order line, when the system says which


class Shipment(Canonical):
    """A parcel (or a ship-to) of an order: carrier, service, tracking and the lines it carries."""

    ref: ExternalRef
    carrier: str | None = None  # "UPS", "FedEx", ...
    service: str | None = None  # the shipping method / service level
    tracking_number: Annotated[str, Field(max_length=100)] | None = None
    shipped_at: UtcDatetime | None = None
    address: Address | None = None
    cost: Money | None = None
    lines: tuple[ShippedLine, ...] = ()

    @property
    def method(self) -> str | None:
        """The shipping service (older name of the field)."""
        return self.service


class ReturnLine(Canonical):
    """Units of one SKU given back (or refunded)."""

    sku: Sku
    quantity: Quantity
    amount: Money | None = None


class Refund(Canonical):
    """Money given back for an order, with the lines it covers and why."""

    ref: ExternalRef
    order: ExternalRef
    amount: Money
    reason: str | None = None
    lines: tuple[ReturnLine, ...] = ()
    created_at: UtcDatetime | None = None


class Return(Canonical):
    """Goods sent back for an order (an RMA), with the lines and why."""

    ref: ExternalRef
    order: ExternalRef
    lines: tuple[ReturnLine, ...]
    reason: str | None = None
    status: str | None = None
    created_at: UtcDatetime | None = None


class Order(Canonical):
    """A placed order with its customer, lines, payments and shipments."""

    ref: ExternalRef
    number: Annotated[str, Field(min_length=1)]
    status: OrderStatus
    source_status: str | None = None
    customer: Customer
    placed_at: UtcDatetime
    updated_at: UtcDatetime
    currency: Currency
    lines: tuple[OrderLine, ...]
    billing_address: Address | None = None
    shipping_address: Address | None = None
    shipping: Money | None = None
    tax: Money | None = None
    discount: Money | None = None
    coupons: tuple[str, ...] = ()
    total: Money
    payments: tuple[Payment, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    note: str | None = None

    @field_validator("lines")
    @classmethod
    def _has_lines(cls, lines: tuple[OrderLine, ...]) -> tuple[OrderLine, ...]:
        # A field validator, not `min_length`: pydantic would also report an empty tuple when
        # only one line was invalid, which reads as a second, false error.
        if not lines:
            raise ValueError("an order needs at least one line")
        return lines

    @model_validator(mode="after")
    def _one_currency(self) -> Order:
        amounts: list[tuple[str, Money | None]] = [
            ("total", self.total),
            ("shipping", self.shipping),
            ("tax", self.tax),
            ("discount", self.discount),
        ]
        amounts += [(f"lines.{i}.unit_price", ln.unit_price) for i, ln in enumerate(self.lines)]
        amounts += [(f"payments.{i}.amount", p.amount) for i, p in enumerate(self.payments)]
        for name, money in amounts:
            if money is not None and money.currency != self.currency:
                raise ValueError(f"{name} is in {money.currency}, the order in {self.currency}")
        return self

    @property
    def skus(self) -> list[str]:
        """SKUs of the lines, in line order, without duplicates."""
        return list(dict.fromkeys(ln.sku for ln in self.lines))


class Fulfillment(Canonical):
    """What the back office says about a store order: its status and its shipments.

    `ref` is the back office's record (e.g. the Salesforce Order); `order` the store order it
    fulfils (from the external id the order was written with).
    """

    ref: ExternalRef
    order: ExternalRef
    status: OrderStatus | None = None  # None: the back office does not say
    source_status: str | None = None
    shipments: tuple[Shipment, ...] = ()
    updated_at: UtcDatetime | None = None
