"""`StateStore`: the durable sync state (binder, watermarks, delta links, inbox, dead letters,
leases, meta, anomaly memory).

One store per process is enough: it is safe to share between threads (each call runs its own
transaction on a pooled connection) and returns plain frozen values, never ORM objects.
"""

from __future__ import annotations

from types import TracebackType

from connectors.settings import load_settings
from connectors.state import schema
from connectors.state.batch import BatchStore
from connectors.state.deltalinks import DeltaLinkStore
from connectors.state.inbox import InboxStore
from connectors.state.leases import LeaseStore
from connectors.state.meta import MetaStore
from connectors.state.settings import StateSettings
from connectors.state.watermarks import WatermarkStore


class StateStore(BatchStore, WatermarkStore, DeltaLinkStore, InboxStore, LeaseStore, MetaStore):
    """The state database: SQLite file by default, PostgreSQL by URL.

    Example:
        >>> store = StateStore.from_settings()   # doctest: +SKIP
        >>> store.upgrade()                       # doctest: +SKIP
    """

    @classmethod
    def from_settings(cls, settings: StateSettings | None = None) -> StateStore:
        """A store on the database the settings (by default the environment) name.

        Raises:
            ConfigError: a setting is invalid, or the URL names an unsupported database.
        """
        settings = settings if settings is not None else load_settings(StateSettings)
        return cls(settings.database_url())

    def upgrade(self, revision: str = "head") -> None:
        """Create the schema, or migrate it to `revision` (default: the newest). Idempotent."""
        schema.upgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        """The schema revision of the database, or None when it was never migrated."""
        return schema.current_revision(self.engine)

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        # SQLAlchemy's URL repr masks the password.
        return f"StateStore({self.engine.url!r})"
