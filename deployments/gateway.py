"""The webhook gateway: one route per system that sends webhooks → inbox → Prefect run requests.

Each system's `WebhookSpec` (registry) names its route, its verification and its parser. A
delivery is verified first (wrong credential → 401 and nothing stored), its body bounded while it
is read (`max_body_bytes` announced or streamed → 413; not complete `body_read_timeout_s` after
the headers → 408), parsed into events (a bad item → 400 naming the item and field; more than
`max_events_per_request` → 413), and every field to be stored is validated by the inbox schema
(`InboxEntry`: the same input is refused with 400 on SQLite and PostgreSQL alike). The events
are written to the inbox with a route per subscribed (use case, target) BEFORE the 2xx is sent,
so an answered webhook is never lost: concurrent deliveries share one transaction (group
commit), each answered only once that transaction committed. Only ids and statuses are kept:
the flow re-reads the record from the API. The dispatcher turns pending routes into runs.

URL tokens are credentials: `server()` (what `storebridge gateway` runs) masks them in every
log record of uvicorn and the gateway (`SecretMask`), and no error message repeats them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import hmac
import inspect
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse

from connectors.state import InboxEvent, StateStore
from connectors.state.inbox import InboxEntry, InboxEntryError, validate_events
from deployments.dispatch import Dispatcher
from deployments.settings import GatewaySettings
from deployments.subscriptions import subscriptions
from flows import registry
from flows.registry import SystemSpec
from flows.webhooks import WebhookError, WebhookEvent

log = logging.getLogger("storebridge.gateway")
MASK = "***"
MASKED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", log.name, f"{log.name}.dispatch")
GROUP_MAX_EVENTS = 2000  # events of concurrent deliveries written in one transaction, at most
# A transaction costs ~2 ms of CPU whatever it holds (SQLAlchemy compiles ON CONFLICT inserts
# afresh each time): waiting this long for more deliveries (unless GROUP_FULL already wait)
# makes the batches several times larger, for a few ms more latency (PostgreSQL's commit_delay).
GROUP_LINGER_S = 0.004
GROUP_FULL = 16
INLINE_PARSE_BYTES = 64_000  # larger bodies are parsed in a worker thread, off the event loop
_LENGTH = re.compile(r"[0-9]{1,19}")
# Refusals before the body was read close the connection, except 413: uvicorn then reads the
# rest of the body and discards it (never holding it), so a sender that writes its whole body
# before reading sees the 413 instead of a reset connection it would retry.
_CLOSE = {"Connection": "close"}
Stored = list[tuple[InboxEvent, bool]]


async def read_body(request: Request, limit: int, timeout_s: float = 10.0) -> bytes:
    """The body, refused with 413 past `limit` bytes (announced, or counted as it streams in,
    so a chunked body is never held whole) and with 408 when it is not complete `timeout_s`
    seconds after the headers (a sender that announces a body and sends nothing)."""
    announced = request.headers.get("content-length")
    if announced is not None and not _LENGTH.fullmatch(announced):
        raise HTTPException(400, "Content-Length header is not a number of bytes", _CLOSE)
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
        raise HTTPException(408, detail, _CLOSE) from None
    except ClientDisconnect:
        raise HTTPException(400, "the sender closed the connection mid-body", _CLOSE) from None
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


class SecretMask(logging.Filter):
    """Replaces secret URL tokens in log records with `***`: every secret value (also
    percent-encoded) and the token segment of every `{secret}` webhook path (a wrong token may be
    an old or mistyped real one). Messages, arguments and tracebacks alike."""

    def __init__(self, secrets: Iterable[str], paths: Iterable[str]) -> None:
        super().__init__()
        values = {s for s in secrets if s} | {quote(s, safe="") for s in secrets if s}
        self.secrets = sorted(values, key=len, reverse=True)
        prefixes = [re.escape(p.split("{secret}", 1)[0]) for p in paths if "{secret}" in p]
        self.paths = re.compile(f"({'|'.join(prefixes)})[^/?#\\s\"']+") if prefixes else None

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return self.paths.sub(rf"\g<1>{MASK}", text) if self.paths else text

    def _arg(self, value: Any) -> Any:
        if value is None or isinstance(value, (int, float)):
            return value
        text = str(value)
        masked = self.mask(text)
        return masked if isinstance(value, str) or masked != text else value

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_secrets_masked", False):  # a logger's filter, then a handler's
            return True
        record._secrets_masked = True
        if isinstance(record.msg, str):
            record.msg = self.mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def mask_secrets_in_logs(settings: GatewaySettings) -> SecretMask:
    """Install a `SecretMask` on uvicorn's and the gateway's loggers and their handlers (and
    the root handlers); idempotent. Call it after uvicorn configured its logging."""
    paths = [s.webhooks.path for s in registry.specs() if s.webhooks is not None]
    mask = SecretMask(settings.secret_values(), paths)
    loggers = [logging.getLogger(name) for name in MASKED_LOGGERS]
    targets: list[logging.Filterer] = [*loggers, *logging.getLogger().handlers]
    targets += [h for logger in loggers for h in logger.handlers]
    for target in targets:
        for old in [f for f in target.filters if isinstance(f, SecretMask)]:
            target.removeFilter(old)
        target.addFilter(mask)
    return mask


def _refused(
    slug: str, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> HTTPException:
    log.info("%s webhook refused with %d: %s", slug, status, detail)
    return HTTPException(status, f"{slug} webhook: {detail}", dict(headers or {}) or None)


def _route(
    app: FastAPI,
    spec: SystemSpec,
    settings: GatewaySettings,
    writer: GroupCommit,
    routes: dict[tuple[str, str], list[tuple[str, str]]],
) -> None:
    assert spec.webhooks is not None
    hooks = spec.webhooks
    secret = settings.secret(hooks.secret_setting)
    parse: Callable[..., list[WebhookEvent]] = registry.load(hooks.parser)
    slug = spec.slug
    most = settings.max_events_per_request
    # A parser that can stop early never looks past the limit of a huge array.
    stops = "stop_after" in inspect.signature(parse).parameters
    options = {"stop_after": most + 1} if stops else {}

    def routed(event: WebhookEvent) -> list[tuple[str, str]]:
        return routes.get((slug, event.topic.value), [])

    def entries_of(body: bytes, headers: dict[str, str]) -> list[InboxEntry]:
        try:
            events = parse(body, headers, **options)
        except WebhookError as exc:
            raise _refused(slug, 400, str(exc)) from None
        if len(events) > most:
            detail = f"more than {most} events in one request (max_events_per_request)"
            raise _refused(slug, 413, detail)
        rows = [
            (slug, e.delivery_key, e.topic.value, e.resource_id, e.fields, routed(e))
            for e in events
        ]
        try:
            return validate_events(rows)
        except InboxEntryError as exc:
            raise _refused(slug, 400, str(exc)) from None

    async def receive(request: Request) -> JSONResponse:
        token = request.path_params.get("secret", "")
        if secret is None or not hmac.compare_digest(str(token).encode(), secret.encode()):
            raise HTTPException(401, "unknown webhook URL token", _CLOSE)
        try:
            body = await read_body(request, settings.max_body_bytes, settings.body_read_timeout_s)
        except HTTPException as exc:
            raise _refused(slug, exc.status_code, str(exc.detail), exc.headers) from None
        headers = dict(request.headers)
        if len(body) > INLINE_PARSE_BYTES:
            entries = await run_in_threadpool(entries_of, body, headers)
        else:
            entries = entries_of(body, headers)
        try:
            stored = await writer.add(entries)
        except Exception:
            log.exception("%s webhook: storing %d event(s) failed", slug, len(entries))
            raise HTTPException(503, "the inbox cannot store events now; retry later") from None
        counts = {"accepted": 0, "duplicates": 0, "unrouted": 0}
        for (_, created), entry in zip(stored, entries, strict=True):
            counts["accepted" if created else "duplicates"] += 1
            counts["unrouted"] += 0 if entry.routes else int(created)
        return JSONResponse(counts, status_code=202)

    # A plain Starlette route: FastAPI's dependency solving and response validation would cost
    # more than the rest of the request (HTTPException still gets FastAPI's JSON answer).
    app.add_route(hooks.path, receive, methods=["POST"], name=f"webhook-{slug}")


def create_app(settings: GatewaySettings, state: StateStore, *, dispatch: bool = True) -> FastAPI:
    """The gateway app. With `dispatch`, a background loop requests runs for pending events."""
    dispatcher = Dispatcher(state, stale_after=dt.timedelta(seconds=settings.stale_after_s))
    routes = subscriptions(settings.pair_list())
    writer = GroupCommit(state)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        loop = (
            asyncio.create_task(dispatcher.run(settings.dispatch_interval_s, stop))
            if dispatch
            else None
        )
        yield
        stop.set()
        if loop:
            await loop

    app = FastAPI(title="storebridge gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.dispatcher = dispatcher
    app.state.subscriptions = routes
    app.state.writer = writer
    senders = {source for source, _ in settings.pair_list()}
    for spec in registry.specs():
        if spec.webhooks is not None and spec.slug in senders:
            _route(app, spec, settings, writer, routes)

    @app.get("/healthz")
    async def health() -> dict[str, Any]:
        counts = await run_in_threadpool(state.inbox_counts)
        status = "ok" if dispatcher.last_error is None else "degraded"
        return {
            "status": status,
            "inbox": counts,
            "prefect_error": dispatcher.last_error,
            "subscriptions": {
                f"{s}:{t}": [f"{u}->{g}" for u, g in r] for (s, t), r in routes.items()
            },
        }

    return app


def server(
    settings: GatewaySettings,
    state: StateStore,
    *,
    host: str | None = None,
    port: int | None = None,
    dispatch: bool = True,
    log_level: str = "info",
    freeze_heap: bool = True,
) -> uvicorn.Server:
    """The gateway's uvicorn server (what `storebridge gateway` runs), URL tokens masked in its
    logs. `server(...).run()` serves until SIGINT/SIGTERM (or `should_exit`). `freeze_heap`
    (for a process that only serves the gateway) takes what exists now out of the collector's
    reach: a full collection over the import-time heap paused every request for ~130 ms."""
    app = create_app(settings, state, dispatch=dispatch)
    config = uvicorn.Config(
        app, host=host or settings.host, port=port or settings.port, log_level=log_level
    )
    mask_secrets_in_logs(settings)  # after Config: its dictConfig (re)built uvicorn's loggers
    if freeze_heap:  # what the imports built (Prefect, SQLAlchemy, pydantic) lives forever
        gc.collect()
        gc.freeze()
    return uvicorn.Server(config)
