"""Settings shared by every connection, read with pydantic-settings.

Each system declares one `ConnectionSettings` subclass in `connectors/<system>/settings.py` with its
own prefix (`STOREBRIDGE_SHIFT4SHOP_`, `STOREBRIDGE_SALESFORCE_`, ...). Secrets are `SecretStr` (or
fields marked ``json_schema_extra={"secret": True}``, e.g. the state database URL) and never print.
`load_settings` turns a validation failure into a `ConfigError` that names the variable to set.

Where a value comes from, first found wins: keyword arguments (``load_settings(cls, token=...)``),
the environment, the `.env` file in the working directory, then, for secret fields only, a
**Prefect Secret block**, then the field's default. The block of a variable is the variable's
name in Prefect's block-name style, lower case with dashes: ``STOREBRIDGE_SHIFT4SHOP_TOKEN`` is
read from the Secret block ``storebridge-shift4shop-token`` (`block_name`). So a worker on
another machine needs only the Prefect API settings: `save_secret_blocks` copies the secrets of
this machine into blocks.

Blocks are consulted only when a secret field is set nowhere before them, and only with a Prefect
API to ask: ``STOREBRIDGE_SECRETS_FROM_PREFECT`` is ``auto`` (default: when Prefect's settings
name an API URL, i.e. ``PREFECT_API_URL`` in the environment, `.env` or the active profile, as in
every flow run a worker starts), ``true`` (required: no API URL is a `ConfigError`) or ``false``
(never). An ephemeral Prefect server is never started for a lookup; one lookup takes at most
`BLOCK_TIMEOUT_S`, without retries. A block that cannot be read is named in the error (its value
never is); for an optional secret it is a warning and the default applies. The block source and
`save_secret_blocks` live in `connectors/secret_blocks.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from connectors.http.errors import ConfigError
from connectors.secret_blocks import (
    BLOCK_TIMEOUT_S,
    ENV_FILE,
    SECRETS_FROM_PREFECT,
    PrefectSecretSource,
    _from_blocks,
    block_name,
    env_name,
    is_secret,
    prefect_api_url,
    read_secret_blocks,
    save_secret_blocks,
    secret_variables,
)

__all__ = [
    "BLOCK_TIMEOUT_S",
    "ENV_FILE",
    "SECRETS_FROM_PREFECT",
    "ConnectionSettings",
    "PrefectSecretSource",
    "StorebridgeSettings",
    "block_name",
    "env_name",
    "is_secret",
    "load_settings",
    "prefect_api_url",
    "read_secret_blocks",
    "save_secret_blocks",
    "secret_variables",
]


class StorebridgeSettings(BaseSettings):
    """Base of every settings model: environment, then `.env`, then Prefect Secret blocks (secret
    fields only); unknown keys ignored."""

    model_config = SettingsConfigDict(
        env_prefix="STOREBRIDGE_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments > environment > `.env` > Prefect Secret blocks > defaults."""
        blocks = PrefectSecretSource(
            settings_cls,
            env_prefix=getattr(env_settings, "env_prefix", None),
            dotenv=dotenv_settings if isinstance(dotenv_settings, DotEnvSettingsSource) else None,
        )
        return init_settings, env_settings, dotenv_settings, blocks, file_secret_settings


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


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build `cls` from its sources (and `overrides`); a `ConfigError` names what is wrong.

    Sources, first found wins: `overrides`, the environment, `.env`, Prefect Secret blocks (secret
    fields only, see the module docstring), defaults.

    Raises:
        ConfigError: one line per missing or invalid variable, e.g.
            ``STOREBRIDGE_SHIFT4SHOP_TOKEN is missing``; a value read from a block is named by
            its block, never shown; a block that could not be read.
    """
    record: dict[str, str] = {}
    token = _from_blocks.set(record)
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        prefix = overrides.get("_env_prefix")
        secrets = secret_variables(cls, prefix)
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            var = env_name(cls, field, prefix)
            if err["type"] == "missing":
                block = (
                    f" (or in Prefect Secret block {block_name(var)})" if field in secrets else ""
                )
                problems.append(f"{var} is missing{block}")
            elif field in record:
                problems.append(f"{var} (from Prefect Secret block {record[field]}): {err['msg']}")
            else:
                problems.append(f"{var}: {err['msg']}")
        raise ConfigError(
            f"{cls.__name__}: "
            + "; ".join(problems)
            + f" (set them in the environment or {ENV_FILE})"
        ) from None
    finally:
        _from_blocks.reset(token)
