"""The Shift4Shop (formerly 3dcart) REST API v1 emulator (`/3dCartWebAPI/v1`).

Follows `shared/docs/store-apis.md` section 2 and the redacted captures in
`shared/api-specs/shift4shop/samples/`. Header auth (`SecureURL`, `PrivateKey`, `Token`), bare JSON
arrays in PascalCase, 1-based `offset` paging, 404 for empty lists, store-local timestamps.
Routes live in `routes*.py` and `admin.py`, JSON shapes in `render.py`/`catalog.py`, paging in
`query.py`, writes in `*_writes.py`, merchant helpers in `helpers.py`, webhooks in `webhooks.py`
(registrations) and `delivery.py` (the sender). Every change is stamped with the business clock
(`connectors.clock.utcnow`, injectable as `clock`) through `txn.StoreBase.transaction`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from connectors.clock import utcnow
from sandbox.core import Emulator
from sandbox.seed import SeedWorld
from sandbox.shift4shop.build import build_state
from sandbox.shift4shop.catalog import render_customer, render_product
from sandbox.shift4shop.delivery import WebhookSender
from sandbox.shift4shop.helpers import AdminHelpers
from sandbox.shift4shop.persist import dump_state, load_state
from sandbox.shift4shop.query import ApiError, error_body
from sandbox.shift4shop.render import render_order
from sandbox.shift4shop.routes import register
from sandbox.shift4shop.state import StoreState
from sandbox.shift4shop.webhooks import WebhookAdmin, render_webhook

# Sandbox credentials (not secrets: they only open the local emulator).
SECURE_URL = "https://sandbox-store.3dcartstores.com"
PRIVATE_KEY = "sbx-3dcart-private-key-0123456789abcdef"
TOKEN = "sbx-3dcart-token-fedcba9876543210"
BASE_PATH = "/3dCartWebAPI/v1"
# The real maximum is undocumented (store-apis.md 2.3): clients use 100-300, SkuVault 300.
MAX_LIMIT = 300
# HTML error page: store-apis.md 2.9 says HTML error pages come back. The text is an assumption
# modelled on the ASP.NET runtime error page the API's stack (x-aspnet-version) produces.
SERVER_ERROR_HTML = """<!DOCTYPE html>
<html><head><title>Runtime Error</title></head>
<body><h1>Server Error in '/3dCartWebAPI' Application.</h1>
<h2><i>Runtime Error</i></h2>
<p>An application error occurred on the server.</p></body></html>
"""


def normalize_store_url(value: str) -> str:
    """A SecureURL reduced for comparison: no scheme, no `www.`, no trailing slash, lowercase.

    SkuVault sends the bare host, the official SDK the full URL (store-apis.md 2.2).

    Args:
        value: the header value.
    """
    url = value.strip().lower()
    for scheme in ("https://", "http://"):
        url = url.removeprefix(scheme)
    return url.removeprefix("www.").rstrip("/")


class Shift4ShopEmulator(AdminHelpers, WebhookAdmin, Emulator):
    """Emulated Shift4Shop store seeded from the shared world.

    API writes: `update_order(s)`, `update_shipment(s)`, `add_shipment(s)`, `update_product(s)`,
    `create_product(s)`, `delete_product`, `update_advanced_option(s)`, `create_customer(s)`,
    `update_customer(s)`, `create_webhook(s)`, `update_webhook`, `delete_webhook`. Merchant
    helpers: `touch_order`, `edit_customer`, `set_stock`, `set_price`, `place_order`. Webhook
    deliveries: `webhook_verify`, `webhook_sender` (policy, chaos), `wait_for_deliveries`,
    `flush_webhooks`, `webhook_deliveries`.
    """

    name: ClassVar[str] = "shift4shop"

    def __init__(self, world: SeedWorld) -> None:
        """Build the store from `world`.

        Args:
            world: the deterministic seed world (orders, customers, products, store zone).
        """
        super().__init__()
        self.world = world
        self.tz = ZoneInfo(world.config.store_timezone)
        self.secure_url = SECURE_URL
        self.private_key = PRIVATE_KEY
        self.token = TOKEN
        self.base_path = BASE_PATH
        self.max_limit = MAX_LIMIT
        self.clock: Callable[[], dt.datetime] = utcnow
        self.state: StoreState = build_state(world)
        # The log follows an injected clock too (late-bound: tests may replace `clock`).
        self.webhook_sender = WebhookSender(clock=lambda: self.clock())

    # --- Emulator interface -------------------------------------------------------------------
    def routes(self, app: FastAPI) -> None:
        """Register the `/3dCartWebAPI/v1` routes and the error handlers on `app`."""
        register(app, self)

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every order, customer, product and webhook, rendered as the API returns them."""
        with self.lock:
            ctx, state = self.render_context, self.state
            return {
                "Order": [render_order(o, ctx) for _, o in sorted(state.orders.items())],
                "Customer": [render_customer(c) for _, c in sorted(state.customers.items())],
                "Product": [render_product(p, ctx) for _, p in sorted(state.products.items())],
                "Webhook": [render_webhook(h, self.tz) for _, h in sorted(state.webhooks.items())],
            }

    def dump(self) -> dict[str, Any]:
        """The full store state as JSON-serialisable data."""
        with self.lock:
            return dump_state(self.state)

    def load(self, data: dict[str, Any]) -> None:
        """Replace the store state with a `dump` snapshot."""
        state = load_state(data)
        with self.lock:
            self.state = state

    def rate_limited_response(self) -> Response:
        """429 with `Retry-After` in whole seconds and an error array.

        Shift4Shop documents no rate-limit headers or numbers (store-apis.md 2.8); the generic
        profile there says 429 with an optional `Retry-After`, which we always send.
        """
        wait = max(0, math.ceil(self.faults.retry_after_s))
        return JSONResponse(
            error_body("Too many requests. Please retry later."),
            status_code=429,
            headers={"Retry-After": str(wait)},
        )

    def server_error_response(self) -> Response:
        """500 with an HTML page (`text/html`), as store-apis.md 2.9 says can come back."""
        return HTMLResponse(SERVER_ERROR_HTML, status_code=500)

    def env(self, ca_bundle: Path) -> dict[str, str]:
        """`STOREBRIDGE_SHIFT4SHOP_*` settings pointing the connector at this emulator.

        Args:
            ca_bundle: the sandbox CA the connector must trust.
        """
        return {
            "STOREBRIDGE_SHIFT4SHOP_BASE_URL": f"{self.base_url}{self.base_path}",
            "STOREBRIDGE_SHIFT4SHOP_SECURE_URL": self.secure_url,
            "STOREBRIDGE_SHIFT4SHOP_PRIVATE_KEY": self.private_key,
            "STOREBRIDGE_SHIFT4SHOP_TOKEN": self.token,
            "STOREBRIDGE_SHIFT4SHOP_CA_BUNDLE": str(ca_bundle),
            "STOREBRIDGE_SHIFT4SHOP_STORE_TIMEZONE": self.world.config.store_timezone,
        }

    # --- API helpers ---------------------------------------------------------------------------
    async def authenticate(self, request: Request) -> None:
        """Check the three auth headers (names are case-insensitive, as in HTTP).

        Raises:
            ApiError: 401 with an error array; the wording is an assumption (undocumented).
        """
        headers = request.headers
        secure_url = headers.get("secureurl")
        if not secure_url or normalize_store_url(secure_url) != normalize_store_url(
            self.secure_url
        ):
            raise ApiError(401, "Unauthorized: missing or unknown SecureURL")
        if headers.get("privatekey") != self.private_key:
            raise ApiError(401, "Unauthorized: invalid PrivateKey")
        if headers.get("token") != self.token:
            raise ApiError(401, "Unauthorized: invalid Token for this store")
