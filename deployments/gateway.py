"""The webhook gateway: one route per system that sends webhooks → inbox → Prefect run requests.

Each system's `WebhookSpec` (registry) names its route, its verification and its parser. A
delivery is verified first (wrong credential → 401 and nothing stored), its body bounded (→ 413)
and parsed into events (a bad item → 400 naming the item and field), then every event is written
to the inbox with a route per subscribed (use case, target) — one transaction per delivery —
BEFORE the 2xx is sent, so an answered webhook is never lost. Only ids and statuses are kept: the
flow re-reads the record from the API. The dispatcher turns pending routes into runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from connectors.state import StateStore
from deployments.dispatch import Dispatcher
from deployments.settings import GatewaySettings
from deployments.subscriptions import subscriptions
from flows import registry
from flows.registry import SystemSpec
from flows.webhooks import WebhookError, WebhookEvent


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes (announced or actually sent)."""
    announced = request.headers.get("content-length")
    if announced and announced.isdigit() and int(announced) > limit:
        raise HTTPException(413, f"body of {announced} bytes is over the limit of {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"body is over the limit of {limit} bytes")
    return bytes(body)


def _route(
    app: FastAPI,
    spec: SystemSpec,
    settings: GatewaySettings,
    state: StateStore,
    routes: dict[tuple[str, str], list[tuple[str, str]]],
) -> None:
    assert spec.webhooks is not None
    hooks = spec.webhooks
    secret = settings.secret(hooks.secret_setting)
    parse: Callable[..., list[WebhookEvent]] = registry.load(hooks.parser)
    slug = spec.slug

    async def receive(request: Request) -> dict[str, int]:
        token = request.path_params.get("secret", "")
        if secret is None or not hmac.compare_digest(str(token).encode(), secret.encode()):
            raise HTTPException(401, "unknown webhook URL token")
        body = await read_body(request, settings.max_body_bytes)
        try:
            events = parse(body, dict(request.headers))
        except WebhookError as exc:
            raise HTTPException(400, f"{slug} webhook: {exc}") from None

        def store() -> dict[str, int]:
            rows = [
                (
                    slug,
                    e.delivery_key,
                    e.topic.value,
                    e.resource_id,
                    e.fields,
                    routes.get((slug, e.topic.value), []),
                )
                for e in events
            ]
            counts = {"accepted": 0, "duplicates": 0, "unrouted": 0}
            for (_, created), row in zip(state.add_events(rows), rows, strict=True):
                counts["accepted" if created else "duplicates"] += 1
                counts["unrouted"] += 0 if row[5] else int(created)
            return counts

        return await run_in_threadpool(store)

    app.add_api_route(
        hooks.path, receive, methods=["POST"], status_code=202, name=f"webhook-{slug}"
    )


def create_app(settings: GatewaySettings, state: StateStore, *, dispatch: bool = True) -> FastAPI:
    """The gateway app. With `dispatch`, a background loop requests runs for pending events."""
    dispatcher = Dispatcher(state, stale_after=dt.timedelta(seconds=settings.stale_after_s))
    routes = subscriptions(settings.pair_list())

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
    senders = {source for source, _ in settings.pair_list()}
    for spec in registry.specs():
        if spec.webhooks is not None and spec.slug in senders:
            _route(app, spec, settings, state, routes)

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
