"""Settings of a BigCommerce store connection: `STOREBRIDGE_BIGCOMMERCE_*`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from connectors.bigcommerce import resources
from connectors.settings import ConnectionSettings


class BigCommerceSettings(ConnectionSettings):
    """One BigCommerce store (`{base_url}/stores/{store_hash}/v2|v3`), API-account token auth.

    Batch maxima default to the spec's current limits (store-apis.md 1.10: they changed before,
    so they are settings; a 413 halves the batch anyway).
    """

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_BIGCOMMERCE_")

    base_url: str = Field(
        default="https://api.bigcommerce.com",
        description="API root; the connector appends /stores/{store_hash}/v2|v3",
    )
    store_hash: str = Field(min_length=1, description="the store's hash (its API path segment)")
    access_token: SecretStr = Field(description="API account / app OAuth token (X-Auth-Token)")
    client_id: str | None = Field(default=None, description="the app's client id")
    client_secret: SecretStr | None = Field(
        default=None, description="the app's client secret: the webhook signing key"
    )
    orders_page_size: int = Field(
        default=resources.V2_MAX_LIMIT, ge=1, le=resources.V2_MAX_LIMIT, description="V2 orders"
    )
    page_size: int = Field(
        default=resources.V3_MAX_LIMIT, ge=1, le=resources.V3_MAX_LIMIT, description="V3 lists"
    )
    products_batch: int = Field(
        default=resources.PRODUCTS_BATCH, ge=1, description="PUT /v3/catalog/products batch"
    )
    variants_batch: int = Field(
        default=resources.VARIANTS_BATCH, ge=1, description="PUT /v3/catalog/variants batch"
    )
    customers_batch: int = Field(
        default=resources.CUSTOMERS_BATCH, ge=1, description="POST/PUT /v3/customers batch"
    )
    inventory_batch: int = Field(
        default=resources.INVENTORY_BATCH, ge=1, description="inventory adjustment items"
    )
    payments_from: Literal["transactions", "order"] = Field(
        default="transactions",
        description="payments of an order: its V3 transactions (one call per paid order) or "
        "derived from the order's own payment fields (no call)",
    )

    @field_validator("store_hash")
    @classmethod
    def _path_segment(cls, value: str) -> str:
        if not value.isalnum():
            raise ValueError("must be the store hash (letters and digits), not a URL")
        return value
