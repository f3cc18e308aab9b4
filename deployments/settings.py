"""Settings of the webhook gateway: `STOREBRIDGE_GATEWAY_*`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from connectors.settings import StorebridgeSettings


class GatewaySettings(StorebridgeSettings):
    """Where the gateway listens, how it authenticates stores, which deployments it asks for."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_GATEWAY_")

    host: str = Field(default="127.0.0.1", description="interface to listen on")
    port: int = Field(default=8500, ge=1, le=65535)
    shift4shop_secret: SecretStr = Field(
        description="unguessable token in the Shift4Shop webhook URL /webhooks/shift4shop/<secret>"
        " (Shift4Shop signs nothing, so the URL is the credential)",
        min_length=16,
    )
    shift4shop_target: str = Field(default="salesforce", description="back office for its orders")
    dispatch_interval_s: float = Field(
        default=2.0, gt=0, description="how often pending events are turned into one run request"
    )
    stale_after_s: float = Field(
        default=900,
        gt=0,
        description="events dispatched/claimed this long ago without an end go back to pending",
    )

    def deployment(self, source: str) -> str:
        """The deployment a source's events run on (`order-to-cash/<source>-<target>-webhook`)."""
        target = getattr(self, f"{source}_target")
        return f"order-to-cash/{source}-{target}-webhook"
