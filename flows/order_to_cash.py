"""Flow `order-to-cash`: store orders (with their customers and payments) reach the back office.

One declaration (`flows.usecases.ORDER_TO_CASH`) over the one engine (`flows.sync.run_sync`). Modes,
by parameters: nothing → incremental since the watermark (with overlap); `window_start` /
`window_end` → a backfill window (watermark untouched); `ids` → those records (replays, by the
source system's id); `from_inbox` → the webhook events routed to this use case and pair.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow

from flows.sync import run_sync
from flows.usecases import ORDER_TO_CASH


@flow(
    name="order-to-cash",
    flow_run_name="order-to-cash {source}→{target}",
    timeout_seconds=3600,
    validate_parameters=True,
)
def order_to_cash(
    source: str = "shift4shop",
    target: str = "salesforce",
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    ids: list[str] | None = None,
    from_inbox: bool = False,
) -> dict[str, Any]:
    """Sync store orders to the back office; returns the run summary."""
    return run_sync(
        ORDER_TO_CASH,
        source=source,
        target=target,
        window_start=window_start,
        window_end=window_end,
        ids=ids,
        from_inbox=from_inbox,
    )
