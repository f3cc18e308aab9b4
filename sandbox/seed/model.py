"""The seed world's records: one small business, seen from every system.

Plain frozen dataclasses; every datetime is aware UTC. Emulators render these in their own
system's shapes (store ids, local times, PascalCase or sObjects).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

CENT = Decimal("0.01")
NOT_COMPLETED = 7
UNKNOWN_SKU = "RETIRED-0042"


@dataclass(frozen=True)
class SeedConfig:
    """Knobs of the seed world; the defaults give what the demo and tests expect.

    Dates are relative to `anchor`; a given config always yields the same world.
    """

    seed: int = 20261123
    anchor: dt.datetime | None = None  # None: today 00:00 UTC (the business clock)
    days: int = 90
    customers: int = 200
    products: int = 100
    orders: int = 520
    abandoned: int = 5  # status 7 "Not Completed": importers must skip them
    crm_known_customers: int = 12  # store customers who already exist as CRM contacts
    store_timezone: str = "America/New_York"
    currency: str = "USD"
    locations: tuple[tuple[str, str], ...] = (("MAIN", "Main warehouse"), ("EAST", "East DC"))
    foreign_share: float = 0.12  # customers living outside the US
    variants: bool = True  # some T-shirts and hoodies are sold in sizes

    def resolved_anchor(self) -> dt.datetime:
        """The anchor as an aware UTC datetime (business-clock midnight when unset)."""
        if self.anchor is not None:
            return self.anchor.astimezone(dt.UTC)
        from connectors.clock import utcnow

        return utcnow().replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class SeedLevel:
    """Stock of one SKU at one location, as the stock master (back office) holds it."""

    location: str
    on_hand: int
    reserved: int = 0


@dataclass(frozen=True)
class SeedVariant:
    """A variant of a product: its own SKU (`<parent>-<value>`), option and full price."""

    code: str  # Shift4Shop AdvancedOptionCode
    sku: str
    option_name: str
    option_value: str
    price: Decimal
    stock: int  # what the store shows
    gtin: str
    levels: tuple[SeedLevel, ...] = ()


@dataclass(frozen=True)
class SeedProduct:
    catalog_id: int
    sku: str
    name: str
    price: Decimal
    cost: Decimal
    stock: int  # what the store shows (for products with variants: their sum)
    description: str = ""  # HTML; some are longer than 255 characters
    gtin: str = ""
    weight: Decimal = Decimal("1")
    variants: tuple[SeedVariant, ...] = ()
    levels: tuple[SeedLevel, ...] = ()  # the back office's stock per location


@dataclass(frozen=True)
class SeedCustomer:
    customer_id: int  # 0 for a guest checkout
    email: str
    first_name: str
    last_name: str
    company: str
    phone: str
    address: str
    city: str
    state: str
    zip_code: str
    country: str = "US"
    address2: str = ""
    group_id: int = 0  # Shift4Shop CustomerGroupID (0 = retail, 2 = wholesale)
    tax_exempt: bool = False


@dataclass(frozen=True)
class SeedAddressChange:
    """A registered customer who moved: from `at` on, the store holds `customer`."""

    at: dt.datetime
    customer: SeedCustomer


@dataclass(frozen=True)
class SeedLine:
    line_id: int
    catalog_id: int  # the product (the parent for a variant)
    sku: str  # the variant's SKU for a variant line
    name: str
    quantity: int
    unit_price: Decimal  # the product's base price
    option_price: Decimal = Decimal("0")  # added for the chosen variant (ItemOptionPrice)
    option: tuple[str, str] | None = None  # (name, value) of the chosen variant
    description: str = ""  # HTML as the store prints it (may be long)

    @property
    def price(self) -> Decimal:
        """What one unit costs: base price plus the option's price."""
        return self.unit_price + self.option_price


@dataclass(frozen=True)
class SeedShipment:
    """A ship-to of an order; `shipment_id` 0 is the store's not-yet-shipped placeholder."""

    shipment_id: int
    line_ids: tuple[int, ...]
    method: str
    cost: Decimal
    carrier: str = ""
    tracking: str = ""
    shipped_at: dt.datetime | None = None
    recipient: SeedCustomer | None = None  # None: the customer's own address


@dataclass(frozen=True)
class SeedTransaction:
    index_id: int
    kind: str  # Shift4Shop TransactionType: "Sale", "Authorize", "Capture", "Refund"
    amount: Decimal
    at: dt.datetime
    approved: bool = True


@dataclass(frozen=True)
class SeedOrder:
    order_id: int
    invoice_number: int
    customer: SeedCustomer
    order_date: dt.datetime  # aware UTC
    last_update: dt.datetime  # aware UTC
    status_id: int
    lines: tuple[SeedLine, ...]
    shipping: Decimal
    tax: Decimal
    paid: bool
    tracking: str
    defect: str | None = None  # why this order must end in the dead-letter table
    invoice_prefix: str = ""
    coupon: str = ""
    discount: Decimal = Decimal("0")
    shipments: tuple[SeedShipment, ...] = ()
    transactions: tuple[SeedTransaction, ...] = ()

    @property
    def subtotal(self) -> Decimal:
        return sum((ln.price * ln.quantity for ln in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return (self.subtotal + self.shipping + self.tax - self.discount).quantize(CENT)


@dataclass(frozen=True)
class SeedContact:
    """A contact the CRM already holds before any sync (matched by e-mail, never duplicated)."""

    email: str
    first_name: str
    last_name: str
    account_name: str


@dataclass
class SeedWorld:
    config: SeedConfig
    anchor: dt.datetime
    products: list[SeedProduct] = field(default_factory=list)
    customers: list[SeedCustomer] = field(default_factory=list)
    orders: list[SeedOrder] = field(default_factory=list)
    crm_contacts: list[SeedContact] = field(default_factory=list)
    address_changes: list[SeedAddressChange] = field(default_factory=list)

    def defective(self) -> list[SeedOrder]:
        """Orders that must be dead-lettered, with `defect` saying why."""
        return [o for o in self.orders if o.defect]

    def skus(self) -> dict[str, SeedProduct]:
        """Every sellable SKU (products and their variants) → its product."""
        out: dict[str, SeedProduct] = {}
        for p in self.products:
            out[p.sku] = p
            out.update({v.sku: p for v in p.variants})
        return out
