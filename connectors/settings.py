"""Settings shared by every connection, read with pydantic-settings.

Each system declares one `ConnectionSettings` subclass in `connectors/<system>/settings.py` with its
own prefix (`STOREBRIDGE_SHIFT4SHOP_`, `STOREBRIDGE_SALESFORCE_`, ...). Values come from the
environment or a `.env` file in the working directory. Secrets are `SecretStr` and never print.
`load_settings` turns a validation failure into a `ConfigError` that names the variable to set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.http.errors import ConfigError

ENV_FILE = ".env"


class StorebridgeSettings(BaseSettings):
    """Base of every settings model: environment first, then `.env`; unknown keys ignored."""

    model_config = SettingsConfigDict(
        env_prefix="STOREBRIDGE_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )


class ConnectionSettings(StorebridgeSettings):
    """What every remote connection needs: where, how to trust it, and its request budget."""

    base_url: str = Field(description="Base URL of the API, https:// in production")
    ca_bundle: Path | None = Field(
        default=None, description="PEM file of CAs to trust (the sandbox CA, a corporate proxy CA)"
    )
    timeout_s: float = Field(default=30.0, gt=0, description="connect/read timeout per request")
    max_attempts: int = Field(
        default=5, ge=1, description="attempts per request for transient failures"
    )
    max_retry_s: float = Field(
        default=120.0, gt=0, description="total time one request may spend retrying"
    )
    rate_limit_per_s: float | None = Field(
        default=None, gt=0, description="proactive pacing: at most this many requests per second"
    )
    rate_limit_wait_budget_s: float = Field(
        default=300.0, ge=0, description="longest total wait for 429s / quota resets per request"
    )
    max_calls_per_run: int | None = Field(
        default=None, ge=1, description="stop a run cleanly after this many API calls"
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test server)")
        return value.rstrip("/")

    @field_validator("ca_bundle")
    @classmethod
    def _ca_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @property
    def verify(self) -> str | bool:
        """What to pass to httpx/requests `verify`: the CA bundle path, or the system store."""
        return str(self.ca_bundle) if self.ca_bundle else True


S = TypeVar("S", bound=StorebridgeSettings)


def env_name(cls: type[StorebridgeSettings], field: str, prefix: str | None = None) -> str:
    """The environment variable that sets `field` of `cls` (under `prefix`, when given)."""
    prefix = prefix if prefix is not None else str(cls.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build `cls` from the environment (and `overrides`); a `ConfigError` names what is wrong.

    Raises:
        ConfigError: one line per missing or invalid variable, e.g.
            ``STOREBRIDGE_SHIFT4SHOP_TOKEN is missing``.
    """
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        prefix = overrides.get("_env_prefix")
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            var = env_name(cls, field, prefix)
            if err["type"] == "missing":
                problems.append(f"{var} is missing")
            else:
                problems.append(f"{var}: {err['msg']}")
        raise ConfigError(
            f"{cls.__name__}: "
            + "; ".join(problems)
            + f" (set them in the environment or {ENV_FILE})"
        ) from None
