"""The canonical model: the hub every store and back office maps to and from.

Stores and back offices never see each other's shapes; each system has codecs to and from these
models (N + M codecs instead of N x M pairs). Every record carries an `ExternalRef` naming the
system, entity and id it came from, and the source's last-update time in UTC.

Models are immutable pydantic v2 models with `extra="forbid"`; a validation error names the field
(`lines.0.quantity`), and `describe_validation_error` turns it into one line that also names the
record.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from transforms.currencies import ISO_4217

SystemSlug = Literal["shift4shop", "bigcommerce", "salesforce", "dynamics365", "sage300"]
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in ISO_4217:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


def _country(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL_RE.match(email):
        raise ValueError(f"{value!r} is not an e-mail address")
    return email


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
"""An aware datetime, normalised to UTC. Naive datetimes are rejected: their zone is unknown."""
Currency = Annotated[str, AfterValidator(_currency)]
Country = Annotated[str, AfterValidator(_country)]
Email = Annotated[str, AfterValidator(_email)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6)]


class Canonical(BaseModel):
    """Base of every canonical model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ExternalRef(Canonical):
    """Where a record lives: `(system, entity, id)`, e.g. `("shift4shop", "order", "1072")`."""

    system: SystemSlug
    entity: Annotated[str, Field(min_length=1)]
    id: Annotated[str, Field(min_length=1)]

    @property
    def key(self) -> str:
        """`system:entity:id`, for messages and logs."""
        return f"{self.system}:{self.entity}:{self.id}"


class Money(Canonical):
    """An amount in one currency. Decimal, never float."""

    amount: Decimal
    currency: Currency

    @classmethod
    def zero(cls, currency: str) -> Money:
        """0 in `currency`."""
        return cls(amount=Decimal("0"), currency=currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def times(self, factor: Decimal) -> Money:
        """This amount multiplied by `factor` (e.g. a quantity)."""
        return Money(amount=self.amount * factor, currency=self.currency)


class Address(Canonical):
    """A postal address (billing or shipping), with the contact details printed on it."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None  # state / province code or name
    postal_code: str | None = None
    country: Country | None = None
    phone: str | None = None


class Customer(Canonical):
    """A shopper. Guests have no account in the store (`is_guest`) and are matched by e-mail."""

    ref: ExternalRef
    email: Email | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    is_guest: bool = False
    billing_address: Address | None = None
    shipping_address: Address | None = None
    updated_at: UtcDatetime | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def display_name(self) -> str:
        """ "First Last", else the company, else the e-mail, else the reference."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.company or self.email or self.ref.key


class Product(Canonical):
    """A sellable item, identified across systems by its SKU."""

    ref: ExternalRef
    sku: Annotated[str, Field(min_length=1)]
    name: str
    price: Money | None = None
    cost: Money | None = None
    active: bool = True
    updated_at: UtcDatetime | None = None


class InventoryLevel(Canonical):
    """Stock of one SKU at one location."""

    ref: ExternalRef
    sku: Annotated[str, Field(min_length=1)]
    location: Annotated[str, Field(min_length=1)]
    on_hand: Decimal
    reserved: Decimal = Decimal("0")
    updated_at: UtcDatetime | None = None

    @property
    def available(self) -> Decimal:
        """On hand minus reserved, never below zero."""
        return max(self.on_hand - self.reserved, Decimal("0"))


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


class OrderLine(Canonical):
    """One line of an order. Quantity must be positive."""

    ref: ExternalRef
    sku: Annotated[str, Field(min_length=1)]
    name: str | None = None
    quantity: Quantity
    unit_price: Money

    @property
    def total(self) -> Money:
        """Quantity x unit price."""
        return self.unit_price.times(self.quantity)


class Payment(Canonical):
    """Money received (or refunded) against an order."""

    ref: ExternalRef
    amount: Money
    kind: Literal["sale", "authorization", "capture", "refund", "void"] = "sale"
    method: str | None = None
    reference: str | None = None
    processed_at: UtcDatetime | None = None


class Shipment(Canonical):
    """A parcel (or ship-to) of an order."""

    ref: ExternalRef
    method: str | None = None
    tracking_number: str | None = None
    shipped_at: UtcDatetime | None = None
    address: Address | None = None
    cost: Money | None = None


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


def describe_validation_error(exc: ValidationError, record: str) -> str:
    """One line naming the record and every failing field, e.g.

    ``shift4shop:order:1072: lines.0.quantity: Input should be greater than 0``.
    """
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        parts.append(f"{loc}: {err['msg']}")
    return f"{record}: " + "; ".join(parts)


def content_hash(model: BaseModel, *, exclude: set[str] | None = None) -> str:
    """A stable SHA-256 of a model's JSON form: equal content, equal hash, on any machine."""
    data = model.model_dump(mode="json", exclude=exclude)
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()
