"""Flow `inventory`: what the store may sell (the stock master's levels minus safety stock), pushed
as deltas.

One declaration (`flows.usecases.INVENTORY`) over the one engine (`flows.sync.run_sync`). Modes,
by parameters: nothing → incremental since the watermark (with overlap); `window_start` /
`window_end` → a backfill window (watermark untouched); `ids` → those records (replays, by the
source system's id); `from_inbox` → the webhook events routed to this use case and pair.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow

from flows.sync import run_sync
from flows.usecases import INVENTORY


@flow(
    name="inventory",
    flow_run_name="inventory {source}→{target}",
    timeout_seconds=3600,
    validate_parameters=True,
)
def inventory(
    source: str = "salesforce",
    target: str = "shift4shop",
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    ids: list[str] | None = None,
    from_inbox: bool = False,
) -> dict[str, Any]:
    """Push sellable stock to the store; returns the run summary."""
    return run_sync(
        INVENTORY,
        source=source,
        target=target,
        window_start=window_start,
        window_end=window_end,
        ids=ids,
        from_inbox=from_inbox,
    )
