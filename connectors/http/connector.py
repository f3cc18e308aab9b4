"""The lifecycle every `connectors.<system>` client shares."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from connectors.http.client import ResilientClient


class ConnectorClient:
    """Base of every `connectors.<system>` client: owns one `ResilientClient` as `http`.

    Gives each connector the same lifecycle: `close()` releases the connection pool, and the
    client works as a context manager.
    """

    http: ResilientClient

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
