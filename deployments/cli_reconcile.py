"""`storebridge reconcile --source S --target T --since ISO --until ISO [--csv FILE]`.

Compares the store's orders placed in the window (and their payments, and the stock per SKU)
with what the back office holds (`flows/reconcile/`), prints the differences per kind and a
table of them (ids, numbers, totals, counts and SKUs only: no personal data), and with `--csv`
writes every difference to a file. It runs in this process without Prefect; `--prefect` runs it
as the `reconcile` flow instead (your Prefect profile: the run, its table artifact and, when
anything differs, the `storebridge.reconcile.differences` event show up in your server).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from deployments.cli_run import _when

DIFFERENCES_EXIT = 3


def reconcile(
    source: Annotated[str, typer.Option(help="the store (shift4shop, bigcommerce)")] = "shift4shop",
    target: Annotated[
        str, typer.Option(help="the back office (salesforce, dynamics365, sage300)")
    ] = "salesforce",
    since: Annotated[
        str | None,
        typer.Option(
            help="orders placed from (ISO with zone, or 3d / 12h ago); default: the "
            "start of the previous day in the store's time zone"
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="orders placed before (ISO with zone; default: the end of the "
            "previous day, or now with --since)"
        ),
    ] = None,
    csv: Annotated[
        Path | None, typer.Option(help="also write every difference to this CSV file")
    ] = None,
    stock: Annotated[
        bool, typer.Option(help="also compare the store's stock with the back office's")
    ] = True,
    rows: Annotated[int, typer.Option(min=0, help="differences shown in the table")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the summary and the differences as JSON")
    ] = False,
    prefect: Annotated[
        bool, typer.Option("--prefect", help="run it as the Prefect flow `reconcile`")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help=f"exit with status {DIFFERENCES_EXIT} when anything differs")
    ] = False,
) -> None:
    """Reconcile a store's orders, payments and stock with its back office over a window.

    Prints the differences per kind (missing in the back office or in the store, totals, line
    counts, amounts paid, stock per SKU) and a table of them: order ids and numbers, totals,
    counts and SKUs, no personal data. Runs here, without Prefect, unless --prefect.
    """
    start, end = _when(since, "--since"), _when(until, "--until")
    if start and end and end <= start:
        raise typer.BadParameter("--until must be after --since")
    if prefect:
        from flows.reconcile.flow import reconcile as flow

        summary: dict[str, Any] = flow(
            source=source,
            target=target,
            since=start,
            until=end,
            stock=stock,
            csv=str(csv) if csv else None,
        )
        typer.echo(json.dumps(summary, indent=2, default=str))
        differs = bool(summary.get("differences"))
    else:
        from flows.reconcile import report as out
        from flows.reconcile.flow import reconcile_window

        try:
            report = reconcile_window(source, target, start, end, stock=stock)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        if csv is not None:
            written = out.write_csv(report, csv)
        if as_json:
            frame = out.as_text_frame(report.differences)
            body = {**report.summary(), "rows": frame.to_dict("records")}
            typer.echo(json.dumps(body, indent=2, default=str))
        else:
            typer.echo(out.text(report, rows=rows))
            if csv is not None:
                typer.echo(f"\n  wrote {written} difference(s) to {csv}")
        differs = report.differs
    if strict and differs:
        raise typer.Exit(DIFFERENCES_EXIT)
