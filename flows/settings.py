"""Run settings of the order-to-cash flow: `STOREBRIDGE_ORDER_TO_CASH_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from connectors.settings import StorebridgeSettings


class OrderToCashSettings(StorebridgeSettings):
    """How far back to look, how much to overlap, how big a load batch is."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_ORDER_TO_CASH_")

    overlap_minutes: int = Field(
        default=10, ge=0, description="re-read this far behind the watermark (late commits, skew)"
    )
    initial_lookback_days: float = Field(
        default=7, gt=0, description="first run without a watermark reads this far back"
    )
    batch_size: int = Field(default=200, ge=1, le=1000, description="orders per load task")
    inbox_claim_limit: int = Field(default=1000, ge=1, description="webhook events per run")
