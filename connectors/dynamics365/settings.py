"""Settings of a Dataverse environment connection: `STOREBRIDGE_DYNAMICS365_*`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from connectors.dynamics365 import resources
from connectors.settings import ConnectionSettings


class Dynamics365Settings(ConnectionSettings):
    """One Dataverse environment, reached with Entra ID client credentials (msal).

    The Web API root (`base_url`) is derived: ``{org_url}/api/data/{api_version}``; the token
    scope is ``{org_url}/.default`` and the authority ``{authority_host}/{tenant_id}``. The app
    authenticates with a client secret or a certificate (a PEM file holding the private key, and
    the thumbprint of the certificate registered on the app).
    """

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_DYNAMICS365_")

    base_url: str = Field(
        default="", description="derived from org_url and api_version; not set by hand"
    )
    org_url: str = Field(description="the environment URL, e.g. https://contoso.crm4.dynamics.com")
    authority_host: str = Field(
        default="https://login.microsoftonline.com",
        description="Entra ID host; the authority is {authority_host}/{tenant_id}",
    )
    tenant_id: str = Field(min_length=1, description="the Entra tenant (GUID or domain)")
    client_id: str = Field(min_length=1, description="the app registration's application id")
    client_secret: SecretStr | None = Field(default=None, description="the app's client secret")
    certificate_file: Path | None = Field(
        default=None, description="PEM file with the private key of the app's certificate"
    )
    certificate_thumbprint: str | None = Field(
        default=None, description="thumbprint (SHA-1 hex) of the certificate registered on the app"
    )
    api_version: str = Field(default=resources.API_VERSION, pattern=r"^v\d+\.\d+$")
    price_level: str = Field(
        default="Storebridge Web", description="name of the price list (pricelevels) used"
    )
    currency: str = Field(default="USD", description="ISO code of the transaction currency")
    page_size: int = Field(
        default=resources.MAX_PAGE_SIZE,
        ge=1,
        le=resources.MAX_PAGE_SIZE,
        description="rows per page (Prefer: odata.maxpagesize)",
    )
    batch_size: int = Field(
        default=resources.BATCH_MAX,
        ge=1,
        le=resources.BATCH_MAX,
        description="requests per $batch (the platform maximum is 1000)",
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_base_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("org_url"):
            org = str(data["org_url"]).rstrip("/")
            version = data.get("api_version") or resources.API_VERSION
            data = {**data, "org_url": org, "base_url": f"{org}/api/data/{version}/"}
        return data

    @field_validator("org_url", "authority_host")
    @classmethod
    def _https(cls, value: str) -> str:
        # msal accepts https authorities only; the org is reached over TLS too.
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL")
        return value.rstrip("/")

    @field_validator("certificate_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> Dynamics365Settings:
        has_secret = self.client_secret is not None
        has_cert = self.certificate_file is not None
        if has_secret == has_cert:
            raise ValueError(
                "set exactly one of STOREBRIDGE_DYNAMICS365_CLIENT_SECRET or "
                "STOREBRIDGE_DYNAMICS365_CERTIFICATE_FILE (with _CERTIFICATE_THUMBPRINT)"
            )
        if has_cert and not self.certificate_thumbprint:
            raise ValueError("STOREBRIDGE_DYNAMICS365_CERTIFICATE_THUMBPRINT is missing")
        return self

    @property
    def authority(self) -> str:
        """The Entra authority URL of the tenant."""
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def scope(self) -> str:
        """The token scope of the environment (`{org_url}/.default`)."""
        return f"{self.org_url}/.default"

    def credential(self) -> str | dict[str, str]:
        """What msal takes as `client_credential`: the secret, or the certificate's key and
        thumbprint."""
        if self.client_secret is not None:
            return self.client_secret.get_secret_value()
        assert self.certificate_file is not None  # validated
        assert self.certificate_thumbprint
        return {
            "private_key": self.certificate_file.read_text(encoding="utf-8"),
            "thumbprint": self.certificate_thumbprint,
        }
