"""Deterministic seed data shared by every emulator: one small business, seen from each system.

The same `SeedWorld` feeds the storefront emulators (customers, products, orders) and the back
offices (the product catalogue and price book the CRM/ERP already holds, a few contacts that
already exist there). A given `SeedConfig` always yields the same world; dates are relative to
`anchor` (midnight UTC today unless set), so "the last 90 days" stays true on any day.

Deliberately bad orders (`SeedOrder.defect`) exercise the dead-letter path: an unknown SKU, a
missing e-mail, a zero quantity, and a customer whose e-mail matches two CRM contacts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Liam",
    "Maya",
    "Noor",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
]
LAST = [
    "Abbott",
    "Brooks",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Patel",
    "Quinto",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Weber",
    "Young",
]
CITIES = [
    ("Springfield", "IL", "62701"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
    ("Miami", "FL", "33101"),
    ("Boston", "MA", "02108"),
    ("Seattle", "WA", "98101"),
    ("Phoenix", "AZ", "85001"),
]
CATEGORIES = [
    ("TEE", "T-Shirt", "12.00"),
    ("MUG", "Mug", "9.50"),
    ("CAP", "Cap", "15.00"),
    ("BAG", "Tote Bag", "18.00"),
    ("HOOD", "Hoodie", "45.00"),
]
# Shift4Shop default order statuses (store-apis.md 2.4) with their share of seeded orders.
STATUS_WEIGHTS = {1: 10, 2: 30, 3: 4, 4: 46, 5: 4, 6: 3, 11: 2, 12: 1}
NOT_COMPLETED = 7
UNKNOWN_SKU = "RETIRED-0042"


@dataclass(frozen=True)
class SeedConfig:
    """Knobs of the seed world; the defaults give what the demo and tests expect."""

    seed: int = 20261123
    anchor: dt.datetime | None = None  # None: today 00:00 UTC
    days: int = 90
    customers: int = 200
    products: int = 100
    orders: int = 520
    abandoned: int = 5  # status 7 "Not Completed": importers must skip them
    crm_known_customers: int = 12  # store customers who already exist as CRM contacts
    store_timezone: str = "America/New_York"
    currency: str = "USD"

    def resolved_anchor(self) -> dt.datetime:
        """The anchor as an aware UTC datetime."""
        if self.anchor is not None:
            return self.anchor.astimezone(dt.UTC)
        return dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class SeedProduct:
    catalog_id: int
    sku: str
    name: str
    price: Decimal
    cost: Decimal
    stock: int


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


@dataclass(frozen=True)
class SeedLine:
    line_id: int
    catalog_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


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

    @property
    def subtotal(self) -> Decimal:
        return sum((ln.unit_price * ln.quantity for ln in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return (self.subtotal + self.shipping + self.tax).quantize(CENT)


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

    def defective(self) -> list[SeedOrder]:
        """Orders that must be dead-lettered, with `defect` saying why."""
        return [o for o in self.orders if o.defect]


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _products(rng: random.Random, n: int) -> list[SeedProduct]:
    out = []
    for i in range(1, n + 1):
        code, label, base = CATEGORIES[(i - 1) % len(CATEGORIES)]
        price = _money(Decimal(base) + Decimal(rng.randint(0, 40)) / 2)
        out.append(
            SeedProduct(
                i,
                f"SB-{code}-{i:03d}",
                f"{label} #{i:03d}",
                price,
                _money(price * Decimal("0.4")),
                rng.randint(0, 250),
            )
        )
    return out


def _customer(rng: random.Random, cid: int, email: str, first: str, last: str) -> SeedCustomer:
    city, state, zip_code = rng.choice(CITIES)
    company = rng.choice(["", "", "", f"{last} & Co", f"{first} Studio"])
    phone = f"555-01{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}"
    address = f"{rng.randint(1, 999)} {rng.choice(['Oak', 'Elm', 'Main', 'Pine'])} St"
    return SeedCustomer(cid, email, first, last, company, phone, address, city, state, zip_code)


def _customers(rng: random.Random, n: int) -> list[SeedCustomer]:
    out = []
    for cid in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        out.append(_customer(rng, cid, f"{first}.{last}{cid}@example.com".lower(), first, last))
    return out


def _guest(rng: random.Random, world: SeedWorld, n: int) -> SeedCustomer:
    """A guest checkout: a new shopper, a returning guest, or a registered customer's e-mail."""
    kind = rng.random()
    if kind < 0.35:  # a registered customer who did not log in: must match the same contact
        c = rng.choice(world.customers)
        return _customer(rng, 0, c.email, c.first_name, c.last_name)
    if kind < 0.55:  # a returning guest: one contact for both orders, not two
        n = rng.randint(1, 10)
    first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
    return _customer(rng, 0, f"guest{n}@example.net", first, last)


def _lines(rng: random.Random, products: list[SeedProduct], first_line_id: int) -> list[SeedLine]:
    picks = rng.sample(products, rng.randint(1, 4))
    return [
        SeedLine(first_line_id + i, p.catalog_id, p.sku, p.name, rng.randint(1, 3), p.price)
        for i, p in enumerate(picks)
    ]


def _order(rng: random.Random, world: SeedWorld, oid: int, line_id: int, status: int) -> SeedOrder:
    customer = _guest(rng, world, oid) if rng.random() < 0.15 else rng.choice(world.customers)
    span = dt.timedelta(days=world.config.days)
    order_date = (
        world.anchor
        - span
        + dt.timedelta(seconds=rng.randint(3600, int(span.total_seconds()) - 3600))
    )
    last_update = min(
        order_date + dt.timedelta(minutes=rng.randint(0, 6 * 24 * 60)),
        world.anchor - dt.timedelta(minutes=1),
    )
    lines = _lines(rng, world.products, line_id)
    subtotal = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0.00"))
    return SeedOrder(
        order_id=oid,
        invoice_number=40000 + oid,
        customer=customer,
        order_date=order_date.replace(microsecond=0),
        last_update=last_update.replace(microsecond=0),
        status_id=status,
        lines=tuple(lines),
        shipping=rng.choice([_money(0), _money(5.99), _money(9.99)]),
        tax=_money(subtotal * Decimal("0.07")),
        paid=status not in (1, 11),
        tracking=f"1Z{oid:010d}" if status in (3, 4) else "",
    )


def _with_defects(rng: random.Random, world: SeedWorld) -> None:
    """Turn a few orders into the bad ones the dead-letter path must catch."""
    candidates = [o for o in world.orders if o.status_id != NOT_COMPLETED]
    picks = rng.sample(candidates, 6)
    replace: dict[int, SeedOrder] = {}
    for i, o in enumerate(picks):
        if i < 2:  # a line whose SKU neither the store catalogue nor the CRM knows any more
            bad = SeedLine(o.lines[0].line_id, 9042, UNKNOWN_SKU, "Retired product", 1, _money(20))
            replace[o.order_id] = _replace(
                o, lines=(bad, *o.lines[1:]), defect=f"unknown SKU {UNKNOWN_SKU}"
            )
        elif i < 4:  # a guest checkout without an e-mail: nothing to match or create a contact by
            guest = _customer(rng, 0, "", o.customer.first_name, o.customer.last_name)
            replace[o.order_id] = _replace(o, customer=guest, defect="missing e-mail")
        else:  # a line with quantity zero
            zero = SeedLine(
                o.lines[0].line_id,
                o.lines[0].catalog_id,
                o.lines[0].sku,
                o.lines[0].name,
                0,
                o.lines[0].unit_price,
            )
            replace[o.order_id] = _replace(o, lines=(zero, *o.lines[1:]), defect="zero quantity")
    world.orders = [replace.get(o.order_id, o) for o in world.orders]


def _replace(order: SeedOrder, **changes: Any) -> SeedOrder:
    return replace(order, **changes)


def _crm(rng: random.Random, world: SeedWorld) -> None:
    """Contacts the CRM already has: some store customers, and one e-mail held by two contacts."""
    known = rng.sample(world.customers, world.config.crm_known_customers + 1)
    for c in known[:-1]:
        world.crm_contacts.append(
            SeedContact(c.email, c.first_name, c.last_name, f"{c.last_name} Household")
        )
    twin = known[-1]
    for suffix in ("Household", "Old Account"):
        world.crm_contacts.append(
            SeedContact(twin.email, twin.first_name, twin.last_name, f"{twin.last_name} {suffix}")
        )
    ambiguous = {twin.email}
    world.orders = [
        _replace(o, defect="ambiguous customer match")
        if o.customer.email in ambiguous and not o.defect
        else o
        for o in world.orders
    ]


def build_world(config: SeedConfig | None = None) -> SeedWorld:
    """Generate the world for `config` (same config, same world)."""
    config = config or SeedConfig()
    rng = random.Random(config.seed)
    world = SeedWorld(config=config, anchor=config.resolved_anchor())
    world.products = _products(rng, config.products)
    world.customers = _customers(rng, config.customers)
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    line_id = 1
    for i in range(config.orders + config.abandoned):
        status = NOT_COMPLETED if i >= config.orders else rng.choices(statuses, weights)[0]
        order = _order(rng, world, 1001 + i, line_id, status)
        line_id += len(order.lines)
        world.orders.append(order)
    # Three orders changed in the same second: the incremental window must not lose any of them.
    same = world.orders[100].last_update
    world.orders[101:103] = [_replace(o, last_update=same) for o in world.orders[101:103]]
    _with_defects(rng, world)
    _crm(rng, world)
    return world
