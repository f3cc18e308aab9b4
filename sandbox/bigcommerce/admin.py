"""Admin routes of the BigCommerce emulator (`/__admin/...`, no auth, FastAPI's own errors).

* `GET|PUT /__admin/rate-limit` `{"quota": 5, "window_ms": 30000}`: the store's request window;
* `GET /__admin/hooks/deliveries`, `POST /__admin/hooks/deliveries/clear`: the callback log;
* `POST /__admin/hooks/flush?timeout=10`: wait until no callback is queued, scheduled or in flight;
* `GET|PUT /__admin/hooks/chaos` (`DeliveryChaos`), `GET|PUT /__admin/hooks/policy`
  (`DeliveryPolicy`: the retry schedule's compression), `GET|PUT /__admin/hooks/strict`;
* `POST /__admin/hooks/fire` `{"scope", "id", "count", "distinct"}`: fire an event N times to the
  active hooks of its scope, as N distinct events (`distinct`, default) or as N re-sends of one
  (same hash and webhook-id), for burst tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from sandbox.bigcommerce.delivery import DeliveryChaos, DeliveryPolicy

if TYPE_CHECKING:
    from sandbox.bigcommerce.emulator import BigCommerceEmulator

ADMIN = "/__admin"


class RateLimit(BaseModel):
    """The store's request quota (admin API body)."""

    quota: int = Field(ge=1, description="requests per window")
    window_ms: int = Field(ge=10, description="window length in milliseconds")


class Fire(BaseModel):
    """An event to fire on demand (admin API body)."""

    scope: str
    id: int
    count: int = Field(1, ge=1, le=10_000)
    distinct: bool = Field(True, description="N distinct events (else N re-sends of one)")
    data: dict[str, Any] | None = Field(None, description="the payload data (default: built)")


class Strict(BaseModel):
    """Whether hook destinations must be HTTPS on port 443, as on the real API."""

    strict_destinations: bool


def register_admin(app: FastAPI, emu: BigCommerceEmulator) -> None:
    """Add the BigCommerce-specific admin routes to `app`."""

    @app.get(f"{ADMIN}/rate-limit")
    async def get_rate() -> RateLimit:
        return RateLimit(quota=emu.rate_window.quota, window_ms=emu.rate_window.window_ms)

    @app.put(f"{ADMIN}/rate-limit")
    async def put_rate(body: RateLimit) -> RateLimit:
        emu.rate_window.configure(body.quota, body.window_ms)
        return body

    @app.get(f"{ADMIN}/hooks/deliveries")
    async def deliveries() -> list[dict[str, Any]]:
        return emu.webhook_sender.deliveries()

    @app.post(f"{ADMIN}/hooks/deliveries/clear")
    async def clear() -> dict[str, str]:
        emu.webhook_sender.clear()
        return {"status": "cleared"}

    @app.post(f"{ADMIN}/hooks/flush")
    def flush(timeout: float = 10.0) -> dict[str, Any]:  # sync: runs in a worker thread
        done = emu.webhook_sender.wait(timeout)
        return {"flushed": done, "pending": emu.webhook_sender.pending()}

    @app.get(f"{ADMIN}/hooks/chaos")
    async def get_chaos() -> DeliveryChaos:
        return emu.webhook_sender.chaos

    @app.put(f"{ADMIN}/hooks/chaos")
    async def put_chaos(body: DeliveryChaos) -> DeliveryChaos:
        emu.webhook_sender.set_chaos(body)
        return body

    @app.get(f"{ADMIN}/hooks/policy")
    async def get_policy() -> DeliveryPolicy:
        return emu.webhook_sender.policy

    @app.put(f"{ADMIN}/hooks/policy")
    async def put_policy(body: DeliveryPolicy) -> DeliveryPolicy:
        emu.webhook_sender.policy = body
        return body

    @app.get(f"{ADMIN}/hooks/strict")
    async def get_strict() -> Strict:
        return Strict(strict_destinations=emu.strict_destinations)

    @app.put(f"{ADMIN}/hooks/strict")
    async def put_strict(body: Strict) -> Strict:
        emu.strict_destinations = body.strict_destinations
        return body

    @app.post(f"{ADMIN}/hooks/fire")
    async def fire(body: Fire) -> dict[str, Any]:
        events = emu.fire_event(body.scope, body.id, body.count, body.distinct, body.data)
        return {"events": events, "scope": body.scope, "id": body.id}
