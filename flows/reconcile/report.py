"""What a reconciliation shows: printed text, a CSV file, a Prefect table artifact and an event.

Every output holds only what `run.Report.differences` holds: the kind, the record (the store
order's key ``<store>:order:<id>`` or a SKU), the back office's id and the order number, the two
figures and their difference, and a note. No names, e-mails, addresses or phones, ever.

* `text`: the window, what was read, the differences per kind and the first rows;
* `write_csv`: every difference (UTF-8, a header row, amounts as exact decimals);
* `publish` (inside a flow run): the table artifact ``reconcile-<store>-<back office>``, its
  rows the differences (at most `ARTIFACT_ROWS`), or one row of zero counts when nothing
  differs; keyed per pair, so "latest" compares like with like;
* `announce` (inside a flow run, when anything differs): the Prefect event
  ``storebridge.reconcile.differences`` about resource ``storebridge.pair.<store>-<back office>``
  with the window and the counts per kind only, for an automation to route.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from flows.reconcile import compare
from flows.reconcile.run import Report

EVENT = "storebridge.reconcile.differences"
ARTIFACT_ROWS = 1000
SHOWN_ROWS = 50


def artifact_key(report: Report) -> str:
    return f"reconcile-{report.source}-{report.target}".lower()


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def as_text_frame(differences: pd.DataFrame) -> pd.DataFrame:
    """The differences with every cell as text (Decimals exact, empty cells blank)."""
    return differences.apply(lambda col: col.map(_cell)) if len(differences) else differences


def window_text(report: Report) -> str:
    return f"{report.since.isoformat()} .. {report.until.isoformat()}"


def text(report: Report, *, rows: int = SHOWN_ROWS) -> str:
    """The report as the CLI prints it."""
    f, office = report.figures, report.target
    paid = f"amounts paid as {report.paid_basis}" if report.paid_basis else "no amounts paid"
    stock = (
        f"stock of {f.get('skus_compared', 0)} SKUs (store only {f.get('store_only_skus', 0)}, "
        f"{office} only {f.get('office_only_skus', 0)}, unreadable in {office} "
        f"{f.get('office_stock_unreadable', 0)})"
        if report.stock_compared
        else "no stock"
    )
    lines = [
        f"reconcile {report.source} -> {office}: orders placed {window_text(report)}",
        f"  {report.source}: {f.get('store_orders', 0)} orders of the window "
        f"({f.get('store_orders_unreadable', 0)} unreadable; "
        f"{f.get('store_orders_abandoned', 0)} abandoned checkouts left out)",
        f"  {office}: holds {f.get('back_office_orders', 0)} of them; "
        f"{f.get('back_office_orders_checked_in_store', 0)} more of its orders of the window "
        "looked up in the store",
        f"  known: {f.get('known_dead_letters', 0)} store orders with an unresolved "
        "order-to-cash dead letter of the pair (not differences: storebridge deadletters list)",
        f"  compared: totals on the {report.total_basis} basis, {paid}; {stock}",
    ]
    lines.append("")
    width = max(len(k) for k in compare.KINDS)
    lines.append(f"  {'difference'.ljust(width)}  count")
    lines += [f"  {k.ljust(width)}  {n:>5}" for k, n in report.counts.items()]
    lines.append(f"  {'all'.ljust(width)}  {len(report.differences):>5}")
    if report.differs:
        lines.append("")
        shown = as_text_frame(report.differences.head(rows))
        lines += ["  " + ln for ln in shown.to_string(index=False).splitlines()]
        more = len(report.differences) - len(shown)
        if more > 0:
            lines.append(f"  ... and {more} more (--csv FILE writes them all)")
    else:
        lines += ["", "  no differences"]
    return "\n".join(lines)


def write_csv(report: Report, path: Path) -> int:
    """Every difference into `path` (overwritten); the number of rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = as_text_frame(report.differences)
    frame.to_csv(path, index=False, columns=list(compare.COLUMNS))
    return len(frame)


def artifact_rows(report: Report, limit: int = ARTIFACT_ROWS) -> list[dict[str, str]]:
    """The artifact's rows: the differences (at most `limit`), or zero counts per kind."""
    if not report.differs:
        return [{"kind": kind, "count": "0"} for kind in compare.KINDS]
    frame = as_text_frame(report.differences.head(limit))
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def description(report: Report) -> str:
    counts = ", ".join(f"{k} {n}" for k, n in report.counts.items() if n)
    head = f"reconcile {report.source} → {report.target}, orders placed {window_text(report)}"
    if not report.differs:
        return f"{head}: no differences"
    shown = min(len(report.differences), ARTIFACT_ROWS)
    return f"{head}: {len(report.differences)} difference(s) ({counts})" + (
        f"; first {shown} shown" if shown < len(report.differences) else ""
    )


def publish(report: Report) -> None:
    """The table artifact of the run (see the module docstring)."""
    from prefect.artifacts import create_table_artifact

    create_table_artifact(
        artifact_rows(report), key=artifact_key(report), description=description(report)
    )


def announce(report: Report) -> bool:
    """The `EVENT` when anything differs (counts only); whether it was emitted."""
    if not report.differs:
        return False
    from prefect.events import emit_event

    emit_event(
        event=EVENT,
        resource={
            "prefect.resource.id": f"storebridge.pair.{report.pair}",
            "prefect.resource.name": f"{report.source} → {report.target}",
            "storebridge.source": report.source,
            "storebridge.target": report.target,
        },
        payload={
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "differences": len(report.differences),
            "counts": report.counts,
        },
    )
    return True
