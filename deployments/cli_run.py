"""`storebridge run <use case> --source S --target T ...`: one run now, in this process."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from typing import Annotated, Any

import typer

AGO = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _when(value: str | None, name: str) -> dt.datetime | None:
    """An ISO date-time with a zone, or a duration back from now (`3d`, `12h`, `90m`; on the
    business clock, `connectors/clock.py`)."""
    if value is None:
        return None
    ago = AGO.match(value)
    if ago:
        from connectors.clock import utcnow

        return utcnow() - dt.timedelta(**{UNITS[ago.group(2)]: float(ago.group(1))})
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{name} {value!r} is not an ISO date-time (or a duration back: 3d, 12h, 90m)"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{name} {value!r} needs a time zone, e.g. {value}Z")
    return moment


def run(
    use_case: Annotated[
        str, typer.Argument(help="order-to-cash, fulfilment, customers, catalog or inventory")
    ],
    source: Annotated[str | None, typer.Option(help="default: the use case's")] = None,
    target: Annotated[str | None, typer.Option(help="default: the use case's")] = None,
    since: Annotated[
        str | None, typer.Option(help="backfill from (ISO with zone, or 3d / 12h / 90m ago)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="backfill to (ISO with zone, or 1h ago; default now)")
    ] = None,
    record_id: Annotated[
        list[str] | None, typer.Option("--id", "--order-id", help="only these records (repeatable)")
    ] = None,
) -> None:
    """Run a use case now, in this process: incremental by default; a window (--since/--until)
    or --id for backfills and replays."""
    # Prefect's own profile and PREFECT_API_URL apply here (only the demo and the tests keep a
    # project-local PREFECT_HOME)
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
    from flows.artifacts import PROGRESS_LISTENERS
    from flows.observe import brief_console

    if not os.environ.get("STOREBRIDGE_CLI_DEBUG"):
        brief_console()  # a failed run prints one line (the CLI's), the traceback is in Prefect

    def progress(done: int, total: int) -> None:
        typer.echo(f"{uc.name}: {done}/{total} records ({100 * done // total}%)", err=True)

    PROGRESS_LISTENERS.append(progress)
    try:
        result: dict[str, Any] = uc.flow_function(
            source=source or uc.defaults["source"],
            target=target or uc.defaults["target"],
            window_start=start,
            window_end=end,
            ids=record_id or None,
        )
    finally:
        PROGRESS_LISTENERS.remove(progress)
    typer.echo(json.dumps(result, indent=2, default=str))
