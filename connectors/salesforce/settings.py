"""Settings of a Salesforce org connection: `STOREBRIDGE_SALESFORCE_*`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from connectors.settings import ConnectionSettings


class SalesforceSettings(ConnectionSettings):
    """One org, reached with the OAuth 2.0 JWT bearer flow of a connected app."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_SALESFORCE_")

    base_url: str = Field(
        default="https://login.salesforce.com",
        description="host that issues tokens (test.salesforce.com for sandboxes, or My Domain)",
    )
    consumer_key: str = Field(description="the connected app's consumer key (JWT `iss`)")
    username: str = Field(description="the integration user (JWT `sub`)")
    private_key_file: Path = Field(description="PEM key whose certificate the connected app holds")
    audience: str = Field(
        default="https://login.salesforce.com",
        description="JWT `aud`: login.salesforce.com or test.salesforce.com, never My Domain",
    )
    api_version: str = Field(default="59.0", pattern=r"^\d{2}\.\d$")
    quota_stop_share: float | None = Field(
        default=0.1,
        ge=0,
        le=1,
        description="stop a run cleanly when less than this share of the daily API quota is left",
    )
    timezone: str = Field(default="UTC", description="business time zone for order dates")
    order_status_map: dict[str, str] = Field(
        default_factory=dict,
        description="JSON overriding entries of mappings/salesforce/order_status.yaml",
    )

    @field_validator("private_key_file")
    @classmethod
    def _key_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value
