"""Outbound webhook deliveries of the Shift4Shop (3dcart) REST API v1 emulator.

store-apis.md 2.7: the payload envelope is undocumented and "believed to be the resource serialized
like the REST API"; nothing is signed. Assumptions here: each delivery is an HTTP POST of a
one-element JSON array holding the resource exactly as the REST API renders it, with
`Content-Type: application/json` and no signature or auth header; redirects are not followed; a
non-2xx answer or a transport error is retried (`DeliveryPolicy`: 3 attempts, exponential backoff)
— the real retry policy is undocumented too.

Deliveries run on one background thread fed by a queue: the API thread only enqueues (never posts
while holding the emulator lock), so API responses never wait for a receiver. Every attempt is
recorded with the receiver's origin only (`scheme://host:port`, never the path, which carries the
receiver's secret token). `DeliveryChaos` duplicates and reorders deliveries on demand, or holds
them until released, for the gateway's tests.
"""

from __future__ import annotations

import datetime as dt
import random
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field

from connectors.clock import utcnow
from sandbox.shift4shop.events import EVENTS

HEADERS = {"Content-Type": "application/json", "User-Agent": "storebridge-sandbox-3dcart-webhooks"}
Verify = bool | str | Path | ssl.SSLContext


class DeliveryPolicy(BaseModel):
    """Retry policy (admin API body). Assumption: undocumented, so short and configurable."""

    attempts: int = Field(3, ge=1, le=10, description="tries per delivery, first included")
    backoff_s: float = Field(0.5, ge=0, le=60, description="wait before the 2nd try, doubling")
    timeout_s: float = Field(5.0, gt=0, le=60, description="per-request timeout")


class DeliveryChaos(BaseModel):
    """Misbehaviour on demand (admin API body)."""

    duplicate_share: float = Field(0.0, ge=0, le=1, description="share delivered twice")
    shuffle: bool = Field(False, description="deliver each batch out of order")
    hold: bool = Field(False, description="queue deliveries until flushed")
    seed: int | None = Field(None, description="seed of duplicate/shuffle choices")


@dataclass(frozen=True)
class Job:
    """One delivery of one event to one hook."""

    event_type: int
    hook_id: int
    url: str
    format: str
    body: bytes
    resource_id: int
    seq: int = 0  # unique per queued delivery
    delivery: int = 0  # seq of the original (a duplicate shares it)
    duplicate: bool = False


def origin(url: str) -> str:
    """`scheme://host:port` of `url` (what the deliveries log may show)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def _context(verify: Verify) -> bool | ssl.SSLContext:
    # httpx 0.28 deprecates a CA path as `verify`; build the context it wants instead.
    if isinstance(verify, str | Path):
        return ssl.create_default_context(cafile=str(verify))
    return verify


class WebhookSender:
    """The queue, worker thread and log of webhook deliveries."""

    def __init__(self, clock: Callable[[], dt.datetime] = utcnow) -> None:
        """Create an idle sender (the thread starts with the first delivery)."""
        self.verify: Verify = True
        self.policy = DeliveryPolicy()
        self.chaos = DeliveryChaos()
        self.clock = clock
        self._rng = random.Random()
        self._cond = threading.Condition()
        self._queue: list[Job] = []
        self._log: list[dict[str, Any]] = []
        self._pending = 0
        self._seq = 0
        self._released = 0  # with `hold`, deliveries up to this seq may go
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set_chaos(self, chaos: DeliveryChaos) -> None:
        """Replace the chaos settings (reseeds; turning `hold` off releases held deliveries)."""
        with self._cond:
            self.chaos = chaos
            self._rng = random.Random(chaos.seed)
            self._cond.notify_all()

    def enqueue(self, jobs: Iterable[Job]) -> None:
        """Queue deliveries (never blocks on the network)."""
        with self._cond:
            before = len(self._queue)
            for job in jobs:
                self._seq += 1
                first = replace(job, seq=self._seq, delivery=self._seq)
                self._queue.append(first)
                if self.chaos.duplicate_share and self._rng.random() < self.chaos.duplicate_share:
                    self._seq += 1
                    self._queue.append(replace(first, seq=self._seq, duplicate=True))
            self._pending += len(self._queue) - before
            if self._queue:
                self._start()
            self._cond.notify_all()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, daemon=True, name="sandbox-shift4shop-webhooks"
            )
            self._thread.start()

    def release(self) -> None:
        """Let the worker take what `hold` keeps queued now (`hold` stays on for later ones)."""
        with self._cond:
            self._released = self._seq
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; False if `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def flush(self, timeout: float) -> bool:
        """Release held deliveries and wait for every delivery to finish."""
        self.release()
        return self.wait(timeout)

    def pending(self) -> int:
        """Deliveries queued or in flight."""
        with self._cond:
            return self._pending

    def deliveries(self) -> list[dict[str, Any]]:
        """Every recorded attempt, oldest first."""
        with self._cond:
            return [dict(entry) for entry in self._log]

    def clear(self) -> None:
        """Forget the recorded attempts."""
        with self._cond:
            self._log.clear()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker (queued deliveries are dropped)."""
        self._stop.set()
        with self._cond:
            self._pending -= len(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- worker ------------------------------------------------------------------------------
    def _ready(self) -> list[Job]:
        if not self.chaos.hold:
            return self._queue
        return [job for job in self._queue if job.seq <= self._released]

    def _next_batch(self) -> list[Job] | None:
        with self._cond:
            self._cond.wait_for(lambda: self._stop.is_set() or bool(self._ready()))
            if self._stop.is_set():
                return None
            batch = self._ready()
            taken = {job.seq for job in batch}
            self._queue = [job for job in self._queue if job.seq not in taken]
            if self.chaos.shuffle and len(batch) > 1:
                order = list(range(len(batch)))
                self._rng.shuffle(order)
                if order == sorted(order):  # "out of order" must really be out of order
                    order = order[1:] + order[:1]
                batch = [batch[i] for i in order]
            return batch

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            policy = self.policy
            with httpx.Client(
                verify=_context(self.verify),
                timeout=policy.timeout_s,
                follow_redirects=False,
                trust_env=False,  # loopback receivers: no proxy from the environment
            ) as client:
                for job in batch:
                    try:
                        self._deliver(client, job, policy)
                    finally:
                        with self._cond:
                            self._pending -= 1
                            self._cond.notify_all()

    def _deliver(self, client: httpx.Client, job: Job, policy: DeliveryPolicy) -> None:
        if job.format != "JSON":
            # Only JSON is emulated; an XML hook's delivery is logged as skipped, not sent.
            self._record(job, 0, None, "skipped: XML format is not emulated")
            return
        for attempt in range(1, policy.attempts + 1):
            status, error = self._post(client, job)
            self._record(job, attempt, status, error)
            if status is not None and 200 <= status < 300:
                return
            if attempt < policy.attempts and self._stop.wait(policy.backoff_s * 2 ** (attempt - 1)):
                return

    @staticmethod
    def _post(client: httpx.Client, job: Job) -> tuple[int | None, str | None]:
        try:
            response = client.post(job.url, content=job.body, headers=HEADERS)
        except httpx.HTTPError as exc:
            # The exception text can quote the URL; keep only the class name (no path token).
            return None, type(exc).__name__
        return response.status_code, None

    def _record(self, job: Job, attempt: int, status: int | None, error: str | None) -> None:
        entry = {
            "seq": job.seq,
            "delivery": job.delivery,
            "duplicate": job.duplicate,
            "event_type": job.event_type,
            "event": EVENTS.get(job.event_type, str(job.event_type)),
            "hook_id": job.hook_id,
            "url": origin(job.url),
            "resource_id": job.resource_id,
            "attempt": attempt,
            "status": status,
            "error": error,
            "at": self.clock().astimezone(dt.UTC).isoformat(timespec="milliseconds"),
        }
        with self._cond:
            self._log.append(entry)
