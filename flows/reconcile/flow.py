"""Flow `reconcile`: a store's orders (and stock) against what its back office holds.

A run reconciles one (store, back office) pair over the orders placed in [since, until)
(`flows/reconcile/run.py`); by default the previous day in the store's time zone, so a nightly
deployment reconciles yesterday. It prints nothing itself: it publishes the table artifact
``reconcile-<store>-<back office>`` (the differences, or zero counts), raises the event
``storebridge.reconcile.differences`` (resource ``storebridge.pair.<store>-<back office>``,
counts only) when anything differs, optionally writes the CSV (`csv`, a path on the worker),
and ends ``Completed`` or ``Completed with differences`` with the counts as its message.

Deployment: entrypoint ``flows/reconcile/flow.py:reconcile``, parameters ``source`` and
``target`` (``since``/``until`` empty), a daily schedule after the merchant's midnight.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated, Any

from prefect import flow
from prefect.runtime import flow_run

from connectors.clock import utcnow
from flows import observe
from flows.params import system
from flows.reconcile import report as out
from flows.reconcile.run import NAME, Report, previous_day, run_reconcile, store_timezone
from flows.registry import Role
from flows.usecases import ORDER_TO_CASH


@flow(
    name=NAME,
    flow_run_name="reconcile {source}→{target}",  # renamed with the window once known
    timeout_seconds=3600,
    validate_parameters=True,
)
def reconcile(
    source: Annotated[str, system(ORDER_TO_CASH, Role.SOURCE)] = "shift4shop",
    target: Annotated[str, system(ORDER_TO_CASH, Role.TARGET)] = "salesforce",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    stock: bool = True,
    csv: str | None = None,
) -> dict[str, Any]:
    """Reconcile a store's orders, payments and stock with its back office.

    Args:
        source: the store (its orders of the window, its current stock)
        target: the back office (the orders it holds for the store, its stock)
        since: orders placed from this instant (with a time zone); empty: the start of the
            previous day in the store's time zone
        until: orders placed before this instant (with a time zone); empty: the end of the
            previous day
        stock: also compare the store's stock with the back office's sellable units per SKU
        csv: also write every difference to this CSV file (a path on the worker)
    """
    report = reconcile_window(source, target, since, until, stock=stock, csv=csv)
    return final_state(report)  # type: ignore[no-any-return]  # a state; callers get the dict


def window(
    source: str, since: dt.datetime | None, until: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The run's window: both bounds as given; neither: the previous day in the store's time
    zone; `since` alone: until now; `until` alone: the day before it."""
    if since is not None and until is not None:
        return since, until
    if since is not None:
        return since, now
    if until is not None:
        return until - dt.timedelta(days=1), until
    return previous_day(now, store_timezone(source))


def reconcile_window(
    source: str,
    target: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    *,
    stock: bool = True,
    csv: str | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Run one reconciliation (in or outside a flow run) and publish what a run publishes."""
    now = now or utcnow()
    start, end = window(source, since, until, now)
    in_run = observe.in_flow_run()
    if in_run:
        run_id = flow_run.get_id() or f"local-{uuid.uuid4()}"
        observe.tag_run(
            run_id,
            ["storebridge", NAME, f"{source}-{target}"],
            name=f"{NAME} {source}→{target} {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC",
        )
        with observe.forward_logs():
            report = run_reconcile(source, target, start, end, stock=stock, now=now)
    else:
        report = run_reconcile(source, target, start, end, stock=stock, now=now)
    if csv:
        out.write_csv(report, Path(csv))
    if in_run:
        out.publish(report)
        out.announce(report)
    return report


def final_state(report: Report) -> Any:
    """The run's state carrying the summary ("Completed with differences" when any); the
    summary itself outside a flow run."""
    from prefect.states import Completed

    summary = report.summary()
    if not observe.in_flow_run():
        return summary
    message = out.description(report)
    if report.differs:
        return Completed(name="Completed with differences", message=message, data=summary)
    return Completed(message=message, data=summary)
