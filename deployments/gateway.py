"""The webhook gateway: `POST /webhooks/shift4shop/{secret}` → inbox → Prefect run request.

Shift4Shop signs nothing (store-apis.md 2.7), so the credential is an unguessable token in the
URL; a wrong token gets 401 and nothing is stored. Each event is validated, then written to the
inbox (duplicate deliveries collapse on a hash of the body) BEFORE the 2xx is sent, so an answered
webhook is never lost. The body is believed to be the Order object (or an array of them; the
envelope is undocumented): only the ids are kept — the flow re-reads the order from the API.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from connectors.state import StateStore
from deployments.dispatch import Dispatcher
from deployments.settings import GatewaySettings

SOURCES = ("shift4shop",)


class WebhookError(ValueError):
    """A delivery that cannot be accepted; the message names the item and the field."""


def _field(item: dict[str, Any], name: str) -> Any:
    return next((v for k, v in item.items() if k.lower() == name.lower()), None)


def parse_shift4shop(body: bytes) -> list[dict[str, Any]]:
    """The events of a Shift4Shop delivery: `{OrderID, OrderStatusID?, LastUpdate?}` per item."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise WebhookError(f"body is not JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise WebhookError("body is an empty array: no event in it")
    events = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookError(f"item {i}: expected a JSON object, got {type(item).__name__}")
        order_id = _field(item, "OrderID")
        if order_id is None or str(order_id).strip() == "":
            raise WebhookError(f"item {i}: OrderID is missing")
        if not str(order_id).isdigit():
            raise WebhookError(f"item {i}: OrderID {order_id!r} is not a number")
        events.append(
            {
                "OrderID": int(order_id),
                "OrderStatusID": _field(item, "OrderStatusID"),
                "LastUpdate": _field(item, "LastUpdate"),
                "_raw": item,
            }
        )
    return events


def delivery_key(source: str, item: dict[str, Any]) -> str:
    """Same body delivered twice → same key (the inbox keeps one)."""
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{source}:{canonical}".encode()).hexdigest()


def create_app(settings: GatewaySettings, state: StateStore, *, dispatch: bool = True) -> FastAPI:
    """The gateway app. With `dispatch`, a background loop requests runs for pending events."""
    dispatcher = Dispatcher(
        state,
        {s: settings.deployment(s) for s in SOURCES},
        {s: getattr(settings, f"{s}_target") for s in SOURCES},
        stale_after=dt.timedelta(seconds=settings.stale_after_s),
    )

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

    @app.post("/webhooks/shift4shop/{secret}", status_code=202)
    async def shift4shop_webhook(secret: str, request: Request) -> dict[str, int]:
        expected = settings.shift4shop_secret.get_secret_value()
        if not hmac.compare_digest(secret.encode(), expected.encode()):
            raise HTTPException(401, "unknown webhook URL token")
        try:
            events = parse_shift4shop(await request.body())
        except WebhookError as exc:
            raise HTTPException(400, f"shift4shop webhook: {exc}") from None

        def store() -> dict[str, int]:
            counts = {"accepted": 0, "duplicates": 0}
            for e in events:
                _, created = state.add_event(
                    "shift4shop",
                    delivery_key("shift4shop", e.pop("_raw")),
                    "order",
                    str(e["OrderID"]),
                    payload=e,
                )
                counts["accepted" if created else "duplicates"] += 1
            return counts

        return await run_in_threadpool(store)

    @app.get("/healthz")
    async def health() -> dict[str, Any]:
        counts = await run_in_threadpool(state.inbox_counts)
        return {"status": "ok", "inbox": counts, "prefect_error": dispatcher.last_error}

    return app
