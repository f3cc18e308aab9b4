"""The gateway's intake: a delivery's body read within bounds, and group commit.

`read_body` enforces the size limit while reading (an announced Content-Length over it → 413
before any byte is read; a streamed body is cut at the limit) and a deadline for the whole body
(→ 408). `GroupCommit` writes the events of concurrent deliveries in one transaction and answers
each delivery only after the transaction holding its events committed (a failing group is
retried delivery by delivery, so one bad delivery fails alone).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from connectors.state import InboxEvent, StateStore
from connectors.state.inbox_schema import InboxEntry

GROUP_MAX_EVENTS = 2000  # events of concurrent deliveries written in one transaction, at most
# A transaction costs ~2 ms of CPU whatever it holds (SQLAlchemy compiles ON CONFLICT inserts
# afresh each time): waiting this long for more deliveries (unless GROUP_FULL already wait)
# makes the batches several times larger, for a few ms more latency (PostgreSQL's commit_delay).
GROUP_LINGER_S = 0.004
GROUP_FULL = 16
INLINE_PARSE_BYTES = 64_000  # larger bodies are parsed in a worker thread, off the event loop
_LENGTH = re.compile(r"[0-9]{1,19}")
Stored = list[tuple[InboxEvent, bool]]
# Refusals before the body was read close the connection, except 413: uvicorn then reads the
# rest of the body and discards it (never holding it), so a sender that writes its whole body
# before reading sees the 413 instead of a reset connection it would retry.
CLOSE = {"Connection": "close"}


async def read_body(request: Request, limit: int, timeout_s: float = 10.0) -> bytes:
    """The body, refused with 413 past `limit` bytes (announced, or counted as it streams in,
    so a chunked body is never held whole) and with 408 when it is not complete `timeout_s`
    seconds after the headers (a sender that announces a body and sends nothing)."""
    announced = request.headers.get("content-length")
    if announced is not None and not _LENGTH.fullmatch(announced):
        raise HTTPException(400, "Content-Length header is not a number of bytes", CLOSE)
    if announced is not None and int(announced) > limit:
        detail = f"body of {int(announced)} bytes is over the limit of {limit} (max_body_bytes)"
        raise HTTPException(413, detail)
    body = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    detail = f"body is over the limit of {limit} bytes (max_body_bytes)"
                    raise HTTPException(413, detail)
    except TimeoutError:
        detail = f"body not received within {timeout_s:g} s (body_read_timeout_s)"
        raise HTTPException(408, detail, CLOSE) from None
    except ClientDisconnect:
        raise HTTPException(400, "the sender closed the connection mid-body", CLOSE) from None
    return bytes(body)


class GroupCommit:
    """Writes the events of concurrent deliveries in ONE transaction (one commit, one fsync,
    for all of them) and answers each delivery only once the transaction holding its events
    committed. A batch that fails is written again delivery by delivery, so one failing
    delivery fails alone."""

    def __init__(
        self,
        state: StateStore,
        max_events: int = GROUP_MAX_EVENTS,
        linger_s: float = GROUP_LINGER_S,
    ) -> None:
        self.state = state
        self.max_events = max_events
        self.linger_s = linger_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: deque[tuple[list[InboxEntry], asyncio.Future[Stored]]] = deque()
        self._writer: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Deliveries queued for the next transaction."""
        return len(self._queue)

    async def add(self, entries: list[InboxEntry]) -> Stored:
        """Store `entries` (one delivery) with the deliveries queued meanwhile; once committed,
        `(event, created)` per entry as `StateStore.add_events` returns them."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test client runs one per request)
            self._loop, self._queue, self._writer = loop, deque(), None
        done: asyncio.Future[Stored] = loop.create_future()
        self._queue.append((entries, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        while self._queue:
            if self.linger_s and len(self._queue) < GROUP_FULL:
                await asyncio.sleep(self.linger_s)
            batch = [self._queue.popleft()]
            size = len(batch[0][0])
            while self._queue and size + len(self._queue[0][0]) <= self.max_events:
                size += len(self._queue[0][0])
                batch.append(self._queue.popleft())
            try:
                outcomes = await run_in_threadpool(self._write, [e for e, _ in batch])
            except BaseException as exc:  # cancelled at shutdown: nobody is left unanswered
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                raise
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                if done.done():
                    continue
                if isinstance(outcome, Exception):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)

    def _write(self, batch: list[list[InboxEntry]]) -> list[Stored | Exception]:
        try:
            stored = self.state.add_events([entry for entries in batch for entry in entries])
        except Exception as exc:
            if len(batch) == 1:
                return [exc]
            return [self._write([entries])[0] for entries in batch]
        outcomes: list[Stored | Exception] = []
        start = 0
        for entries in batch:
            outcomes.append(stored[start : start + len(entries)])
            start += len(entries)
        return outcomes
