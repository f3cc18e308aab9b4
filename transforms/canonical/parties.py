"""Customers and their addresses."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from transforms.canonical.base import Canonical, Country, Email, ExternalRef, UtcDatetime


class Address(Canonical):
    """A postal address (billing, shipping or an address-book entry), with its contact details."""

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
    label: str | None = None  # an address-book entry's name ("Home", "Office")


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
    addresses: tuple[Address, ...] = ()  # the address book beyond billing/shipping
    customer_group: str | None = None
    tax_exempt: bool = False
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
