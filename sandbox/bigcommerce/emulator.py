"""The BigCommerce REST API emulator (`/stores/{store_hash}/v2|v3`).

Follows `shared/docs/store-apis.md` section 1 (checklist 1.11) and the official OpenAPI files in
`shared/api-specs/bigcommerce/reference/`: `X-Auth-Token` auth, V2 orders (money strings, RFC 2822
dates, 204 on empty lists, error arrays), V3 customers, catalog, inventory and hooks (envelope
with `meta.pagination`, error objects, batch limits with 413), the four rate-limit headers on every
response from a per-store window, and signed webhook callbacks. Routes live in `routes*.py` and
`admin.py`, shapes in `render_v2.py`/`render_v3.py`, writes in `*_ops.py`, merchant helpers in
`helpers.py`, the sender in `delivery.py`. Every stamp comes from the business clock
(`connectors.clock.utcnow`, injectable as `clock`) through `txn.StoreBase.transaction`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, Response

from connectors.clock import utcnow
from sandbox.bigcommerce.admin import register_admin
from sandbox.bigcommerce.constants import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_QUOTA,
    DEFAULT_WINDOW_MS,
    ERROR_TYPE,
    STORE_HASH,
    STORE_ID,
)
from sandbox.bigcommerce.delivery import WebhookSender
from sandbox.bigcommerce.helpers import MerchantHelpers
from sandbox.bigcommerce.render_v2 import render_order
from sandbox.bigcommerce.render_v3 import (
    render_customer,
    render_hook,
    render_inventory_item,
    render_location,
    render_product,
)
from sandbox.bigcommerce.routes import register
from sandbox.bigcommerce.seeding import build_state
from sandbox.bigcommerce.state import StoreState, dump_state, load_state
from sandbox.bigcommerce.web import RateWindow, json_response
from sandbox.core import Emulator
from sandbox.seed import SeedWorld


class BigCommerceEmulator(MerchantHelpers, Emulator):
    """Emulated BigCommerce store seeded from the shared world.

    API writes: `update_order`, `archive_order`, `add_shipment`, `update_shipment`,
    `create_customers`, `update_customers`, `create_addresses`, `update_addresses`,
    `create_product`, `update_products`, `update_variants`, `create_variant`, `create_option`,
    `adjust_inventory`, `create_hook`, `update_hook`, `delete_hook`. Merchant helpers:
    `touch_order`, `ship_order`, `edit_customer`, `set_stock`, `set_price`, `place_order`,
    `demo_activity`. Webhooks: `webhook_sender` (policy, chaos, deliveries), `flush_webhooks`.
    """

    name: ClassVar[str] = "bigcommerce"

    def __init__(self, world: SeedWorld) -> None:
        """Build the store from `world`.

        Args:
            world: the deterministic seed world (orders, customers, products, locations).
        """
        super().__init__()
        self.world = world
        self.store_hash = STORE_HASH
        self.client_secret = CLIENT_SECRET
        self.strict_destinations = False
        self.clock: Callable[[], dt.datetime] = utcnow
        self.state: StoreState = build_state(world)
        self.rate_window = RateWindow(DEFAULT_QUOTA, DEFAULT_WINDOW_MS)
        # Late-bound clock: tests may replace `clock` after construction.
        self.webhook_sender = WebhookSender(
            CLIENT_SECRET,
            STORE_ID,
            STORE_HASH,
            clock=lambda: self.clock(),
            on_exhausted=self.deactivate_hook,
        )

    # --- Emulator interface -------------------------------------------------------------------
    def routes(self, app: FastAPI) -> None:
        """Register the admin extras, the gate middleware and the `/stores/...` routes."""
        register_admin(app, self)
        register(app, self)

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record, rendered as the API returns it (orders with lines and ship-tos)."""
        with self.lock:
            s, root = self.state, f"{self.base_url}/stores/{self.store_hash}/v2"
            return {
                "Order": [
                    render_order(o, root, consignments="consignments.line_items")
                    for _, o in sorted(s.orders.items())
                ],
                "Customer": [
                    render_customer(c, addresses=True) for _, c in sorted(s.customers.items())
                ],
                "Product": [
                    render_product(s, p, variants=True, options=True)
                    for _, p in sorted(s.products.items())
                ],
                "InventoryItem": [
                    render_inventory_item(s, v, None) for _, v in sorted(s.variants.items())
                ],
                "Location": [render_location(loc) for _, loc in sorted(s.locations.items())],
                "Hook": [render_hook(h) for _, h in sorted(s.hooks.items())],
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

    def quota_response(self, headers: dict[str, str]) -> Response:
        """429 for a spent window: the four headers and `X-Retry-After` (whole seconds)."""
        retry_s = max(1, -(-int(headers["X-Rate-Limit-Time-Reset-Ms"]) // 1000))
        body = {"status": 429, "title": "Too many requests.", "type": ERROR_TYPE}
        response = json_response(body, 429)
        response.headers.update({**headers, "X-Retry-After": str(retry_s)})
        return response

    def rate_limited_response(self) -> Response:
        """The fault injector's refusal: 429 with the rate-limit headers of a spent window."""
        reset_ms = max(1, int(self.faults.retry_after_s * 1000))
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(self.rate_window.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(self.rate_window.quota),
            "X-Rate-Limit-Requests-Left": "0",
        }
        return self.quota_response(headers)

    def server_error_response(self) -> Response:
        """503 in the V3 error shape (status-codes.mdx: store down or in maintenance)."""
        body = {
            "status": 503,
            "title": "Service Unavailable",
            "type": ERROR_TYPE,
        }
        return json_response(body, 503)

    def env(self, ca_bundle: Path) -> dict[str, str]:
        """`STOREBRIDGE_BIGCOMMERCE_*` settings pointing the connector at this emulator."""
        return {
            "STOREBRIDGE_BIGCOMMERCE_BASE_URL": self.base_url,
            "STOREBRIDGE_BIGCOMMERCE_STORE_HASH": self.store_hash,
            "STOREBRIDGE_BIGCOMMERCE_ACCESS_TOKEN": ACCESS_TOKEN,
            "STOREBRIDGE_BIGCOMMERCE_CLIENT_ID": CLIENT_ID,
            "STOREBRIDGE_BIGCOMMERCE_CLIENT_SECRET": self.client_secret,
            "STOREBRIDGE_BIGCOMMERCE_CA_BUNDLE": str(ca_bundle),
        }

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until every callback (retries included) is done; False on timeout."""
        return self.webhook_sender.wait(timeout)
