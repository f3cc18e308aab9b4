"""What a reconcile reader offers (`READERS` in `flows/reconcile/__init__.py` names one per system).

* `OrderReader` (back offices): the orders it holds for one store, as `Held` rows (the store
  order's id, the back office's own id and number, the line count, the total on the reader's
  basis and the amount paid where it keeps one), read by the store's order ids or by the days
  they were placed on; and `expected(order)`: what it should hold for a store order, on the same
  basis (Salesforce and Dynamics 365 total the item lines, Sage 300 the whole order; Sage 300
  counts the receipts it was given, the CRMs the net amount paid).
* `StockReader` (stores): the store's current stock per SKU, in pages.

Readers read their connection settings from the environment (as adapters do), read in bounded
pages or chunks, and hold nothing personal: ids, numbers, amounts, counts and SKUs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from transforms.canonical import Order, PaymentKind, PaymentStatus

CENT = Decimal("0.01")
CHUNK = 500  # store ids per look-up of a back office (readers chunk further to URL limits)


@dataclass(frozen=True)
class Expected:
    """What a back office should hold for one store order (on its reader's basis)."""

    lines: int
    total: Decimal
    paid: Decimal | None  # None: this back office keeps no amount paid


@dataclass(frozen=True)
class Held:
    """One order a back office holds for a store order."""

    order_id: str  # the store order's id (from the back office's reference to it)
    target_id: str  # the back office's own id (Salesforce Id, salesorderid, ORDUNIQ)
    number: str  # the back office's order number
    lines: int  # item lines (charge lines are not counted)
    total: Decimal
    paid: Decimal | None = None
    placed: dt.date | None = None  # the day the back office dates it


class OrderReader(Protocol):
    """A back office's reads of the orders it holds for one store (see the module docstring)."""

    system: str
    total_basis: str  # "item lines" or "order": what `Held.total` and `Expected.total` sum
    paid_basis: str | None  # what `paid` is ("net paid", "receipts"); None: not kept

    def expected(self, order: Order) -> Expected:
        """What this back office should hold for `order` (pure)."""
        ...

    def by_order_ids(self, order_ids: Sequence[str]) -> list[Held]:
        """The orders it holds for these store order ids (absent ones are left out)."""
        ...

    def placed(self, since: dt.datetime, until: dt.datetime) -> Iterator[list[Held]]:
        """Pages of the orders it holds for the store dated (by its own date) in the local
        days of [since, until), widened by a day on each side: the caller keeps what it needs."""
        ...

    def close(self) -> None: ...


class StockReader(Protocol):
    """A store's read of its current stock levels."""

    system: str

    def levels(self) -> Iterator[dict[str, Decimal]]:
        """Pages of SKU -> units the store offers now (variants by their own SKU; a product
        sold as variants is left out: its stock is its variants')."""
        ...

    def close(self) -> None: ...


# --- helpers readers share -------------------------------------------------------------------
def cents(value: object) -> Decimal:
    """An amount as Decimal to the cent (None and "" are 0)."""
    if value is None or value == "":
        return Decimal("0.00")
    number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    return number.quantize(CENT)


def item_total(order: Order, *, per_line_cents: bool = False) -> Decimal:
    """Quantity x unit price summed over the item lines (each line to the cent first when the
    back office rounds its line amounts)."""
    total = Decimal("0")
    for line in order.lines:
        amount = line.quantity * line.unit_price.amount
        total += amount.quantize(CENT) if per_line_cents else amount
    return total.quantize(CENT)


def net_paid(order: Order) -> Decimal:
    """Succeeded sales and captures minus succeeded refunds (the mappings' `paid` converter)."""
    total = Decimal("0")
    for p in order.payments:
        if p.status is not PaymentStatus.SUCCEEDED:
            continue
        if p.kind in (PaymentKind.SALE, PaymentKind.CAPTURE):
            total += p.amount.amount
        elif p.kind is PaymentKind.REFUND:
            total -= p.amount.amount
    return total.quantize(CENT)


def local_days(
    since: dt.datetime, until: dt.datetime, timezone: str, *, margin: int = 1
) -> tuple[dt.date, dt.date]:
    """The first and last local day of [since, until) in `timezone`, `margin` days wider on
    each side (a back office dates orders by a local day; the caller filters exactly)."""
    zone = ZoneInfo(timezone or "UTC")
    first = since.astimezone(zone).date() - dt.timedelta(days=margin)
    last = (until - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return first, last + dt.timedelta(days=margin)


def chunked(values: Sequence[str], size: int = CHUNK) -> Iterator[list[str]]:
    """Consecutive chunks of at most `size` values."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
