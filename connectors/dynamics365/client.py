"""Dataverse Web API client: msal tokens, OData reads, `$batch` writes, change tracking.

Every request goes through the shared `ResilientClient` with Dataverse's error rows in front
(`resources.ERROR_ROWS`): a 429 (service protection) waits `Retry-After` without spending an
attempt (the `x-ms-ratelimit-*` headers are debug information the docs say not to drive logic
from, so no pacing is derived from them), 5xx and timeouts are retried for idempotent requests,
401/403 are auth errors, 404/412/400/413 record errors naming the record and, when the message
does, the field. Tokens come from one msal app per credential (`auth.EntraApp`, its in-memory
cache) through `auth.BearerAuth`, which renews once on a 401.

Writes are alternate-key upserts (``PATCH salesorders(storebridge_id='...')``): a write whose
answer was lost (a 5xx after it applied) is sent again and lands on the same row, so `$batch`es of
upserts are retried whole by the shared client like any idempotent request. Reads follow
`@odata.nextLink` verbatim to a page without one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

import httpx

from connectors.dynamics365 import odata, resources
from connectors.dynamics365.auth import BearerAuth, EntraApp, entra_app
from connectors.dynamics365.batch import (
    BatchResult,
)
from connectors.dynamics365.multipart import entity_id_of
from connectors.dynamics365.reads import Key, ReadsMixin
from connectors.dynamics365.resources import SYSTEM
from connectors.dynamics365.settings import Dynamics365Settings
from connectors.dynamics365.writer import BatchMixin
from connectors.http import (
    DEFAULT_ERROR_TABLE,
    ConnectorClient,
    ErrorRule,
    client_from_settings,
    usage_for,
)
from connectors.http.jsonx import dumps
from connectors.settings import load_settings

__all__ = ["SYSTEM", "Dynamics365Client", "error_table"]


def error_table() -> tuple[ErrorRule, ...]:
    """Dataverse's rows in front of the shared table."""
    return (*resources.ERROR_ROWS, *DEFAULT_ERROR_TABLE)


class Dynamics365Client(ReadsMixin, BatchMixin, ConnectorClient):
    """One Dataverse environment. Thread-safe; close it (or use `with`) to release connections.

    Args:
        settings: the environment connection.
        transport: an httpx transport for the Web API and Entra alike (tests).
        new_boundary: makes multipart boundaries (tests make them deterministic).
        **http_options: passed to `ResilientClient` (e.g. `sleep`, `clock`, `usage` in tests).
    """

    def __init__(
        self,
        settings: Dynamics365Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        new_boundary: Callable[[str], str] | None = None,
        **http_options: Any,
    ) -> None:
        self.settings = settings
        options = {**http_options, "usage": http_options.get("usage") or usage_for(SYSTEM)}
        self.entra = client_from_settings(
            SYSTEM,
            settings.model_copy(update={"base_url": settings.authority_host}),
            transport=transport,
            **options,
        )
        self.app: EntraApp = entra_app(settings)
        self.auth = BearerAuth(self.app, self.entra, self.entra.log)
        self.http = client_from_settings(
            SYSTEM,
            settings,
            headers=resources.COMMON_HEADERS,
            auth=self.auth,
            error_table=error_table(),
            transport=transport,
            **options,
        )
        self.api_path = urlparse(settings.base_url).path
        self._new_boundary = new_boundary or (lambda kind: f"{kind}_{uuid.uuid4()}")

    @classmethod
    def from_env(cls, **overrides: Any) -> Dynamics365Client:
        """Build from `STOREBRIDGE_DYNAMICS365_*` (a `ConfigError` names what is missing)."""
        return cls(load_settings(Dynamics365Settings, **overrides))

    def close(self) -> None:
        """Release both connection pools (the msal app and its cache stay for the process)."""
        self.http.close()
        self.entra.close()

    @property
    def renewals(self) -> int:
        """Tokens renewed because the Web API refused one (since this client was built)."""
        return self.auth.count.renewals

    # -- single writes --------------------------------------------------------------------------

    def _write(
        self,
        method: str,
        url: str,
        body: Any,
        headers: Mapping[str, str],
        *,
        idempotent: bool | None = None,
    ) -> BatchResult:
        all_headers = {"Content-Type": resources.JSON_CONTENT, **headers}
        content = dumps(body) if body is not None else None
        response = self.http.request(
            method, url, content=content, headers=all_headers, idempotent=idempotent
        )
        parsed = odata.exact_json(response)
        return BatchResult(
            None,
            response.status_code,
            entity_id_of({k.lower(): v for k, v in response.headers.items()})
            or _row_id(parsed, url),
            parsed,
            headers={k.lower(): v for k, v in response.headers.items()},
        )

    def upsert(
        self,
        entity_set: str,
        key: Key,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
        return_representation: bool = False,
    ) -> BatchResult:
        """``PATCH <set>(<key>)``: creates or updates (``If-Match: *`` only updates, a 404 when
        missing; ``If-None-Match: *`` only creates, a 412 when it exists)."""
        return self._write(
            "PATCH",
            odata.entity_path(entity_set, key),
            dict(body),
            _conditions(if_match, if_none_match, return_representation),
        )

    def update(self, entity_set: str, key: Key, body: Mapping[str, Any]) -> BatchResult:
        """``PATCH`` with ``If-Match: *``: never creates (a 404 `RecordError` when missing)."""
        return self.upsert(entity_set, key, body, if_match="*")

    def create(
        self, entity_set: str, body: Mapping[str, Any], *, return_representation: bool = False
    ) -> BatchResult:
        """``POST <set>``: a new row (204 + ``OData-EntityId``, or 201 with its body). Not
        retried after it may have reached the server: prefer `upsert` by alternate key."""
        headers = odata.prefer("return=representation" if return_representation else "")
        return self._write("POST", entity_set, dict(body), headers)

    def delete(self, entity_set: str, key: Key) -> bool:
        """``DELETE <set>(<key>)``; ``False`` when the row did not exist (an applied delete)."""
        response = self.http.request("DELETE", odata.entity_path(entity_set, key), expect=(404,))
        return response.status_code != 404

    def action(
        self,
        name: str,
        body: Mapping[str, Any] | None = None,
        *,
        entity_set: str | None = None,
        key: Key | None = None,
        idempotent: bool = False,
    ) -> Any:
        """Call an action: unbound (``POST FulfillSalesOrder``) or bound to a row
        (``POST salesorders(<id>)/Microsoft.Dynamics.CRM.<name>``); its JSON answer or None."""
        if entity_set is not None and key is not None:
            url = f"{odata.entity_path(entity_set, key)}/Microsoft.Dynamics.CRM.{name}"
        else:
            url = name
        return self._write("POST", url, dict(body or {}), {}, idempotent=idempotent).body


def _conditions(
    if_match: str | None, if_none_match: str | None, return_representation: bool
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if if_match is not None:
        headers["If-Match"] = if_match
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    headers.update(odata.prefer("return=representation" if return_representation else ""))
    return headers


def _row_id(body: Any, url: str) -> str | None:
    """The row's GUID from a representation (its ``<table>id`` column), if any."""
    if not isinstance(body, dict):
        return None
    entity_set = url.split("(", 1)[0].split("?", 1)[0]
    column = resources.PRIMARY_KEYS.get(entity_set)
    value = body.get(column) if column else None
    return str(value) if value else None
