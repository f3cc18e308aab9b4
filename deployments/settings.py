"""Settings of the webhook gateway: `STOREBRIDGE_GATEWAY_*`."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from connectors.settings import StorebridgeSettings

_STORE_HASH = re.compile(r"[A-Za-z0-9]{1,32}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


class GatewaySettings(StorebridgeSettings):
    """Where the gateway listens, which pairs it feeds, how it authenticates senders."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_GATEWAY_")

    host: str = Field(default="127.0.0.1", description="interface to listen on")
    port: int = Field(default=8500, ge=1, le=65535)
    pairs: list[str] = Field(
        default=["shift4shop->salesforce"],
        description='JSON list of "store->back office" pairs the webhooks feed; a store in two '
        "pairs feeds both back offices, each with its own copy of every event",
    )
    shift4shop_secret: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="unguessable token in the Shift4Shop webhook URL /webhooks/shift4shop/<secret>"
        " (Shift4Shop signs nothing, so the URL is the credential)",
    )
    bigcommerce_client_secret: SecretStr | None = Field(
        default=None,
        description="the BigCommerce app's client secret: the key of the Standard Webhooks "
        "signature of every callback (no secret: every BigCommerce delivery is refused)",
    )
    bigcommerce_store_hashes: list[str] = Field(
        default=[],
        description="JSON list of the BigCommerce store hashes the gateway accepts callbacks "
        'of, e.g. ["abc123"]: /webhooks/bigcommerce/<store hash>, equal to the payload\'s '
        "producer stores/<store hash>",
    )
    bigcommerce_webhook_header: str | None = Field(
        default=None,
        description="name of a custom header every BigCommerce hook sends (set by "
        "`storebridge webhooks register`), checked when set",
    )
    bigcommerce_webhook_header_value: SecretStr | None = Field(
        default=None,
        min_length=16,
        validate_default=True,
        description="the custom header's secret value",
    )
    replay_window_s: float = Field(
        default=300,
        gt=0,
        le=86_400,
        description="signed deliveries stamped further than this from the gateway's clock, "
        "before or after: 401 (a replayed old delivery)",
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1_000, description="larger bodies: 413")
    max_events_per_request: int = Field(
        default=1_000, ge=1, description="deliveries with more events: 413 (nothing stored)"
    )
    body_read_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="a body not complete this long after the request's headers: 408",
    )
    dispatch_interval_s: float = Field(
        default=2.0, gt=0, description="how often pending events are turned into run requests"
    )
    stale_after_s: float = Field(
        default=900,
        gt=0,
        description="events dispatched/claimed this long ago without an end go back to pending",
    )

    @field_validator("pairs")
    @classmethod
    def _pairs(cls, value: list[str]) -> list[str]:
        for pair in value:
            source, sep, target = pair.partition("->")
            if not sep or not source.strip() or not target.strip():
                raise ValueError(f"{pair!r} is not a pair like 'shift4shop->salesforce'")
        return [p.replace(" ", "") for p in value]

    @field_validator("bigcommerce_store_hashes")
    @classmethod
    def _store_hashes(cls, value: list[str]) -> list[str]:
        for n, store_hash in enumerate(value):
            if not _STORE_HASH.fullmatch(store_hash):
                raise ValueError(f"item {n} is not a store hash (1 to 32 letters and digits)")
        return value

    @field_validator("bigcommerce_webhook_header")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _HEADER_NAME.fullmatch(value):
            raise ValueError("is not an HTTP header name (letters, digits and dashes)")
        if value.lower().startswith("webhook-"):
            raise ValueError("webhook-* headers are the Standard Webhooks signature's own")
        return value

    @field_validator("bigcommerce_webhook_header_value")
    @classmethod
    def _header_pair(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        named = info.data.get("bigcommerce_webhook_header") is not None
        if named != (value is not None):
            raise ValueError(
                "bigcommerce_webhook_header and bigcommerce_webhook_header_value go together"
            )
        return value

    def pair_list(self) -> list[tuple[str, str]]:
        return [tuple(p.split("->", 1)) for p in self.pairs]  # type: ignore[misc]

    def secret(self, name: str) -> str | None:
        value = getattr(self, name, None)
        return value.get_secret_value() if isinstance(value, SecretStr) else None

    def secret_values(self) -> list[str]:
        """Every secret set (for masking them in logs)."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]


def deployment_name(use_case: str, source: str, target: str) -> str:
    """Where webhook runs of a subscription go: `<use case>/<source>-<target>-webhook`."""
    return f"{use_case}/{source}-{target}-webhook"
