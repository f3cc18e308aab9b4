"""The order-to-cash steps as plain functions; `order_to_cash.py` wraps them in Prefect tasks.

Keeping the logic here (not in tasks) lets tests call it without an orchestrator, and keeps the
flow module about orchestration only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from connectors.http import all_usage
from connectors.records import Extracted
from connectors.state import StateStore, Window
from flows.ports import Failure, LoadReport, OrderSource
from flows.settings import OrderToCashSettings
from transforms.canonical import Order

FLOW = "order-to-cash"
Mode = Literal["incremental", "window", "ids", "inbox"]


@dataclass
class Plan:
    """What one run reads: a window (incremental or backfill) or a list of order ids."""

    mode: Mode
    source: str
    target: str
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    order_ids: list[str] = field(default_factory=list)
    window: Window | None = None  # incremental runs commit it after the load
    inbox_event_ids: list[int] = field(default_factory=list)

    @property
    def stream(self) -> str:
        return watermark_stream(self.source, self.target)


def watermark_stream(source: str, target: str) -> str:
    """The key of a pair for watermarks and dead letters: `order-to-cash:shift4shop->salesforce`."""
    return f"{FLOW}:{source}->{target}"


def parse_stream(stream: str) -> tuple[str, str]:
    """(source, target) of a `watermark_stream` key (used to replay dead letters)."""
    flow, _, pair = stream.partition(":")
    source, _, target = pair.partition("->")
    if flow != FLOW or not source or not target:
        raise ValueError(f"{stream!r} is not an {FLOW} pair key")
    return source, target


def make_plan(
    state: StateStore,
    settings: OrderToCashSettings,
    *,
    source: str,
    target: str,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    order_ids: Sequence[str] | None = None,
    from_inbox: bool = False,
    claimer: str = "",
    now: dt.datetime | None = None,
) -> Plan:
    """Decide what this run reads. Only incremental runs touch the watermark."""
    now = now or dt.datetime.now(dt.UTC)
    if order_ids:
        return Plan("ids", source, target, order_ids=[str(i) for i in order_ids])
    if from_inbox:
        events = state.claim_events(source, claimer, limit=settings.inbox_claim_limit)
        ids = list(dict.fromkeys(e.resource_id for e in events if e.resource_id))
        return Plan("inbox", source, target, order_ids=ids, inbox_event_ids=[e.id for e in events])
    if window_start or window_end:
        since = (
            _aware(window_start)
            if window_start
            else now - dt.timedelta(days=settings.initial_lookback_days)
        )
        return Plan(
            "window", source, target, since=since, until=_aware(window_end) if window_end else now
        )
    window = state.window(
        watermark_stream(source, target),
        overlap=dt.timedelta(minutes=settings.overlap_minutes),
        initial=now - dt.timedelta(days=settings.initial_lookback_days),
        until=now,
    )
    return Plan(
        "incremental", source, target, since=window.since, until=window.until, window=window
    )


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"window bounds need a time zone (e.g. {value.isoformat()}Z)")
    return value.astimezone(dt.UTC)


def extract(source: OrderSource, plan: Plan) -> tuple[Extracted[Any], list[str]]:
    """Raw orders of the plan, and ids the store does not know."""
    if plan.mode in ("ids", "inbox"):
        return source.fetch_by_id(plan.order_ids) if plan.order_ids else (Extracted(), [])
    if plan.since is None or plan.until is None:
        raise ValueError(f"a {plan.mode} plan needs a window")
    return source.fetch_changed(plan.since, plan.until), []


def transform(source: OrderSource, extracted: Extracted[Any]) -> tuple[list[Order], list[Failure]]:
    """Canonical orders, and a failure for every row that could not be read or decoded."""
    failures = [Failure.from_rejected(r) for r in extracted.rejected]
    orders: list[Order] = []
    for raw in extracted.records:
        try:
            orders.append(source.decode(raw))
        except ValueError as exc:
            payload = (
                raw.model_dump(mode="json", by_alias=True) if hasattr(raw, "model_dump") else raw
            )
            failures.append(
                Failure(
                    source.system,
                    "order",
                    source.external_id(raw),
                    "DecodeError",
                    str(exc),
                    payload,
                )
            )
    # customers together (their orders share look-ups), oldest first (events in order)
    orders.sort(key=lambda o: (o.customer.email or "", o.placed_at))
    return orders, failures


def batches(orders: Sequence[Order], size: int) -> Iterator[Sequence[Order]]:
    """Consecutive batches of at most `size` orders."""
    for start in range(0, len(orders), size):
        yield orders[start : start + size]


def not_found(plan: Plan, missing: Sequence[str]) -> list[Failure]:
    """A failure per requested order id the store does not know."""
    return [
        Failure(plan.source, "order", m, "NotFoundError", f"{plan.source}:order:{m}: not found")
        for m in missing
    ]


def record_failures(
    state: StateStore, plan: Plan, failures: Sequence[Failure], run_id: str | None
) -> list[int]:
    """Dead-letter each failure (a record failing again updates its open dead letter)."""
    return [
        state.add_dead_letter(
            flow=plan.stream,
            system=f.system,
            entity=f.entity,
            external_id=f.external_id,
            error_class=f.error_class,
            message=f.message,
            payload=f.payload,
            flow_run_id=run_id,
        ).id
        for f in failures
    ]


def record_batch(state: StateStore, plan: Plan, report: LoadReport, run_id: str | None) -> None:
    """Make one loaded batch's outcome durable at once: its dead letters, and the dead letters
    of its orders that loaded now are closed. A later batch failing loses none of it."""
    record_failures(state, plan, report.failures, run_id)
    state.resolve_open(plan.stream, plan.source, "order", report.succeeded)


@dataclass
class RunSummary:
    """What a run did; shown as artifacts, returned by the flow, printed by the demo."""

    source: str
    target: str
    mode: str
    since: str | None
    until: str | None
    read: int
    created: int
    updated: int
    unchanged: int
    dead_lettered: int
    dead_letters: list[dict[str, str]]
    api_calls: dict[str, int]
    counters: dict[str, int]
    flow_run_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def api_calls_since(before: dict[str, dict[str, Any]]) -> dict[str, int]:
    """HTTP calls per connection made since the `before` snapshot of `all_usage()`."""
    now = all_usage()
    return {
        name: int(snap.get("calls", 0)) - int(before.get(name, {}).get("calls", 0))
        for name, snap in sorted(now.items())
    }


def summarize(
    plan: Plan,
    read: int,
    report: LoadReport,
    failures: Sequence[Failure],
    api_calls: dict[str, int],
    run_id: str | None,
) -> RunSummary:
    """Fold a run's outcome into a `RunSummary` (`failures`: those before the load)."""
    dead = [*failures, *report.failures]
    return RunSummary(
        source=plan.source,
        target=plan.target,
        mode=plan.mode,
        since=plan.since.isoformat() if plan.since else None,
        until=plan.until.isoformat() if plan.until else None,
        read=read,
        created=len(report.created),
        updated=len(report.updated),
        unchanged=len(report.unchanged),
        dead_lettered=len(dead),
        dead_letters=[
            {
                "record": f"{f.system}:{f.entity}:{f.external_id}",
                "error": f.error_class,
                "reason": f.message,
            }
            for f in dead
        ],
        api_calls=api_calls,
        counters=dict(report.counters),
        flow_run_id=run_id,
    )
