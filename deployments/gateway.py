"""The webhook gateway: one route per system that sends webhooks → inbox → Prefect run requests.

Each system's `WebhookSpec` (registry) names its route, its verifier and its parser. A
delivery is verified first by the system's `Verifier` (`flows/webhook_auth.py`: a URL token, or a
signature over the raw body with a replay window; a wrong credential → 401 and nothing stored;
the path is checked before the body is read, the signature right after), its body bounded while it
is read (`max_body_bytes` announced or streamed → 413; not complete `body_read_timeout_s` after
the headers → 408), parsed into events (a bad item → 400 naming the item and field; more than
`max_events_per_request` → 413), and every field to be stored is validated by the inbox schema
(`InboxEntry`: the same input is refused with 400 on SQLite and PostgreSQL alike). The events
are written to the inbox with a route per subscribed (use case, target) BEFORE the 2xx is sent,
so an answered webhook is never lost: concurrent deliveries share one transaction (group
commit), each answered only once that transaction committed. Only ids and statuses are kept:
the flow re-reads the record from the API. The dispatcher turns pending routes into runs.

The replay window is measured on the gateway's `clock` (Unix seconds): the wall clock by
default, which is right for senders' timestamps; tests pass a fixed one. URL tokens are
credentials: `server()` (what `storebridge gateway` runs) masks them in every
log record of uvicorn and the gateway (`deployments/logmask.py`), and no error message repeats
them. The body's bounds and the group commit are in `deployments/gateway_intake.py`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from connectors.state import StateStore
from connectors.state.inbox_schema import InboxEntry, InboxEntryError, validate_events
from deployments.dispatch import Dispatcher
from deployments.gateway_intake import CLOSE, INLINE_PARSE_BYTES, GroupCommit, read_body
from deployments.logmask import mask_secrets_in_logs
from deployments.settings import GatewaySettings
from deployments.subscriptions import subscriptions
from flows import registry
from flows.registry import SystemSpec
from flows.webhook_auth import Delivery, Verifier, WebhookAuthError
from flows.webhooks import WebhookError, WebhookEvent

log = logging.getLogger("storebridge.gateway")


def _refused(
    slug: str, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> HTTPException:
    log.info("%s webhook refused with %d: %s", slug, status, detail)
    return HTTPException(status, f"{slug} webhook: {detail}", dict(headers or {}) or None)


def _unauthorised(
    slug: str, exc: WebhookAuthError, headers: Mapping[str, str] | None = None
) -> HTTPException:
    """401 with what failed (never a secret, a signature or the value sent)."""
    log.info("%s webhook refused with 401: %s", slug, exc)
    return HTTPException(401, str(exc), dict(headers or {}) or None)


def _route(
    app: FastAPI,
    spec: SystemSpec,
    settings: GatewaySettings,
    writer: GroupCommit,
    routes: dict[tuple[str, str], list[tuple[str, str]]],
    clock: Callable[[], float],
) -> None:
    assert spec.webhooks is not None
    hooks = spec.webhooks
    verifier: Verifier = registry.load(hooks.verifier)(settings, hooks)
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
        params = {k: str(v) for k, v in request.path_params.items()}
        try:
            verifier.check_path(params)
        except WebhookAuthError as exc:  # before the body: close rather than read it
            raise _unauthorised(slug, exc, CLOSE) from None
        try:
            body = await read_body(request, settings.max_body_bytes, settings.body_read_timeout_s)
        except HTTPException as exc:
            raise _refused(slug, exc.status_code, str(exc.detail), exc.headers) from None
        headers = dict(request.headers)
        try:
            verifier.check_delivery(Delivery(slug, params, headers, body, clock()))
        except WebhookAuthError as exc:
            raise _unauthorised(slug, exc) from None
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


def create_app(
    settings: GatewaySettings,
    state: StateStore,
    *,
    dispatch: bool = True,
    clock: Callable[[], float] | None = None,
) -> FastAPI:
    """The gateway app. With `dispatch`, a background loop requests runs for pending events;
    `clock` (Unix seconds, default the wall clock) is what signed deliveries' timestamps are
    checked against."""
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
            _route(app, spec, settings, writer, routes, clock or time.time)

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
    clock: Callable[[], float] | None = None,
) -> uvicorn.Server:
    """The gateway's uvicorn server (what `storebridge gateway` runs), URL tokens masked in its
    logs. `server(...).run()` serves until SIGINT/SIGTERM (or `should_exit`). `freeze_heap`
    (for a process that only serves the gateway) takes what exists now out of the collector's
    reach: a full collection over the import-time heap paused every request for ~130 ms."""
    app = create_app(settings, state, dispatch=dispatch, clock=clock)
    config = uvicorn.Config(
        app, host=host or settings.host, port=port or settings.port, log_level=log_level
    )
    mask_secrets_in_logs(settings)  # after Config: its dictConfig (re)built uvicorn's loggers
    if freeze_heap:  # what the imports built (Prefect, SQLAlchemy, pydantic) lives forever
        gc.collect()
        gc.freeze()
    return uvicorn.Server(config)
