"""Flow `order-to-cash`: store orders (with their customers and payments) reach the back office.

One declaration (`flows.usecases.ORDER_TO_CASH`) over the one engine (`flows.sync.run_sync`). Modes,
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
from flows.usecases import ORDER_TO_CASH


@flow(
    name="order-to-cash",
    flow_run_name="order-to-cash {source}→{target}",  # renamed with mode and window once planned
    timeout_seconds=3600,
    validate_parameters=True,
)
@documented(ORDER_TO_CASH)
def order_to_cash(
    source: Annotated[str, system(ORDER_TO_CASH, Role.SOURCE)] = "shift4shop",
    target: Annotated[str, system(ORDER_TO_CASH, Role.TARGET)] = "salesforce",
    window_start: WindowStart = None,
    window_end: WindowEnd = None,
    ids: Ids = None,
    from_inbox: FromInbox = False,
) -> dict[str, Any]:
    """Sync store orders to the back office; returns the run summary."""
    summary = run_sync(
        ORDER_TO_CASH,
        source=source,
        target=target,
        window_start=window_start,
        window_end=window_end,
        ids=ids,
        from_inbox=from_inbox,
    )
    return final_state(summary)  # type: ignore[no-any-return]  # a state; callers get the dict
