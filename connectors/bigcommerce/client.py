"""BigCommerce client: one store's V2 and V3 APIs behind the resilient HTTP client.

Paths are `{base_url}/stores/{store_hash}/v2|v3/...`, authenticated by `X-Auth-Token`. Pacing
reads BigCommerce's quota headers on every response (`X-Rate-Limit-Requests-Left`,
`-Requests-Quota`, `-Time-Reset-Ms`): the client slows down as the window empties and waits
the reset before the last request of it; a 429 waits `X-Rate-Limit-Time-Reset-Ms`, and a 429
without headers (platform load shedding) backs off exponentially. Errors go through the shared
table with BigCommerce's rows in front (`resources.ERROR_ROWS`: 507 plan limit, 409, 413, 422).
Each area lives in its own mixin module: `orders`, `customers`, `catalog`, `inventory`, `hooks`.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.bigcommerce import resources
from connectors.bigcommerce.catalog import CatalogMixin
from connectors.bigcommerce.customers import CustomersMixin
from connectors.bigcommerce.hooks import HooksMixin
from connectors.bigcommerce.inventory import InventoryMixin
from connectors.bigcommerce.orders import OrdersMixin
from connectors.bigcommerce.resources import SYSTEM
from connectors.bigcommerce.settings import BigCommerceSettings
from connectors.bigcommerce.writes import WriteResult
from connectors.http import DEFAULT_ERROR_TABLE, ErrorRule, client_from_settings
from connectors.settings import load_settings

__all__ = ["SYSTEM", "BigCommerceClient", "WriteResult", "error_table"]


def error_table() -> tuple[ErrorRule, ...]:
    """BigCommerce's rows in front of the shared table."""
    return (*resources.ERROR_ROWS, *DEFAULT_ERROR_TABLE)


class BigCommerceClient(OrdersMixin, CustomersMixin, CatalogMixin, InventoryMixin, HooksMixin):
    """One store's API. Thread-safe; close it (or use `with`) to release connections."""

    def __init__(
        self,
        settings: BigCommerceSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        **http_options: Any,
    ) -> None:
        """Args:
        settings: the store connection.
        transport: an httpx transport (tests).
        **http_options: passed to `ResilientClient` (e.g. `sleep`, `clock` in tests).
        """
        self.settings = settings
        store_root = f"{settings.base_url}/stores/{settings.store_hash}"
        headers = {
            "X-Auth-Token": settings.access_token.get_secret_value(),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.http = client_from_settings(
            SYSTEM,
            settings.model_copy(update={"base_url": store_root}),
            headers=headers,
            transport=transport,
            quota_reader=resources.QUOTA_HEADERS,
            error_table=error_table(),
            **http_options,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> BigCommerceClient:
        """Build from `STOREBRIDGE_BIGCOMMERCE_*` (a `ConfigError` names what is missing)."""
        return cls(load_settings(BigCommerceSettings, **overrides))
