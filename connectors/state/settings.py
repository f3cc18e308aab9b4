"""Where the durable sync state lives: a SQLite file by default, PostgreSQL by URL.

Environment variables (prefix ``STOREBRIDGE_STATE_``):

* ``STOREBRIDGE_STATE_URL``: an SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``
  (a secret: it may carry a password, and may come from the Prefect Secret block
  ``storebridge-state-url``).
* ``STOREBRIDGE_STATE_PATH``: the SQLite file used when no URL is set
  (default ``.storebridge/state.db``, relative to the working directory).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from connectors.settings import StorebridgeSettings


class StateSettings(StorebridgeSettings):
    """Location of the state database."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_STATE_")

    # repr=False: a PostgreSQL URL may carry a password and settings objects end up in logs;
    # "secret": like SecretStr fields, it may come from the Prefect Secret block
    # storebridge-state-url (connectors.settings).
    url: str | None = Field(
        default=None,
        repr=False,
        json_schema_extra={"secret": True},
        description="SQLAlchemy URL of the state database; wins over `path` when set",
    )
    path: Path = Field(
        default=Path(".storebridge/state.db"),
        description="SQLite file used when `url` is not set",
    )

    def database_url(self) -> str:
        """The SQLAlchemy URL to connect to.

        When no URL is configured this is ``sqlite:///<path>`` and the parent directory of the
        file is created, so a first run on a fresh machine needs no setup.

        Returns:
            The configured URL, or the SQLite URL of `path`.
        """
        if self.url:
            return self.url
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.path}"
