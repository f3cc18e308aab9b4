"""`Sage300Emulator`: a Sage 300 company (SAMINC) with its Web API and its SQL database.

Follows `shared/docs/backoffice-apis.md` §3 and `shared/api-specs/sage300/` (the AOM dictionary
subset, the SDK sample payloads, the Web API Developer and Endpoint References). Two doors, as at
a merchant's site:

* the Web API over HTTPS (`web`): HTTP Basic, ``Content-Type: application/json`` or 500,
  OData-style reads, one record per write (`resources`, `service`, `orders`, `batches`);
* the company database (`db`, `schema`): a SQLite file with the real table and column names,
  CHAR columns space-padded, YYYYMMDD dates, audit stamps on every write, WAL so the connector's
  read-only ODBC connection (``DRIVER={SQLite3};Database=file:<path>?mode=ro``) reads while the
  Web API writes. `prepare(workdir)` puts it at ``workdir/sage300/SAMINC.sqlite``.

O/E has no shipment endpoint in the 2022 reference: shipments come from `ship_order` (and from
order POSTs with ``QuantityShipped``). Seeded from the shared world (`seeding`); admin helpers in
`admin`, the demo's changes in `demo`. Stamps come from the business clock (`clock`, default
`connectors.clock.utcnow`) in the server's local zone (`timezone`, default UTC).
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, Response

from connectors.clock import utcnow
from connectors.http.jsonx import dumps
from sandbox.core import Emulator
from sandbox.sage300.admin import AdminHelpers
from sandbox.sage300.constants import COMPANY, DEFAULT_TIMEZONE, PASSWORD, USER
from sandbox.sage300.db import CompanyDb
from sandbox.sage300.errors import error_body
from sandbox.sage300.seeding import seed
from sandbox.sage300.service import Ctx
from sandbox.sage300.web import JSON, register_api
from sandbox.seed import SeedWorld

DB_NAME = f"{COMPANY}.sqlite"
COUNTERS = ("ORDUNIQ", "ORDNUMBER", "SHIUNIQ", "SHINUMBER")


class Sage300Emulator(AdminHelpers, Emulator):
    """The emulated company (see the module docstring).

    Helpers (`admin`): `rows`, `execute`, `ship_order`, `complete_order`, `delete_order`,
    `set_stock`, `set_price`, `update_customer`, `demo_activity`.
    """

    name: ClassVar[str] = "sage300"

    def __init__(self, world: SeedWorld) -> None:
        """Create the company database (in a temporary directory until `prepare`) and seed it."""
        super().__init__()
        self.world = world
        self.clock: Callable[[], dt.datetime] = utcnow
        self.timezone: str = DEFAULT_TIMEZONE
        self.counters: dict[str, int] = {}
        self.default_location = world.config.locations[0][0]  # O/E options' default location
        self._tmp = Path(tempfile.mkdtemp(prefix="sage300-"))
        weakref.finalize(self, shutil.rmtree, self._tmp, True)
        self.db = CompanyDb(
            self._tmp / DB_NAME,
            clock=lambda: self.clock(),
            timezone=lambda: self.timezone,
            user=USER,
            org=COMPANY,
        )
        self.db.lock = self.lock
        self.seeded_customers = set(seed(self.db, world))

    @property
    def db_path(self) -> Path:
        """Where the company database file is."""
        return self.db.path

    def ctx(self) -> Ctx:
        """A write context (lock held by the caller)."""
        return Ctx(self.db, self.counters, self.default_location)

    # --- Emulator interface ---------------------------------------------------------------------
    def routes(self, app: FastAPI) -> None:
        register_api(app, self)

    def prepare(self, workdir: Path) -> None:
        """Move the company database to ``workdir/sage300/SAMINC.sqlite``."""
        with self.lock:
            self.db.move_to(workdir / "sage300" / DB_NAME)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def env(self, ca_bundle: Path) -> dict[str, str]:
        """`STOREBRIDGE_SAGE300_*` settings pointing the connector at this emulator."""
        return {
            "STOREBRIDGE_SAGE300_URL": f"{self.base_url}/Sage300WebApi/v1.0",
            "STOREBRIDGE_SAGE300_COMPANY": COMPANY,
            "STOREBRIDGE_SAGE300_USER": USER,
            "STOREBRIDGE_SAGE300_PASSWORD": PASSWORD,
            "STOREBRIDGE_SAGE300_CA_BUNDLE": str(ca_bundle),
            "STOREBRIDGE_SAGE300_ODBC": f"DRIVER={{SQLite3}};Database=file:{self.db_path}?mode=ro",
            "STOREBRIDGE_SAGE300_TIMEZONE": self.timezone,
        }

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every table's rows as stored."""
        with self.lock:
            return self.db.dump()

    def dump(self) -> dict[str, Any]:
        """Every table's rows, the number counters and the server's time zone."""
        with self.lock:
            return {
                "tables": self.db.dump(),
                "counters": dict(self.counters),
                "timezone": self.timezone,
                "seeded_customers": sorted(self.seeded_customers),
            }

    def load(self, data: dict[str, Any]) -> None:
        """Restore a `dump` (also one that went through JSON)."""
        with self.lock:
            self.db.load(data["tables"])
            self.counters = {k: int(v) for k, v in data.get("counters", {}).items()}
            self.timezone = str(data.get("timezone", self.timezone))
            self.seeded_customers = set(data.get("seeded_customers", self.seeded_customers))

    def rate_limited_response(self) -> Response:
        """429 TooManyRequests (the documented code; Retry-After when one is configured)."""
        headers = {}
        if self.faults.retry_after_s > 0:
            headers["Retry-After"] = str(max(1, math.ceil(self.faults.retry_after_s)))
        body = error_body(
            "TooManyRequests", "Server was flooded with too many concurrent requests."
        )
        return Response(dumps(body), status_code=429, media_type=JSON, headers=headers)

    def server_error_response(self) -> Response:
        """500 InternalServerError in the documented body."""
        body = error_body("InternalServerError", "An unexpected and unhandled server error.")
        return Response(dumps(body), status_code=500, media_type=JSON)
