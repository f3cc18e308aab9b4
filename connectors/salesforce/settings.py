"""Settings of a Salesforce org connection: `STOREBRIDGE_SALESFORCE_*`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    private_key_file: Path | None = Field(
        default=None, description="PEM key whose certificate the connected app holds"
    )
    private_key: SecretStr | None = Field(
        default=None,
        description="the same PEM key as text, instead of a file (e.g. from the Prefect Secret "
        "block storebridge-salesforce-private-key, for workers on other machines)",
    )
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
    currency: str = Field(default="USD", description="the org's currency (list prices)")
    order_status_map: dict[str, str] = Field(
        default_factory=dict,
        description="JSON overriding entries of `tables.status` in mappings/salesforce/order.yaml",
    )
    bulk_min_records: int | None = Field(
        default=None,
        ge=1,
        description="use Bulk API 2.0 for a load expected to write at least this many records "
        "(default: whenever jobs cost fewer calls than packed composite requests)",
    )
    bulk_poll_s: float = Field(default=2.0, gt=0, description="wait between Bulk job polls")
    payment_object: bool = Field(
        default=False,
        description="also write each payment as a Storebridge_Payment__c under its Order",
    )
    safety_stock: float | None = Field(
        default=None, ge=0, description="units kept back from the store (inventory use case)"
    )
    stock_source: Literal["field", "object"] | None = Field(
        default=None,
        description="where stock lives: fields of Product2, or one row per location of an object "
        "(default: mappings/salesforce/inventory_from.yaml)",
    )
    stock_locations: list[str] | None = Field(
        default=None, description="JSON list of the locations whose stock a store may sell"
    )

    @field_validator("private_key_file")
    @classmethod
    def _key_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _one_key(self) -> SalesforceSettings:
        if self.private_key_file is None and self.private_key is None:
            raise ValueError(
                "set STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE (a PEM file) or "
                "STOREBRIDGE_SALESFORCE_PRIVATE_KEY (the PEM text)"
            )
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        where = (
            "STOREBRIDGE_SALESFORCE_PRIVATE_KEY"
            if self.private_key is not None
            else f"STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE ({self.private_key_file})"
        )
        try:
            load_pem_private_key(self.private_key_pem(), password=None)
        except (ValueError, TypeError) as exc:  # never show the key itself
            raise ValueError(
                f"{where} is not an unencrypted PEM private key ({type(exc).__name__})"
            ) from None
        return self

    def private_key_pem(self) -> bytes:
        """The JWT signing key (from the text setting, else the file)."""
        if self.private_key is not None:
            return self.private_key.get_secret_value().encode()
        assert self.private_key_file is not None  # the validator saw to it
        return self.private_key_file.read_bytes()
