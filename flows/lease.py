"""One run at a time per (use case, pair), across deployments, processes and machines.

A scheduled poll, a webhook run and a CLI backfill of one pair are separate Prefect deployments
with separate concurrency limits, so only the shared state store can keep them apart:
`PairLease` holds its lease (`connectors/state/leases.py`) while the run works, renewed by a
heartbeat thread every third of its time to live; a run killed with -9 frees the pair when the
time to live runs out. A run whose lease was taken meanwhile (a frozen process) stops before
its next write (`LeaseLost`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from connectors.state import StateStore

log = logging.getLogger("storebridge.sync")


class LeaseLost(RuntimeError):
    """Another run took the pair's lease (this run stopped renewing it for too long)."""


class PairLease:
    """The state store's lease on one (use case, pair), held while the run works."""

    def __init__(self, state: StateStore, name: str, holder: str, ttl_s: float) -> None:
        self.state, self.name, self.holder = state, name, holder
        self.ttl = dt.timedelta(seconds=ttl_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def acquire(self, wait_s: float, poll_s: float = 2.0) -> bool:
        """Take the lease, waiting up to `wait_s` for a running holder to finish."""
        deadline = time.monotonic() + wait_s
        while not self.state.acquire_lease(self.name, self.holder, self.ttl):
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(poll_s, max(0.05, deadline - time.monotonic())))
        self._thread = threading.Thread(
            target=self._heartbeat, name=f"lease-{self.name}", daemon=True
        )
        self._thread.start()
        return True

    def holder_now(self) -> str | None:
        found = self.state.lease(self.name)
        return found.holder if found else None

    def _heartbeat(self) -> None:
        every = self.ttl.total_seconds() / 3
        while not self._stop.wait(every) and self.beat():
            pass

    def beat(self) -> bool:
        """Renew the lease once; False (and `lost`) when another run has taken it."""
        try:
            if not self.state.renew_lease(self.name, self.holder, self.ttl):
                self.lost = True
                return False
        except Exception as exc:  # a database blip: try again at the next beat
            log.warning("could not renew the lease %s: %s", self.name, type(exc).__name__)
        return True

    def check(self) -> None:
        """Raise `LeaseLost` when another run has taken the pair (never write beside it)."""
        if self.lost:
            raise LeaseLost(
                f"the lease {self.name} was taken by {self.holder_now()}: this run stops "
                "before writing beside it (nothing is lost: the watermark has not moved)"
            )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.state.release_lease(self.name, self.holder)
        except Exception as exc:  # it expires on its own
            log.warning("could not release the lease %s: %s", self.name, type(exc).__name__)
