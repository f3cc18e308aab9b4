"""Mutable state of the Shift4Shop (3dcart) REST API v1 emulator, held in plain dataclasses.

Datetimes are aware UTC here; they only turn into store-local strings when rendered (`render.py`,
`catalog.py`). `build.py` fills the state from the seed world, `persist.py` dumps and loads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.seed import CENT, SeedCustomer, SeedLine, SeedTransaction


@dataclass
class Shipment:
    """One ship-to of an order (`ShipmentList` element); `shipment_id` 0 is the placeholder."""

    shipment_id: int
    line_ids: list[int]
    method_id: int
    method_name: str
    cost: Decimal
    status_id: int
    last_update: dt.datetime
    weight: Decimal = Decimal("0")
    # No Shipment field carries the carrier; kept so the state loses nothing the seed knows.
    carrier: str = ""
    tracking: str = ""
    shipped_at: dt.datetime | None = None
    recipient: SeedCustomer | None = None  # None: ships to the order's customer
    boxes: int = 1
    internal_comment: str = ""


@dataclass
class Order:
    """One order as the store holds it (the seed order plus what API writes can change)."""

    order_id: int
    invoice_number: int
    customer: SeedCustomer  # the shopper's details as of the order (billing address)
    order_date: dt.datetime
    last_update: dt.datetime
    status_id: int
    lines: list[SeedLine]
    shipping: Decimal
    tax: Decimal
    invoice_prefix: str = ""
    coupon: str = ""
    discount: Decimal = Decimal("0.00")
    shipments: list[Shipment] = field(default_factory=list)
    transactions: list[SeedTransaction] = field(default_factory=list)
    internal_comments: str = ""
    shipped_at: dt.datetime | None = None

    @property
    def subtotal(self) -> Decimal:
        """Sum of the lines: (base price + option price) times quantity."""
        return sum((ln.price * ln.quantity for ln in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """Grand total (`OrderAmount`): lines + shipping + tax - discount.

        Assumption: fixed at checkout; later `ShipmentCost` edits do not recompute it.
        """
        return (self.subtotal + self.shipping + self.tax - self.discount).quantize(CENT)


@dataclass
class Customer:
    """A registered customer: its API fields (PascalCase, capture order) and hidden last update."""

    fields: dict[str, Any]
    last_update: dt.datetime

    @property
    def customer_id(self) -> int:
        """The CustomerID."""
        return int(self.fields["CustomerID"])

    @property
    def email(self) -> str:
        """The login e-mail."""
        return str(self.fields["Email"])


@dataclass
class Variant:
    """An advanced option (`AdvancedOptionList` element): one sellable variant of a product."""

    code: str
    sku: str
    name: str
    option_name: str
    option_value: str
    price: Decimal  # Assumption: the variant's full price, not a delta
    cost: Decimal
    stock: int  # may go negative (store-apis.md 2.5)
    weight: Decimal
    gtin: str = ""


@dataclass
class Product:
    """A catalogue product as the store holds it (what `PUT /Products` can change)."""

    catalog_id: int
    sku: str
    name: str
    price: Decimal
    cost: Decimal
    retail_price: Decimal
    sale_price: Decimal
    stock: int  # SKUInfo.Stock, kept apart from the variants' stock (gotcha 7); may go negative
    last_update: dt.datetime
    date_created: dt.datetime
    description: str = ""
    short_description: str = ""
    gtin: str = ""
    weight: Decimal = Decimal("1")
    mfgid: str = ""
    hide: bool = False
    on_sale: bool = False
    variants: list[Variant] = field(default_factory=list)

    def variant(self, code: str) -> Variant | None:
        """The variant with AdvancedOptionCode `code`, if any."""
        return next((v for v in self.variants if v.code == code), None)


@dataclass
class Webhook:
    """A registered webhook (`Webhook` schema)."""

    webhook_id: int
    name: str
    url: str
    event_type: int
    format: str
    enabled: bool
    date_created: dt.datetime
    date_updated: dt.datetime


@dataclass
class StoreState:
    """Everything the emulated store holds, keyed by id, and its id sequences."""

    orders: dict[int, Order] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        """The next id of `kind` ("catalog", "customer", "shipment", "webhook", "order", ...).

        Ids are never reused, even after a delete (a counter, not max + 1).
        """
        self.sequences[kind] = self.sequences.get(kind, 0) + 1
        return self.sequences[kind]
