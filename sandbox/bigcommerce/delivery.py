"""Outbound webhook callbacks of the BigCommerce emulator (store-apis.md 1.9).

A callback is an HTTP POST of the light payload `{"scope", "store_id", "data", "hash",
"created_at", "producer"}` (as in `webhook-callbacks/data/*.json`) with the hook's custom headers
verbatim and a Standard Webhooks signature: `webhook-id`, `webhook-timestamp` (Unix seconds of the
attempt on the *wall* clock: it authenticates, and receivers check it against theirs; `created_at`
is the event's business-clock time) and `webhook-signature: v1,<base64 HMAC-SHA256>` over
`"{id}.{timestamp}." + body`, keyed by the app's client secret (UTF-8 bytes).

`hash`: the docs say SHA-1 of the payload data; their samples reuse one hash across different
events (copy-paste) and no JSON encoding of `data` alone reproduces them (checked). Assumption: the
SHA-1 of the JSON-encoded event (scope, store id, data, created_at, producer) and its event
number, so distinct events differ and every re-send (a retry, a duplicate, a re-fire with
`distinct=false`) repeats it. `webhook-id` is per event and hook and repeats likewise.

Retries: a non-2xx answer or a transport error is retried after 60, 180, 300, ... s
(`RETRY_SCHEDULE_S`) times `DeliveryPolicy.compression`; once the schedule is exhausted the hook is
set `is_active=false` (`on_exhausted`). One background thread posts (the API thread only
enqueues); the log keeps the receiver's origin only, never its path (it may carry a token).
Chaos on demand: a share of duplicates (same hash and webhook-id sent again) and out-of-order
delivery (each ready batch shuffled).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import heapq
import hmac
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field

from connectors.clock import utcnow
from sandbox.bigcommerce.constants import RETRY_SCHEDULE_S
from sandbox.shift4shop.delivery import origin

USER_AGENT = "storebridge-sandbox-bigcommerce-webhooks"
Verify = bool | str | Path | ssl.SSLContext


class DeliveryPolicy(BaseModel):
    """How callbacks are retried (admin API body)."""

    compression: float = Field(
        1.0, ge=0, le=1, description="factor on BigCommerce's retry schedule (tests: 1e-5)"
    )
    timeout_s: float = Field(5.0, gt=0, le=60, description="per-request timeout")


class DeliveryChaos(BaseModel):
    """Misbehaviour on demand (admin API body)."""

    duplicate_share: float = Field(0.0, ge=0, le=1, description="share delivered twice")
    shuffle: bool = Field(False, description="deliver each ready batch out of order")
    seed: int | None = Field(None, description="seed of duplicate/shuffle choices")


@dataclass(frozen=True)
class Event:
    """One webhook event and the hooks it goes to."""

    number: int
    scope: str
    payload: dict[str, Any]
    hooks: tuple[dict[str, Any], ...]


@dataclass(order=True)
class Job:
    """One callback of one event to one hook, due at `due` (monotonic seconds)."""

    due: float
    seq: int
    hook_id: int = field(compare=False)
    url: str = field(compare=False)
    headers: dict[str, str] = field(compare=False)
    body: bytes = field(compare=False)
    webhook_id: str = field(compare=False)
    scope: str = field(compare=False)
    hash: str = field(compare=False)
    attempt: int = field(compare=False, default=1)
    duplicate: bool = field(compare=False, default=False)


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks `webhook-signature` value (`v1,<base64 HMAC-SHA256>`)."""
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _context(verify: Verify) -> bool | ssl.SSLContext:
    if isinstance(verify, str | Path):
        return ssl.create_default_context(cafile=str(verify))
    return verify


class WebhookSender:
    """The queue, worker thread and log of webhook callbacks."""

    def __init__(
        self,
        secret: str,
        store_id: str,
        store_hash: str,
        clock: Callable[[], dt.datetime] = utcnow,
        on_exhausted: Callable[[int], None] | None = None,
        signing_clock: Callable[[], float] = time.time,
    ) -> None:
        """An idle sender (the thread starts with the first callback)."""
        self.secret = secret
        self.store_id = store_id
        self.store_hash = store_hash
        self.clock = clock
        self.signing_clock = signing_clock
        self.on_exhausted = on_exhausted
        self.verify: Verify = True
        self.policy = DeliveryPolicy()
        self.chaos = DeliveryChaos()
        self._rng = random.Random()
        self._cond = threading.Condition()
        self._heap: list[Job] = []
        self._log: list[dict[str, Any]] = []
        self._pending = 0
        self._seq = 0
        self._events = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- events ------------------------------------------------------------------------------
    def event(
        self, scope: str, data: dict[str, Any], at: dt.datetime, hooks: Iterable[dict[str, Any]]
    ) -> Event:
        """A new event (its own number and hash) for `hooks`."""
        with self._cond:
            self._events += 1
            number = self._events
        payload: dict[str, Any] = {
            "scope": scope,
            "store_id": self.store_id,
            "data": data,
            "created_at": int(at.timestamp()),
            "producer": f"stores/{self.store_hash}",
        }
        encoded = json.dumps({"event": number, **payload}, sort_keys=True, separators=(",", ":"))
        payload["hash"] = hashlib.sha1(encoded.encode(), usedforsecurity=False).hexdigest()
        return Event(number, scope, payload, tuple(hooks))

    def set_chaos(self, chaos: DeliveryChaos) -> None:
        """Replace the chaos settings (reseeds the choices)."""
        with self._cond:
            self.chaos = chaos
            self._rng = random.Random(chaos.seed)

    def enqueue(self, events: Iterable[Event], copies: int = 1) -> None:
        """Queue each event's callbacks (`copies` times the same callback: a re-fire)."""
        now = time.monotonic()
        with self._cond:
            for event in events:
                body = json.dumps(event.payload).encode()
                for hook in event.hooks:
                    for _ in range(copies):
                        self._push(self._job(now, event, hook, body))
            self._start()
            self._cond.notify_all()

    def _job(self, now: float, event: Event, hook: dict[str, Any], body: bytes) -> Job:
        self._seq += 1
        return Job(
            due=now,
            seq=self._seq,
            hook_id=hook["id"],
            url=hook["destination"],
            headers=dict(hook.get("headers") or {}),
            body=body,
            webhook_id=f"msg_bc{event.number}h{hook['id']}",
            scope=event.scope,
            hash=event.payload["hash"],
        )

    def _push(self, job: Job) -> None:
        heapq.heappush(self._heap, job)
        self._pending += 1
        share = self.chaos.duplicate_share
        if not job.duplicate and share and self._rng.random() < share:
            self._seq += 1
            heapq.heappush(self._heap, replace(job, seq=self._seq, duplicate=True))
            self._pending += 1

    # --- waiting and the log -----------------------------------------------------------------
    def wait(self, timeout: float) -> bool:
        """Wait until nothing is queued, scheduled or in flight; False if `timeout` passed."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def pending(self) -> int:
        """Callbacks queued, scheduled for a retry, or in flight."""
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
        """Stop the worker (queued callbacks are dropped)."""
        self._stop.set()
        with self._cond:
            self._pending -= len(self._heap)
            self._heap.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- worker ------------------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, daemon=True, name="sandbox-bigcommerce-webhooks"
            )
            self._thread.start()

    def _next_batch(self) -> list[Job] | None:
        with self._cond:
            while not self._stop.is_set():
                now = time.monotonic()
                if self._heap and self._heap[0].due <= now:
                    batch = []
                    while self._heap and self._heap[0].due <= now:
                        batch.append(heapq.heappop(self._heap))
                    if self.chaos.shuffle and len(batch) > 1:
                        order = list(range(len(batch)))
                        self._rng.shuffle(order)
                        if order == sorted(order):  # out of order must really be out of order
                            order = order[1:] + order[:1]
                        batch = [batch[i] for i in order]
                    return batch
                wait = self._heap[0].due - now if self._heap else None
                self._cond.wait(wait)
            return None

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            policy = self.policy
            with httpx.Client(
                verify=_context(self.verify),
                timeout=policy.timeout_s,
                follow_redirects=False,
                trust_env=False,
            ) as client:
                for job in batch:
                    retry = self._deliver(client, job, policy)
                    with self._cond:
                        self._pending -= 1
                        if retry is not None:
                            heapq.heappush(self._heap, retry)
                            self._pending += 1
                        self._cond.notify_all()

    def _deliver(self, client: httpx.Client, job: Job, policy: DeliveryPolicy) -> Job | None:
        timestamp = int(self.signing_clock())
        headers = {
            **job.headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": job.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.secret, job.webhook_id, timestamp, job.body),
        }
        try:
            status: int | None = client.post(job.url, content=job.body, headers=headers).status_code
            error = None
        except httpx.HTTPError as exc:  # the text may quote the URL: keep the class name
            status, error = None, type(exc).__name__
        ok = status is not None and 200 <= status < 300
        retry: Job | None = None
        outcome = "delivered" if ok else "retry"
        if not ok:
            if job.attempt <= len(RETRY_SCHEDULE_S):
                delay = RETRY_SCHEDULE_S[job.attempt - 1] * policy.compression
                with self._cond:
                    self._seq += 1
                retry = replace(
                    job, due=time.monotonic() + delay, seq=self._seq, attempt=job.attempt + 1
                )
            else:
                outcome = "deactivated"
                if self.on_exhausted is not None:
                    self.on_exhausted(job.hook_id)
        self._record(job, status, error, outcome, timestamp)
        return retry

    def _record(
        self, job: Job, status: int | None, error: str | None, outcome: str, timestamp: int
    ) -> None:
        entry = {
            "seq": job.seq,
            "hook_id": job.hook_id,
            "scope": job.scope,
            "hash": job.hash,
            "webhook_id": job.webhook_id,
            "duplicate": job.duplicate,
            "url": origin(job.url),
            "attempt": job.attempt,
            "status": status,
            "error": error,
            "outcome": outcome,
            "timestamp": timestamp,
        }
        with self._cond:
            self._log.append(entry)
