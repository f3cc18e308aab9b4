"""Flow `inventory`: what the store may sell (the stock master's levels minus safety stock), pushed
as deltas.

One declaration (`flows.usecases.INVENTORY`) over the one engine (`flows.sync.run_sync`). Modes,
by parameters: nothing → incremental since the watermark (with overlap); `window_start` /
`window_end` → a backfill window (watermark untouched); `ids` → those records (replays, by the
source system's id); `from_inbox` → the webhook events routed to this use case and pair.
"""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.observe import final_state
from flows.params import FromInbox, Ids, WindowEnd, WindowStart, documented, system
from flows.registry import Role
from flows.sync import run_sync
from flows.usecases import INVENTORY


@flow(
    name="inventory",
    flow_run_name="inventory {source}→{target}",  # renamed with mode and window once planned
    timeout_seconds=3600,
    validate_parameters=True,
)
@documented(INVENTORY)
def inventory(
    source: Annotated[str, system(INVENTORY, Role.SOURCE)] = "salesforce",
    target: Annotated[str, system(INVENTORY, Role.TARGET)] = "shift4shop",
    window_start: WindowStart = None,
    window_end: WindowEnd = None,
    ids: Ids = None,
    from_inbox: FromInbox = False,
) -> dict[str, Any]:
    """Push sellable stock to the store; returns the run summary."""
    summary = run_sync(
        INVENTORY,
        source=source,
        target=target,
        window_start=window_start,
        window_end=window_end,
        ids=ids,
        from_inbox=from_inbox,
    )
    return final_state(summary)  # type: ignore[no-any-return]  # a state; callers get the dict
