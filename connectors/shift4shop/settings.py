"""Settings of a Shift4Shop (3dcart) store connection: `STOREBRIDGE_SHIFT4SHOP_*`."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from connectors.settings import ConnectionSettings


class Shift4ShopSettings(ConnectionSettings):
    """One Shift4Shop store, REST API v1 (`https://apirest.3dcart.com/3dCartWebAPI/v1`)."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_SHIFT4SHOP_")

    base_url: str = Field(
        default="https://apirest.3dcart.com/3dCartWebAPI/v1", description="REST API v1 base"
    )
    secure_url: str = Field(description="the store's URL, sent as the SecureURL header")
    private_key: SecretStr = Field(description="the app's private key (Developer Portal)")
    token: SecretStr = Field(description="the store's token for the app (Modules > REST API)")
    store_timezone: str = Field(
        description="the store's time zone (IANA name): API filters and dates are store-local"
    )
    currency: str = Field(default="USD", description="the store's currency (not in order JSON)")
    orders_page_size: int = Field(default=300, ge=1, le=300, description="rows per /Orders page")

    @field_validator("store_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value
