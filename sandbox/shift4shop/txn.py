"""Write transactions of the Shift4Shop (3dcart) REST API v1 emulator: one clock, lock and events.

Every change goes through `StoreBase.transaction()`: it takes the emulator lock, stamps the change
with one business-clock instant (`connectors.clock.utcnow()` by default, whole seconds as the API
prints them), collects the webhook events the change fires, renders their payloads while the state
is still consistent and, only after the lock is released, hands them to the webhook sender.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.shift4shop.catalog import render_customer, render_product
from sandbox.shift4shop.delivery import Job, WebhookSender
from sandbox.shift4shop.events import EVENT_RESOURCE
from sandbox.shift4shop.render import RenderContext, render_order
from sandbox.shift4shop.state import StoreState


@dataclass
class Tx:
    """One write: its instant and the events it fires (deduplicated per resource)."""

    now: dt.datetime
    events: list[tuple[int, int, dict[str, Any] | None]] = field(default_factory=list)

    def fire(
        self, event_type: int, resource_id: int, payload: dict[str, Any] | None = None
    ) -> None:
        """Fire `event_type` for a resource (rendered at commit unless `payload` is given).

        Args:
            event_type: one of `events.EVENTS`.
            resource_id: OrderID, CustomerID or CatalogID.
            payload: the rendered resource, for one that is gone by commit (a deleted product).
        """
        if not any(e[:2] == (event_type, resource_id) for e in self.events):
            self.events.append((event_type, resource_id, payload))


class StoreBase:
    """What the write mixins share; `Shift4ShopEmulator` provides the attributes."""

    lock: threading.RLock
    state: StoreState
    clock: Callable[[], dt.datetime]
    tz: ZoneInfo
    secure_url: str
    webhook_sender: WebhookSender
    _open_tx: Tx | None = None

    def now(self) -> dt.datetime:
        """The business clock, aware UTC, to the second (the API prints whole seconds)."""
        return self.clock().astimezone(dt.UTC).replace(microsecond=0)

    @property
    def render_context(self) -> RenderContext:
        """What the renderers need: store zone, store URL and catalogue."""
        return RenderContext(self.tz, self.secure_url, self.state.products)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Hold the lock for one write; deliver its events after releasing it.

        A transaction opened inside another joins it (a batch is one write: one instant, one
        event per resource). An exception leaving the outermost block fires nothing.
        """
        with self.lock:
            outer = self._open_tx
            if outer is not None:
                yield outer
                return
            tx = self._open_tx = Tx(self.now())
            try:
                yield tx
                jobs = self._jobs(tx)
            finally:
                self._open_tx = None
        if jobs:
            self.webhook_sender.enqueue(jobs)

    def render_resource(self, kind: str, resource_id: int) -> dict[str, Any] | None:
        """`kind` ("Order", "Customer", "Product") `resource_id` as the REST API renders it."""
        ctx = self.render_context
        if kind == "Order" and resource_id in self.state.orders:
            return render_order(self.state.orders[resource_id], ctx)
        if kind == "Customer" and resource_id in self.state.customers:
            return render_customer(self.state.customers[resource_id])
        if kind == "Product" and resource_id in self.state.products:
            return render_product(self.state.products[resource_id], ctx)
        return None

    def _jobs(self, tx: Tx) -> list[Job]:
        jobs: list[Job] = []
        for event_type, resource_id, payload in tx.events:
            hooks = [
                h
                for _, h in sorted(self.state.webhooks.items())
                if h.enabled and h.event_type == event_type
            ]
            if not hooks:
                continue
            body = payload or self.render_resource(EVENT_RESOURCE[event_type], resource_id)
            if body is None:
                continue
            data = json.dumps([body]).encode()
            jobs.extend(
                Job(event_type, h.webhook_id, h.url, h.format, data, resource_id) for h in hooks
            )
        return jobs
