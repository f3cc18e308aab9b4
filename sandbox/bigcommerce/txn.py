"""Write transactions of the BigCommerce emulator: one clock instant, the lock, webhook events.

Every change goes through `StoreBase.transaction()`: it takes the emulator lock, stamps the change
with one business-clock instant (`connectors.clock.utcnow()` by default, whole seconds), collects
the webhook events it fires (light payloads: `{"type": "order", "id": 7, ...}`) and, only after
the lock is released, hands them to the sender with the active hooks whose scope matches.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sandbox.bigcommerce.delivery import Event, WebhookSender
from sandbox.bigcommerce.state import StoreState


def scope_matches(pattern: str, scope: str) -> bool:
    """Whether hook scope `pattern` (e.g. `store/order/*`) covers event `scope`."""
    if pattern.endswith("/*"):
        return scope.startswith(pattern[:-1])
    return pattern == scope


@dataclass
class Tx:
    """One write: its instant and the events it fires (each (scope, data) once)."""

    now: dt.datetime
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def fire(self, scope: str, data: dict[str, Any]) -> None:
        """Fire `scope` with light payload `data` (once per transaction)."""
        if (scope, data) not in self.events:
            self.events.append((scope, data))


class StoreBase:
    """What the write mixins share; `BigCommerceEmulator` provides the attributes."""

    lock: threading.RLock
    state: StoreState
    clock: Callable[[], dt.datetime]
    webhook_sender: WebhookSender
    _open_tx: Tx | None = None

    def now(self) -> dt.datetime:
        """The business clock, aware UTC, to the second."""
        return self.clock().astimezone(dt.UTC).replace(microsecond=0)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Hold the lock for one write; deliver its events after releasing it.

        A transaction opened inside another joins it. An exception leaving the outermost block
        fires nothing.
        """
        with self.lock:
            outer = self._open_tx
            if outer is not None:
                yield outer
                return
            tx = self._open_tx = Tx(self.now())
            try:
                yield tx
                events = self._events(tx)
            finally:
                self._open_tx = None
        if events:
            self.webhook_sender.enqueue(events)

    def _events(self, tx: Tx) -> list[Event]:
        out: list[Event] = []
        for scope, data in tx.events:
            hooks = [
                dict(h)
                for _, h in sorted(self.state.hooks.items())
                if h["is_active"] and scope_matches(h["scope"], scope)
            ]
            if hooks:
                out.append(self.webhook_sender.event(scope, data, tx.now, hooks))
        return out
