"""Turns pending inbox routes into Prefect flow runs, without waiting for them.

Every tick, per subscription (use case, source, target) with pending routes, ONE run of its
webhook deployment is requested through the Prefect API (`create_flow_run_from_deployment`,
never `run_deployment`, which waits for the run to finish) with an idempotency key derived from
the pending routes AND the runs they were given before: a burst becomes one run, a tick repeated
after a crash gets the same run back, and events that return to pending after a failed or
never-started run get a NEW run (the old key would hand back the old, failed run forever). The
run drains the inbox itself (`from_inbox=True`). If the Prefect API is down, the events stay
pending and the next tick asks again; routes stuck in dispatched/processing for too long go
back to pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging

import httpx
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from starlette.concurrency import run_in_threadpool

from connectors.state import StateStore, Subscription
from deployments.settings import deployment_name

log = logging.getLogger("storebridge.gateway.dispatch")


def idempotency_key(sub: Subscription) -> str:
    """Same pending routes with the same history → same key; a re-dispatch → a new one."""
    history = ",".join(sorted(sub.previous_runs))
    digest = hashlib.sha256(f"{sub.route_ids}|{history}".encode()).hexdigest()[:24]
    return f"inbox:{sub.use_case}:{sub.source}->{sub.target}:{digest}"


class Dispatcher:
    """Requests runs for pending inbox routes of each subscription."""

    def __init__(
        self, state: StateStore, *, stale_after: dt.timedelta = dt.timedelta(minutes=15)
    ) -> None:
        self.state = state
        self.stale_after = stale_after
        self.last_error: str | None = None

    async def dispatch_once(self) -> dict[str, str]:
        """One tick: a flow run id per subscription with pending routes."""
        await run_in_threadpool(self.state.requeue_stale, self.stale_after)
        runs: dict[str, str] = {}
        for sub in await run_in_threadpool(self.state.pending_subscriptions):
            deployment = deployment_name(sub.use_case, sub.source, sub.target)
            try:
                run_id = await self._request_run(deployment, sub)
            except (httpx.HTTPError, PrefectHTTPStatusError, ObjectNotFound, OSError) as exc:
                self.last_error = f"{deployment}: {type(exc).__name__}: {exc}"
                log.warning(
                    "Prefect API unavailable or no deployment (%s); %d event(s) stay pending",
                    self.last_error,
                    len(sub.route_ids),
                )
                continue
            await run_in_threadpool(self.state.mark_dispatched, sub.route_ids, run_id)
            runs[deployment] = run_id
            self.last_error = None
            log.info(
                "requested run %s of %s for %d event(s)", run_id, deployment, len(sub.route_ids)
            )
        return runs

    async def _request_run(self, deployment_name: str, sub: Subscription) -> str:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(deployment_name)
            run = await client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"source": sub.source, "target": sub.target, "from_inbox": True},
                idempotency_key=idempotency_key(sub),
                tags=["webhook", sub.use_case, sub.source, sub.target],
            )
        return str(run.id)

    async def run(self, interval_s: float, stop: asyncio.Event) -> None:
        """Tick every `interval_s` seconds until `stop` is set; a failing tick never ends it."""
        while not stop.is_set():
            try:
                await self.dispatch_once()
            except Exception:  # the loop must outlive any single failure (e.g. a locked database)
                log.exception("dispatch tick failed; retrying next tick")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
