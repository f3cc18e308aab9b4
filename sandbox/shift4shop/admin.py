"""Admin routes of the Shift4Shop (3dcart) REST API v1 emulator (under `/__admin`, no auth).

Webhook deliveries (`/webhooks/deliveries`, `/webhooks/flush`, `/webhooks/chaos`,
`/webhooks/policy`) and the merchant helpers of `helpers.py` over HTTP (`/orders/{id}/touch`,
`/orders`, `/customers/{id}/edit`, `/products/{id}/stock`, `/products/{id}/price`), next to the
shared ones of `sandbox.core` (counts, records, faults, tokens).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, FastAPI, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sandbox.core import ADMIN_PREFIX
from sandbox.shift4shop.delivery import DeliveryChaos, DeliveryPolicy

if TYPE_CHECKING:
    from sandbox.shift4shop.emulator import Shift4ShopEmulator

HOOKS = f"{ADMIN_PREFIX}/webhooks"


class TouchBody(BaseModel):
    """`touch_order` arguments."""

    status_id: int | None = None


class StockBody(BaseModel):
    """`set_stock` arguments."""

    stock: int
    advanced_option_code: str | None = None


class PriceBody(BaseModel):
    """`set_price` arguments."""

    price: Decimal = Field(ge=0)


class OrderLine(BaseModel):
    """One line of `place_order`."""

    sku: str
    quantity: int = Field(1, ge=1)


class PlaceOrderBody(BaseModel):
    """`place_order` arguments."""

    customer_id: int
    items: list[OrderLine] = Field(min_length=1)
    status_id: int = 1


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a helper; unknown ids become 404, bad values 400."""
    try:
        return fn(*args, **kwargs)
    except KeyError as exc:
        raise HTTPException(404, f"not found: {exc}") from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _webhook_routes(app: FastAPI, emu: Shift4ShopEmulator) -> None:
    sender = emu.webhook_sender

    @app.get(f"{HOOKS}/deliveries")
    async def deliveries() -> list[dict[str, Any]]:
        return sender.deliveries()

    @app.delete(f"{HOOKS}/deliveries")
    async def clear_deliveries() -> dict[str, str]:
        sender.clear()
        return {"status": "cleared"}

    @app.post(f"{HOOKS}/flush")
    async def flush(timeout: float = 10.0) -> dict[str, Any]:
        # Waiting happens off the event loop: a receiver may be served by this same server.
        done = await run_in_threadpool(emu.flush_webhooks, timeout)
        return {"done": done, "pending": sender.pending()}

    @app.get(f"{HOOKS}/chaos")
    async def get_chaos() -> DeliveryChaos:
        return sender.chaos

    @app.put(f"{HOOKS}/chaos")
    async def put_chaos(chaos: DeliveryChaos) -> DeliveryChaos:
        sender.set_chaos(chaos)
        return sender.chaos

    @app.get(f"{HOOKS}/policy")
    async def get_policy() -> DeliveryPolicy:
        return sender.policy

    @app.put(f"{HOOKS}/policy")
    async def put_policy(policy: DeliveryPolicy) -> DeliveryPolicy:
        sender.policy = policy
        return sender.policy


def _helper_routes(app: FastAPI, emu: Shift4ShopEmulator) -> None:
    @app.post(f"{ADMIN_PREFIX}/orders/{{order_id}}/touch")
    async def touch(order_id: int, body: TouchBody) -> dict[str, Any]:
        result: dict[str, Any] = _call(emu.touch_order, order_id, body.status_id)
        return result

    @app.post(f"{ADMIN_PREFIX}/orders")
    async def place(body: PlaceOrderBody) -> dict[str, Any]:
        items = [(line.sku, line.quantity) for line in body.items]
        result: dict[str, Any] = _call(emu.place_order, body.customer_id, items, body.status_id)
        return result

    @app.post(f"{ADMIN_PREFIX}/customers/{{customer_id}}/edit")
    async def edit(customer_id: int, fields: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        result: dict[str, Any] = _call(emu.edit_customer, customer_id, **fields)
        return result

    @app.post(f"{ADMIN_PREFIX}/products/{{catalog_id}}/stock")
    async def stock(catalog_id: int, body: StockBody) -> dict[str, Any]:
        code = body.advanced_option_code
        result: dict[str, Any] = _call(emu.set_stock, catalog_id, body.stock, code)
        return result

    @app.post(f"{ADMIN_PREFIX}/products/{{catalog_id}}/price")
    async def price(catalog_id: int, body: PriceBody) -> dict[str, Any]:
        result: dict[str, Any] = _call(emu.set_price, catalog_id, body.price)
        return result


def register_admin(app: FastAPI, emu: Shift4ShopEmulator) -> None:
    """Add the Shift4Shop-specific admin routes to `app`."""
    _webhook_routes(app, emu)
    _helper_routes(app, emu)
