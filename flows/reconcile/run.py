"""One reconciliation of a (store, back office) pair over a window of placed orders.

`run_reconcile` reads, in bounded pages, and compares (`compare.py`):

1. the store's orders placed in [since, until): its order `Source` (the registry's role) reads
   the orders changed from `since` until now (an order placed in the window may have changed
   since), decodes each, admits it as order-to-cash does (abandoned checkouts are no orders) and
   keeps those placed in the window, as the figures the back office should hold for each
   (`OrderReader.expected`: its basis of totals and payments);
2. per page, what the back office holds for those orders (`OrderReader.by_order_ids`);
3. the back office's own orders of the store dated in the window (`OrderReader.placed`) whose
   store order was not read: the store is asked for them by id; one it no longer has (not
   found, or reported deleted) is ``missing_in_store``, one placed outside the window is none of
   this window's business;
4. the unresolved order-to-cash dead letters of the pair (state store): a store order missing
   in the back office for a reason the sync already reported is *known*, not a difference;
5. stock (when the back office is a stock master and the store has a `StockReader`): the
   back office's inventory `Source` (the registry's role, over its whole history: every SKU it
   stocks) gives each SKU's sellable units, the store's reader its current units.

Nothing personal is kept: the frames hold order ids and numbers, totals, line counts, amounts
paid, SKUs and units. Inside a Prefect flow run each read is a task (retried on infrastructure
errors only, as the sync's are); outside, the same functions run as plain calls.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]
from prefect import task

from connectors.clock import utcnow
from connectors.records import Page
from connectors.state import DeadLetterStatus, StateStore
from flows import observe, registry
from flows.ports import Context, DecodeError, Source, Tombstone
from flows.reconcile import compare, reader_class
from flows.reconcile.readers import Held, OrderReader, StockReader, chunked
from flows.registry import Kind, Role
from flows.sync import TASK_OPTIONS, opaque
from flows.usecases import ORDER_TO_CASH
from transforms.canonical import Entity, Order

NAME = "reconcile"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the stock master's "whole history"
LETTERS_PAGE = 500

log = logging.getLogger("storebridge.reconcile")


@dataclass
class Report:
    """What a reconciliation found (no personal data: ids, amounts, counts and SKUs)."""

    source: str
    target: str
    since: dt.datetime
    until: dt.datetime
    differences: pd.DataFrame
    total_basis: str
    paid_basis: str | None
    stock_compared: bool
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Differences per kind (every kind, 0 when none)."""
        return compare.counts(self.differences)

    @property
    def differs(self) -> bool:
        return bool(len(self.differences))

    @property
    def pair(self) -> str:
        return f"{self.source}-{self.target}"

    def summary(self) -> dict[str, Any]:
        """The report as plain data: window, counts per kind, what was read (no rows)."""
        return {
            "flow": NAME,
            "source": self.source,
            "target": self.target,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "differences": len(self.differences),
            "counts": self.counts,
            "total_basis": self.total_basis,
            "paid_basis": self.paid_basis,
            "stock_compared": self.stock_compared,
            **self.figures,
        }


# --- the window ------------------------------------------------------------------------------
def previous_day(now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the day before `now` in `timezone`, as aware UTC instants."""
    zone = ZoneInfo(timezone or "UTC")
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), tzinfo=zone)
    end = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def store_timezone(source: str) -> str:
    """The store's time zone setting where its connection has one (else UTC), read without a
    connection: the default window's days are the merchant's."""
    from connectors.settings import load_settings

    try:
        settings = load_settings(registry.load(registry.spec(source).settings))
    except Exception:  # a missing setting fails the run later, with its own message
        return "UTC"
    return str(getattr(settings, "store_timezone", None) or "UTC")


# --- reads (tasks in a flow run) ---------------------------------------------------------------
@task(**TASK_OPTIONS)
def read_orders(
    source: Source[Any], since: dt.datetime, until: dt.datetime, cursor: Any
) -> Page[Any]:
    """One page of the store's orders changed in [since, until]."""
    return source.read_changed(since, until, cursor)


@task(**TASK_OPTIONS)
def read_orders_by_id(source: Source[Any], ids: Sequence[str], cursor: Any) -> Page[Any]:
    """One page of the store's orders by id (unknown ids come back as NotFoundError)."""
    return source.read_ids(ids, cursor)


@task(**TASK_OPTIONS)
def read_held(reader: OrderReader, order_ids: Sequence[str]) -> list[Held]:
    """What the back office holds for these store orders."""
    return reader.by_order_ids(order_ids)


@task(**TASK_OPTIONS)
def read_unseen(
    reader: OrderReader, since: dt.datetime, until: dt.datetime, seen: set[str]
) -> list[Held]:
    """The back office's orders of the store dated in the window whose store order was not read
    (page by page: only those are kept)."""
    return [h for page in reader.placed(since, until) for h in page if h.order_id not in seen]


@task(**TASK_OPTIONS)
def read_office_stock(source: Source[Any], now: dt.datetime) -> tuple[dict[str, Decimal], int]:
    """The stock master's sellable units per SKU (every SKU it stocks), and how many of its
    records could not be read."""
    out: dict[str, Decimal] = {}
    bad = 0
    cursor: Any = None
    while True:
        page = source.read_changed(EPOCH, now, cursor)
        bad += len(page.failures)
        for raw in page.records:
            try:
                position = source.decode(raw)
            except Tombstone:
                continue
            except (DecodeError, ValueError):
                bad += 1
                continue
            out[position.sku] = position.sellable
        cursor = page.next
        if cursor is None:
            return out, bad


@task(**TASK_OPTIONS)
def read_store_stock(reader: StockReader) -> dict[str, Decimal]:
    """The store's current units per SKU."""
    out: dict[str, Decimal] = {}
    for page in reader.levels():
        out.update(page)
    return out


# --- the run -----------------------------------------------------------------------------------
@dataclass
class _Orders:
    """What the store's pages gave: expected figures per order of the window, and the rest."""

    expected: dict[str, dict[str, Any]] = field(default_factory=dict)
    held: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # store orders read (placed in or out of it)
    unreadable: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)  # the store reports them deleted
    abandoned: int = 0


def run_reconcile(
    source: str,
    target: str,
    since: dt.datetime,
    until: dt.datetime,
    *,
    stock: bool = True,
    now: dt.datetime | None = None,
) -> Report:
    """Reconcile `source` (a store) with `target` (a back office) over [since, until).

    Raises:
        ValueError: not a store and a back office, no reader for one of them, or a bad window.
    """
    for name, moment in (("since", since), ("until", until)):
        if moment.tzinfo is None:
            raise ValueError(f"{name} needs a time zone")
    if until <= since:
        raise ValueError("until must be after since")
    src_spec, dst_spec = registry.spec(source), registry.spec(target)
    if src_spec.kind is not Kind.STORE or not src_spec.plays(Entity.ORDER, Role.SOURCE):
        raise ValueError(f"{source} is not a store that is a source of orders")
    if dst_spec.kind is not Kind.BACK_OFFICE:
        raise ValueError(f"{target} is not a back office")
    now = now or utcnow()
    in_run = observe.in_flow_run()
    call = _caller(in_run)
    with ExitStack() as stack:
        state = StateStore.from_settings()
        stack.callback(state.dispose)
        state.upgrade()
        reader: OrderReader = reader_class(target)(source)
        stack.callback(reader.close)
        src: Source[Any] = src_spec.adapter(Entity.ORDER, Role.SOURCE)(Context(state, target, NAME))
        stack.callback(src.close)
        orders = _read_store(call, src, reader, since, until, max(now, until))
        unseen = call(read_unseen, reader, since, until, orders.seen)
        gone = _gone(call, src, orders, unseen)
        known = _known(state, source, target)
        store_frame = compare.frame(orders.expected.values(), compare.STORE_COLUMNS)
        held_frame = compare.frame(orders.held.values(), compare.HELD_COLUMNS)
        gone_frame = compare.frame((_held_row(h) for h in gone), compare.HELD_COLUMNS)
        order_diff, order_counts = compare.order_differences(
            store_frame,
            held_frame,
            store_system=source,
            total_basis=reader.total_basis,
            paid_basis=reader.paid_basis,
            known=known,
            unreadable=orders.unreadable,
            gone=gone_frame,
        )
        figures = {
            "store_orders": len(orders.expected),
            "store_orders_unreadable": len(orders.unreadable),
            "store_orders_abandoned": orders.abandoned,
            "back_office_orders": len(orders.held),
            "back_office_orders_checked_in_store": len(unseen),
            "known_dead_letters": order_counts["known"],
        }
        stock_diff = compare.empty()
        compared = False
        if stock and dst_spec.plays(Entity.INVENTORY, Role.SOURCE) and _has_reader(source):
            stock_diff, stock_counts = _stock(call, stack, state, source, target, now)
            figures |= stock_counts
            compared = True
        differences = compare.combine(order_diff, stock_diff)
    return Report(
        source,
        target,
        since,
        until,
        differences,
        reader.total_basis,
        reader.paid_basis,
        compared,
        figures,
    )


def _caller(in_run: bool) -> Any:
    """Call a task (in a flow run: its arguments opaque to Prefect) or its plain function."""

    def call(fn: Any, *args: Any) -> Any:
        if in_run:
            return fn(*(opaque(a) for a in args))
        return fn.fn(*args)

    return call


def _read_store(
    call: Any,
    src: Source[Any],
    reader: OrderReader,
    since: dt.datetime,
    until: dt.datetime,
    read_until: dt.datetime,
) -> _Orders:
    out = _Orders()
    cursor: Any = None
    while True:
        page = call(read_orders, src, since, read_until, cursor)
        wanted: list[str] = []
        for failure in page.failures:
            out.unreadable.add(str(failure.external_id))
            out.seen.add(str(failure.external_id))
            wanted.append(str(failure.external_id))
        for raw in page.records:
            oid = str(src.external_id(raw))
            try:
                order: Order = src.decode(raw)
            except Tombstone:
                out.deleted.add(oid)
                continue
            except (DecodeError, ValueError):
                out.seen.add(oid)
                out.unreadable.add(oid)
                wanted.append(oid)
                continue
            out.seen.add(oid)
            if ORDER_TO_CASH.admit(order) is not None:
                out.abandoned += 1
                continue
            if not since <= order.placed_at < until:
                continue
            exp = reader.expected(order)
            out.expected[oid] = {
                "order_id": oid,
                "number": order.number,
                "lines": exp.lines,
                "total": exp.total,
                "paid": exp.paid,
            }
            wanted.append(oid)
        for chunk in chunked(list(dict.fromkeys(wanted))):
            for held in call(read_held, reader, chunk):
                out.held[held.order_id] = _held_row(held)
        cursor = page.next
        if cursor is None:
            return out


def _gone(
    call: Any,
    src: Source[Any],
    orders: _Orders,
    unseen: list[Held],
) -> list[Held]:
    """The back office's orders whose store order the store no longer has."""
    gone = [h for h in unseen if h.order_id in orders.deleted]
    ask = list(dict.fromkeys(h.order_id for h in unseen if h.order_id not in orders.deleted))
    missing: set[str] = set()
    cursor: Any = None
    while ask:
        page = call(read_orders_by_id, src, ask, cursor)
        for failure in page.failures:
            if failure.error_class == "NotFoundError":
                missing.add(str(failure.external_id))
        for raw in page.records:
            try:
                src.decode(raw)
            except Tombstone:
                missing.add(str(src.external_id(raw)))
            except (DecodeError, ValueError):
                continue  # the store has it (unreadable): not gone
        cursor = page.next
        if cursor is None:
            break
    gone += [h for h in unseen if h.order_id in missing]
    return gone


def _known(state: StateStore, source: str, target: str) -> set[str]:
    """Store order ids with an unresolved order-to-cash dead letter of this pair."""
    stream = ORDER_TO_CASH.stream(source, target)
    out: set[str] = set()
    offset = 0
    while True:
        letters = state.list_dead_letters(
            flow=stream, system=source, limit=LETTERS_PAGE, offset=offset
        )
        out.update(d.external_id for d in letters if d.status is not DeadLetterStatus.RESOLVED)
        if len(letters) < LETTERS_PAGE:
            return out
        offset += LETTERS_PAGE


def _has_reader(slug: str) -> bool:
    try:
        reader_class(slug)
    except ValueError:
        return False
    return True


def _stock(
    call: Any, stack: ExitStack, state: StateStore, source: str, target: str, now: dt.datetime
) -> tuple[pd.DataFrame, dict[str, int]]:
    office: Source[Any] = registry.spec(target).adapter(Entity.INVENTORY, Role.SOURCE)(
        Context(state, source, NAME)
    )
    stack.callback(office.close)
    shop: StockReader = reader_class(source)()
    stack.callback(shop.close)
    sellable, bad = call(read_office_stock, office, now)
    levels = call(read_store_stock, shop)
    diff, counts = compare.stock_differences(levels, sellable)
    return diff, {**counts, "office_stock_unreadable": bad}


def _held_row(h: Held) -> dict[str, Any]:
    return {
        "order_id": h.order_id,
        "target_id": h.target_id,
        "target_number": h.number,
        "lines": h.lines,
        "total": h.total,
        "paid": h.paid,
    }
