"""Mutable state of the Shift4Shop (3dcart) REST API v1 emulator, built from the seed world.

Datetimes are aware UTC here; they only turn into store-local strings when rendered (`render.py`).
`dump_state`/`load_state` turn the whole state into JSON-serialisable data and back (Decimals as
strings, datetimes as ISO 8601), so a persisted sandbox resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.seed import CENT, SeedCustomer, SeedLine, SeedProduct, SeedWorld

STATE_VERSION = 1
# Seed customers and products carry no timestamps and the Customer object has no LastUpdate field
# (sample and schema), yet `lastupdatestart/end` filter both lists. Assumption: a deterministic
# hidden "last update" spread before the order window (customers every 6 h, products every hour).
CUSTOMER_EPOCH_DAYS = 30
CUSTOMER_STEP = dt.timedelta(hours=6)
PRODUCT_EPOCH_DAYS = 60
PRODUCT_STEP = dt.timedelta(hours=1)


@dataclass
class Order:
    """One order as the store holds it (the seed order plus what API writes can change)."""

    order_id: int
    invoice_number: int
    customer: SeedCustomer
    order_date: dt.datetime
    last_update: dt.datetime
    status_id: int
    lines: list[SeedLine]
    shipping: Decimal
    tax: Decimal
    paid: bool
    tracking: str
    internal_comments: str = ""
    shipped_at: dt.datetime | None = None

    @property
    def subtotal(self) -> Decimal:
        """Sum of the lines (unit price times quantity; option prices are always 0 here)."""
        return sum((ln.unit_price * ln.quantity for ln in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """Grand total (`OrderAmount`): lines + shipping + tax, no discounts."""
        return (self.subtotal + self.shipping + self.tax).quantize(CENT)


@dataclass
class Customer:
    """A registered customer and its hidden last-update instant (filter only)."""

    customer: SeedCustomer
    last_update: dt.datetime


@dataclass
class Product:
    """A catalogue product with its LastUpdate and DateCreated."""

    product: SeedProduct
    last_update: dt.datetime
    date_created: dt.datetime
    hide: bool = False


@dataclass
class StoreState:
    """Everything the emulated store holds, keyed by id."""

    orders: dict[int, Order] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)


def build_state(world: SeedWorld) -> StoreState:
    """The store's state at the start, from the seed world.

    Args:
        world: the deterministic seed world shared by all emulators.
    """
    state = StoreState()
    for o in world.orders:
        # Shipped (4) and partially shipped (3) orders went out at their last update.
        shipped = o.last_update if o.status_id in (3, 4) else None
        state.orders[o.order_id] = Order(
            o.order_id,
            o.invoice_number,
            o.customer,
            o.order_date,
            o.last_update,
            o.status_id,
            list(o.lines),
            o.shipping,
            o.tax,
            o.paid,
            o.tracking,
            shipped_at=shipped,
        )
    start = world.anchor - dt.timedelta(days=world.config.days)
    customer_epoch = start - dt.timedelta(days=CUSTOMER_EPOCH_DAYS)
    for c in world.customers:
        state.customers[c.customer_id] = Customer(c, customer_epoch + CUSTOMER_STEP * c.customer_id)
    product_epoch = start - dt.timedelta(days=PRODUCT_EPOCH_DAYS)
    for p in world.products:
        state.products[p.catalog_id] = Product(
            p, product_epoch + PRODUCT_STEP * p.catalog_id, product_epoch
        )
    return state


def _plain(value: Any) -> Any:
    """JSON-serialisable copy: Decimal → str, datetime → ISO string, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def dump_state(state: StoreState) -> dict[str, Any]:
    """A JSON-serialisable snapshot of `state` (ids sorted, so equal states dump equal)."""
    return {
        "version": STATE_VERSION,
        "orders": [_plain(asdict(state.orders[k])) for k in sorted(state.orders)],
        "customers": [_plain(asdict(state.customers[k])) for k in sorted(state.customers)],
        "products": [_plain(asdict(state.products[k])) for k in sorted(state.products)],
    }


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _order(d: dict[str, Any]) -> Order:
    lines = [SeedLine(**{**ln, "unit_price": Decimal(ln["unit_price"])}) for ln in d["lines"]]
    return Order(
        order_id=d["order_id"],
        invoice_number=d["invoice_number"],
        customer=SeedCustomer(**d["customer"]),
        order_date=dt.datetime.fromisoformat(d["order_date"]),
        last_update=dt.datetime.fromisoformat(d["last_update"]),
        status_id=d["status_id"],
        lines=lines,
        shipping=Decimal(d["shipping"]),
        tax=Decimal(d["tax"]),
        paid=d["paid"],
        tracking=d["tracking"],
        internal_comments=d["internal_comments"],
        shipped_at=_when(d["shipped_at"]),
    )


def _product(d: dict[str, Any]) -> Product:
    p = d["product"]
    seed = SeedProduct(**{**p, "price": Decimal(p["price"]), "cost": Decimal(p["cost"])})
    return Product(
        seed,
        dt.datetime.fromisoformat(d["last_update"]),
        dt.datetime.fromisoformat(d["date_created"]),
        d["hide"],
    )


def load_state(data: dict[str, Any]) -> StoreState:
    """Rebuild the state from a `dump_state` snapshot.

    Args:
        data: the snapshot (already parsed from JSON).

    Raises:
        ValueError: the snapshot was written by another state version.
    """
    if data.get("version") != STATE_VERSION:
        raise ValueError(f"shift4shop state version {data.get('version')!r} != {STATE_VERSION}")
    state = StoreState()
    for d in data["orders"]:
        order = _order(d)
        state.orders[order.order_id] = order
    for d in data["customers"]:
        customer = Customer(
            SeedCustomer(**d["customer"]), dt.datetime.fromisoformat(d["last_update"])
        )
        state.customers[customer.customer.customer_id] = customer
    for d in data["products"]:
        product = _product(d)
        state.products[product.product.catalog_id] = product
    return state
