"""Base types of the canonical model: entities, references, money, validated scalars.

Models are immutable pydantic v2 models with `extra="forbid"`; a validation error names the field
(`lines.0.quantity`). Money and quantities are `Decimal` everywhere: a float never carries an
amount (`Decimal` inputs are kept exact; floats are refused for money and quantities, so a
connector that parsed JSON numbers as floats fails loudly instead of rounding silently).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from transforms.currencies import ISO_4217

SystemSlug = Literal["shift4shop", "bigcommerce", "salesforce", "dynamics365", "sage300"]
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Entity(enum.StrEnum):
    """What a record is. Use cases sync the top-level ones; the others name parts of them."""

    CUSTOMER = "customer"
    PRODUCT = "product"
    INVENTORY = "inventory"
    ORDER = "order"
    FULFILLMENT = "fulfillment"  # an order's status and shipments, told back to the store
    PAYMENT = "payment"
    REFUND = "refund"
    RETURN = "return"
    # parts of records (their refs), never synced on their own
    ORDER_LINE = "order_line"
    SHIPMENT = "shipment"
    VARIANT = "variant"
    LOCATION = "location"


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


def _exact(value: Any) -> Any:
    """Money and quantities arrive as Decimal, int or numeric text; a float is refused."""
    if isinstance(value, float):
        raise ValueError(f"{value!r} is a float: pass a Decimal or a string (no binary rounding)")
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
"""An aware datetime, normalised to UTC. Naive datetimes are rejected: their zone is unknown."""
Currency = Annotated[str, AfterValidator(_currency)]
Country = Annotated[str, AfterValidator(_country)]
Email = Annotated[str, AfterValidator(_email)]
Amount = Annotated[Decimal, BeforeValidator(_exact), Field(max_digits=24, decimal_places=6)]
Quantity = Annotated[Decimal, BeforeValidator(_exact), Field(gt=0, max_digits=18, decimal_places=6)]
Count = Annotated[Decimal, BeforeValidator(_exact), Field(max_digits=18, decimal_places=6)]
"""A stock count: may be zero or negative (oversold), never a float."""


class Canonical(BaseModel):
    """Base of every canonical model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ExternalRef(Canonical):
    """Where a record lives: `(system, entity, id)`, e.g. `("shift4shop", "order", "1072")`."""

    system: SystemSlug
    entity: Entity
    id: Annotated[str, Field(min_length=1, max_length=255)]

    @property
    def key(self) -> str:
        """`system:entity:id`, for messages, logs and external ids."""
        return f"{self.system}:{self.entity.value}:{self.id}"


class Money(Canonical):
    """An amount in one currency. Decimal, never float."""

    amount: Amount
    currency: Currency

    @classmethod
    def zero(cls, currency: str) -> Money:
        """0 in `currency`."""
        return cls(amount=Decimal("0"), currency=currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot subtract {other.currency} from {self.currency}")
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def times(self, factor: Decimal) -> Money:
        """This amount multiplied by `factor` (e.g. a quantity)."""
        return Money(amount=self.amount * factor, currency=self.currency)
