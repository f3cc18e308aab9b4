"""`Dynamics365Emulator`: a Dataverse environment (Web API v9.2) and its Entra ID tenant.

Follows `shared/docs/backoffice-apis.md` §2 and `shared/api-specs/dynamics365/` (CDM columns and
option sets, `wire-examples.json`). One host serves both the authority
(``/{tenant}/v2.0/.well-known/openid-configuration``, ``/{tenant}/oauth2/v2.0/token``,
``/common/discovery/instance``; `auth`) and the Web API (``/api/data/v9.2/``; `service`,
`query`, `writes`, `rules`, `batch`). Seeded from the shared world (`seeding`); admin helpers
and routes in `admin`, the demo's changes in `demo`. Row stamps come from the business clock
(`connectors.clock.utcnow`, injectable as `clock`); tokens expire on real time
(`authority.token_clock`, injectable).

Inventory lives in Field Service's ``msdyn_productinventories`` per ``msdyn_warehouses`` (the
documented on-hand table; ``msdyn_inventoryonhands`` exists in no public schema).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, Response

from connectors.http.jsonx import dumps
from sandbox.core import Emulator
from sandbox.dynamics365.addressing import parse_path
from sandbox.dynamics365.admin import AdminHelpers, register_admin
from sandbox.dynamics365.auth import Authority
from sandbox.dynamics365.constants import API_PATH, CLIENT_ID, CLIENT_SECRET, PRICE_LEVEL, TENANT_ID
from sandbox.dynamics365.errors import ODataError
from sandbox.dynamics365.routes import register_api, register_authority
from sandbox.dynamics365.schema import QUANTITIES, TABLES
from sandbox.dynamics365.seeding import seed
from sandbox.dynamics365.service import Env
from sandbox.dynamics365.store import Row, Store
from sandbox.dynamics365.writes import Ctx
from sandbox.seed import SeedWorld
from sandbox.tls import ensure_keypair

DEFAULT_RETENTION = dt.timedelta(days=7)


class Dynamics365Emulator(AdminHelpers, Emulator):
    """The emulated environment (see the module docstring).

    Helpers: `set_price`, `set_stock`, `fulfil_order`, `update`, `delete`, `set_tracking`,
    `expire_delta_tokens`, `set_token_lifetime`, `issue_token`, `row`, `demo_activity`.
    """

    name: ClassVar[str] = "dynamics365"

    def __init__(self, world: SeedWorld) -> None:
        """Create the tenant and environment and seed it from `world`."""
        super().__init__()
        self.world = world
        self.authority = Authority(TENANT_ID, CLIENT_ID, CLIENT_SECRET)
        self.store = Store()
        self.retention = DEFAULT_RETENTION
        self.price_level_name = PRICE_LEVEL
        self.batch_parts: Counter[str] = Counter()
        self.certificate_file: Path | None = None
        self.private_key_file: Path | None = None
        self.default_warehouse = world.config.locations[0][0]
        seed(self, world)

    # --- clock ----------------------------------------------------------------------------------
    @property
    def clock(self) -> Callable[[], dt.datetime]:
        """The business clock that stamps ``createdon``/``modifiedon`` and delta tokens."""
        return self.store.clock

    @clock.setter
    def clock(self, value: Callable[[], dt.datetime]) -> None:
        self.store.clock = value

    # --- request plumbing -----------------------------------------------------------------------
    def ctx(self) -> Ctx:
        """A write context on the store (lock held by the caller)."""
        return Ctx(self.store)

    def env_of_request(self) -> Env:
        """The API root URL and the change-tracking retention."""
        return Env(f"{self.base_url}{API_PATH}", self.retention)

    def count_part(self, method: str, path: str) -> None:
        """Count one request inside a `$batch` under its endpoint template."""
        try:
            address = parse_path(path) if not path.startswith("$") else None
        except ODataError:
            address = None
        if address is None or address.table is None:
            key = f"{method} {API_PATH}/{path.split('(')[0] if address else path}"
        elif address.keyed:
            key = f"{method} {API_PATH}/{address.name}({{key}})"
        else:
            key = f"{method} {API_PATH}/{address.name}"
        self.batch_parts[key] += 1

    def batch_part_count(self, prefix: str = "") -> int:
        """Requests run inside batches whose endpoint key starts with `prefix`."""
        with self.lock:
            return sum(n for k, n in self.batch_parts.items() if k.startswith(prefix))

    def reset_counts(self) -> None:
        """Zero the request counters, batch parts included."""
        with self.lock:
            super().reset_counts()
            self.batch_parts.clear()

    # --- Emulator interface ---------------------------------------------------------------------
    def routes(self, app: FastAPI) -> None:
        """Admin extras, the authority, then the Web API."""
        register_admin(app, self)
        register_authority(app, self)
        register_api(app, self)

    def prepare(self, workdir: Path) -> None:
        """Create the app registration's certificate (assertion flow) and register it."""
        pair = ensure_keypair(workdir / "dynamics365", "storebridge-d365-app")
        self.private_key_file, self.certificate_file = pair.private_key, pair.certificate
        self.authority.register_certificate(pair.certificate)

    def env(self, ca_bundle: Path) -> dict[str, str]:
        """`STOREBRIDGE_DYNAMICS365_*` settings pointing the connector at this emulator."""
        out = {
            "STOREBRIDGE_DYNAMICS365_ORG_URL": self.base_url,
            "STOREBRIDGE_DYNAMICS365_AUTHORITY_HOST": self.base_url,
            "STOREBRIDGE_DYNAMICS365_TENANT_ID": TENANT_ID,
            "STOREBRIDGE_DYNAMICS365_CLIENT_ID": CLIENT_ID,
            "STOREBRIDGE_DYNAMICS365_CLIENT_SECRET": self.authority.client_secret,
            "STOREBRIDGE_DYNAMICS365_CA_BUNDLE": str(ca_bundle),
        }
        return out

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every row per entity set (as stored: lookups as ``_x_value``)."""
        with self.lock:
            return {name: [dict(r) for r in self.store.rows(name)] for name in TABLES}

    def dump(self) -> dict[str, Any]:
        """The environment's rows and settings (not the tokens)."""
        with self.lock:
            return {
                "store": self.store.dump(),
                "expires_in": self.authority.expires_in,
                "price_level": self.price_level_name,
            }

    def load(self, data: dict[str, Any]) -> None:
        """Restore a `dump` (also one that went through JSON with Decimals as strings)."""
        with self.lock:
            self.store.load(data["store"], _revive)
            self.authority.expires_in = int(data.get("expires_in", self.authority.expires_in))
            self.price_level_name = str(data.get("price_level", self.price_level_name))

    def rate_limited_response(self) -> Response:
        """429 with ``Retry-After`` (whole seconds) and the ``x-ms-ratelimit-*`` headers.

        The injected refusal stands for the 6000-requests-per-5-minutes limit (0x80072322).
        """
        wait = max(0, math.ceil(self.faults.retry_after_s))
        body = {
            "error": {
                "code": "0x80072322",
                "message": "Number of requests exceeded the limit of 6000 over time window of "
                "300 seconds.",
            }
        }
        return Response(
            dumps(body),
            status_code=429,
            media_type="application/json; odata.metadata=minimal",
            headers={
                "Retry-After": str(wait),
                "x-ms-ratelimit-burst-remaining-xrm-requests": "0",
                "x-ms-ratelimit-time-remaining-xrm-requests": "1200000.00",
                "OData-Version": "4.0",
            },
        )

    def server_error_response(self) -> Response:
        """503 in the documented error shape."""
        body = {"error": {"code": "0x80040216", "message": "An unexpected error occurred."}}
        return Response(
            dumps(body), status_code=503, media_type="application/json; odata.metadata=minimal"
        )

    def expire_tokens(self) -> None:
        """End every issued bearer token (the Web API answers 401 until msal renews)."""
        with self.lock:
            self.authority.expire_all()


def _revive(entity_set: str, row: Row) -> Row:
    table = TABLES[entity_set]
    out = dict(row)
    for key, value in row.items():
        if isinstance(value, str) and (key in table.money or key in QUANTITIES):
            out[key] = Decimal(value)
    return out
