"""Flow `customers`: customers both ways (the pair says which way): linked by e-mail, fields owned
per direction, our own writes never echoed back.

One declaration (`flows.usecases.CUSTOMERS`) over the one engine (`flows.sync.run_sync`). Modes,
by parameters: nothing → incremental since the watermark (with overlap); `window_start` /
`window_end` → a backfill window (watermark untouched); `ids` → those records (replays, by the
source system's id); `from_inbox` → the webhook events routed to this use case and pair.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow

from flows.sync import run_sync
from flows.usecases import CUSTOMERS


@flow(
    name="customers",
    flow_run_name="customers {source}→{target}",
    timeout_seconds=3600,
    validate_parameters=True,
)
def customers(
    source: str = "shift4shop",
    target: str = "salesforce",
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    ids: list[str] | None = None,
    from_inbox: bool = False,
) -> dict[str, Any]:
    """Sync customers from `source` to `target`; returns the run summary."""
    return run_sync(
        CUSTOMERS,
        source=source,
        target=target,
        window_start=window_start,
        window_end=window_end,
        ids=ids,
        from_inbox=from_inbox,
    )
