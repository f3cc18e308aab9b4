"""`storebridge run <use case> --source S --target T ...`: one run now, in this process."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer


def _when(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{name} {value!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{name} {value!r} needs a time zone, e.g. {value}Z")
    return moment


def run(
    use_case: Annotated[
        str, typer.Argument(help="order-to-cash, fulfilment, customers, catalog or inventory")
    ],
    source: Annotated[str | None, typer.Option(help="default: the use case's")] = None,
    target: Annotated[str | None, typer.Option(help="default: the use case's")] = None,
    since: Annotated[str | None, typer.Option(help="backfill from (ISO, with zone)")] = None,
    until: Annotated[str | None, typer.Option(help="backfill to (ISO, with zone)")] = None,
    record_id: Annotated[
        list[str] | None, typer.Option("--id", "--order-id", help="only these records (repeatable)")
    ] = None,
) -> None:
    """Run a use case now, in this process: incremental by default; a window (--since/--until)
    or --id for backfills and replays."""
    os.environ.setdefault("PREFECT_HOME", str(Path(".prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.usecases import use_case as find

    try:
        uc = find(use_case)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    start, end = _when(since, "--since"), _when(until, "--until")
    if end is not None and start is None:
        raise typer.BadParameter("--until needs --since")
    if start and end and end <= start:
        raise typer.BadParameter("--until must be after --since")
    result: dict[str, Any] = uc.flow_function(
        source=source or uc.defaults["source"],
        target=target or uc.defaults["target"],
        window_start=start,
        window_end=end,
        ids=record_id or None,
    )
    typer.echo(json.dumps(result, indent=2, default=str))
