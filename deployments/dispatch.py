"""Turns pending inbox events into Prefect flow runs, without waiting for them.

Every tick, per source with pending events, ONE run of the source's webhook deployment is
requested through the Prefect API (`create_flow_run_from_deployment`, never `run_deployment`,
which waits for the run to finish) with an idempotency key derived from the pending events: a
burst becomes one run, and a tick repeated after a crash gets the same run back instead of a
second one. The run drains the inbox itself (`from_inbox=True`). If the Prefect API is down, the
events stay pending and the next tick asks again; events stuck in dispatched/processing for too
long (a run that never started or crashed) go back to pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping

import httpx
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from starlette.concurrency import run_in_threadpool

from connectors.state import StateStore

log = logging.getLogger("storebridge.gateway.dispatch")


class Dispatcher:
    """Requests runs for pending inbox events of each source."""

    def __init__(
        self,
        state: StateStore,
        deployments: Mapping[str, str],
        targets: Mapping[str, str],
        *,
        stale_after: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        """Args:
        state: the state store holding the inbox.
        deployments: source slug → deployment name (`flow-name/deployment-name`).
        targets: source slug → target slug, passed to the run.
        stale_after: dispatched/claimed events older than this are requeued.
        """
        self.state, self.deployments, self.targets = state, dict(deployments), dict(targets)
        self.stale_after = stale_after
        self.last_error: str | None = None

    async def dispatch_once(self) -> dict[str, str]:
        """One tick: a flow run id per source with pending events (none while Prefect is down)."""
        await run_in_threadpool(self.state.requeue_stale, self.stale_after)
        runs: dict[str, str] = {}
        for source, deployment in self.deployments.items():
            pending = await run_in_threadpool(self.state.pending_events, source)
            if not pending:
                continue
            key = f"inbox:{source}:{pending[0].id}-{pending[-1].id}:{len(pending)}"
            try:
                run_id = await self._request_run(deployment, source, key)
            except (httpx.HTTPError, PrefectHTTPStatusError, ObjectNotFound, OSError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "Prefect API unavailable (%s); %d %s event(s) stay pending",
                    self.last_error,
                    len(pending),
                    source,
                )
                continue
            await run_in_threadpool(self.state.mark_dispatched, [e.id for e in pending], run_id)
            runs[source] = run_id
            self.last_error = None
            log.info(
                "requested run %s of %s for %d %s event(s)",
                run_id,
                deployment,
                len(pending),
                source,
            )
        return runs

    async def _request_run(self, deployment_name: str, source: str, key: str) -> str:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(deployment_name)
            run = await client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"source": source, "target": self.targets[source], "from_inbox": True},
                idempotency_key=key,
                tags=["webhook", source],
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
