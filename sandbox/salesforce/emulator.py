"""`SalesforceEmulator`: the storebridge sandbox's Salesforce org, speaking REST API v42.0–v62.0
(default client version v59.0) over HTTPS.

It holds the CRM side of the seed world (`seeding`): the standard price book with an entry for
every product and variant of the catalogue, stock per location, and the contacts (each with an
account) that exist before any sync. Login and data share one host: the JWT bearer token endpoint
answers ``instance_url`` = this emulator. Resources: REST rows, SOQL, sObject Collections,
Composite and Bulk API 2.0 ingest. Quotas follow Salesforce: a daily request allowance reported in
``Sforce-Limit-Info`` and refused with 403 ``REQUEST_LIMIT_EXCEEDED`` (the REST API does not use
429). The org's day (record stamps, date literals, the daily count) is the business clock's
(`connectors.clock`, UTC); sessions and JWTs expire on real time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse

from connectors.clock import utcnow
from sandbox.core import Emulator
from sandbox.salesforce.auth import Auth
from sandbox.salesforce.bulk_jobs import BulkJobs
from sandbox.salesforce.cursors import Cursors
from sandbox.salesforce.dml import Dml
from sandbox.salesforce.routes import register
from sandbox.salesforce.schema import SCHEMA
from sandbox.salesforce.seeding import add_item, seed
from sandbox.salesforce.stock import set_price, set_stock
from sandbox.salesforce.store import Store
from sandbox.seed import SeedWorld
from sandbox.tls import ensure_keypair

DEFAULT_DAILY_LIMIT = 15000


class SalesforceEmulator(Emulator):
    """The emulated org (see the module docstring)."""

    name = "salesforce"

    def __init__(self, world: SeedWorld) -> None:
        """Create the org and seed it from `world`.

        Args:
            world: the sandbox's seed world (products and pre-existing CRM contacts).
        """
        super().__init__()
        self.auth = Auth()
        self.store = Store()
        self.dml = Dml(self.store)
        self.cursors = Cursors()
        self.bulk = BulkJobs()
        self.daily_limit = DEFAULT_DAILY_LIMIT
        self._usage_day = utcnow().date()
        self._usage = 0
        self.private_key_file: Path | None = None
        self.certificate_file: Path | None = None
        self.default_location = world.config.locations[0][0]
        seed(self, world)

    # --- connected app settings (configurable for tests) --------------------------------------
    @property
    def consumer_key(self) -> str:
        """The connected app's consumer key (the JWT ``iss``)."""
        return self.auth.consumer_key

    @consumer_key.setter
    def consumer_key(self, value: str) -> None:
        self.auth.consumer_key = value

    @property
    def username(self) -> str:
        """The pre-authorised integration user (the JWT ``sub``)."""
        return self.auth.username

    @username.setter
    def username(self, value: str) -> None:
        self.auth.username = value

    @property
    def audience(self) -> str:
        """The JWT ``aud`` the org accepts (the login URL, not the instance URL)."""
        return self.auth.audience

    @audience.setter
    def audience(self, value: str) -> None:
        self.auth.audience = value

    # --- catalogue helpers (through the DML layer, so stamps move) ----------------------------
    def add_product(self, sku: str, name: str, price: object) -> str:
        """Create a Product2 with an active standard PricebookEntry, as a CRM admin would.

        Returns:
            The PricebookEntry id.
        """
        with self.lock:
            return add_item(self, sku, name, price)

    def set_stock(self, sku: str, on_hand: float, location: str | None = None) -> None:
        """Set the on-hand stock of `sku` at `location` (default: the first seeded location).

        Raises:
            KeyError: no single Product2 has `sku` as its ProductCode.
        """
        with self.lock:
            set_stock(self, sku, on_hand, location or self.default_location)

    def set_price(self, sku: str, price: object) -> None:
        """Set the standard price (PricebookEntry.UnitPrice) of `sku`.

        Raises:
            KeyError: no single Product2 has `sku` as its ProductCode.
        """
        with self.lock:
            set_price(self, sku, price)

    # --- Emulator hooks -------------------------------------------------------------------------
    def demo_activity(self) -> list[str]:
        """Between two demo runs: an order ships, a phone is corrected, a product changes."""
        from sandbox.salesforce.demo import demo_activity

        return demo_activity(self)

    def prepare(self, workdir: Path) -> None:
        """Create the connected app's key pair and register its certificate."""
        pair = ensure_keypair(workdir / "salesforce", "storebridge-connected-app")
        self.private_key_file, self.certificate_file = pair.private_key, pair.certificate
        self.auth.load_certificate(pair.certificate)

    def env(self, ca_bundle: Path) -> dict[str, str]:
        """Settings that point the Salesforce connector at this org."""
        return {
            "STOREBRIDGE_SALESFORCE_BASE_URL": self.base_url,
            "STOREBRIDGE_SALESFORCE_CONSUMER_KEY": self.consumer_key,
            "STOREBRIDGE_SALESFORCE_USERNAME": self.username,
            "STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE": str(self.private_key_file or ""),
            "STOREBRIDGE_SALESFORCE_AUDIENCE": self.audience,
            "STOREBRIDGE_SALESFORCE_CA_BUNDLE": str(ca_bundle),
        }

    def routes(self, app: FastAPI) -> None:
        """Register the org's routes."""
        register(app, self)

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Live records per sObject (the recycle bin is left out; `dump` keeps it)."""
        with self.lock:
            return {name: [dict(r) for r in self.store.rows(name)] for name in SCHEMA}

    def dump(self) -> dict[str, Any]:
        """Everything but the sessions and open query locators."""
        with self.lock:
            return {
                "store": self.store.dump(),  # bulk jobs are not kept (as documented there)
                "usage": {"day": self._usage_day.isoformat(), "used": self._usage},
                "daily_limit": self.daily_limit,
            }

    def load(self, data: dict[str, Any]) -> None:
        """Restore a `dump` snapshot."""
        with self.lock:
            self.store.load(data["store"])
            usage = data.get("usage", {})
            self._usage_day = dt.date.fromisoformat(usage.get("day", self._usage_day.isoformat()))
            self._usage = int(usage.get("used", 0))
            self.daily_limit = int(data.get("daily_limit", self.daily_limit))
            self.cursors.clear()
            self.bulk = BulkJobs()

    def rate_limited_response(self) -> Response:
        """403 REQUEST_LIMIT_EXCEEDED, Salesforce's refusal for any quota.

        The REST API has no 429 and no Retry-After: a saturated org answers 403 with
        ``REQUEST_LIMIT_EXCEEDED``, for the daily allowance and for the concurrent long-running
        request limit alike. Injected refusals stand for the latter (the daily count is real).
        """
        return JSONResponse(
            [
                {
                    "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                    "errorCode": "REQUEST_LIMIT_EXCEEDED",
                }
            ],
            status_code=403,
            headers={"Sforce-Limit-Info": self.usage_header()},
        )

    def server_error_response(self) -> Response:
        """503 SERVER_UNAVAILABLE in the error-array shape."""
        return JSONResponse(
            [
                {
                    "message": "Server temporarily unavailable. Please try again later.",
                    "errorCode": "SERVER_UNAVAILABLE",
                }
            ],
            status_code=503,
        )

    def expire_tokens(self) -> None:
        """Invalidate every session (clients get 401 INVALID_SESSION_ID)."""
        with self.lock:
            self.auth.expire_all()

    def expire_sessions_after_use(self, sessions: int, uses: int = 1) -> None:
        """Make each of the next `sessions` sessions issued expire after `uses` requests
        (``uses=0``: refused at their first use; ``sessions=0`` disarms). Also over HTTP:
        ``POST /__admin/tokens/expire-after-use`` (`sandbox.salesforce.admin`)."""
        with self.lock:
            self.auth.expire_after_use(sessions, uses)

    # --- helpers for the routes and tests -------------------------------------------------------
    def issue_token(self) -> str:
        """Mint a session without the JWT exchange (tests)."""
        with self.lock:
            return str(self.auth.issue(self.base_url)["access_token"])

    def _roll_day(self) -> None:
        today = utcnow().date()  # the org's day: UTC on the business clock
        if today != self._usage_day:
            self._usage_day, self._usage = today, 0

    def api_requests_today(self) -> int:
        """Data API requests counted today (UTC day, like the org's rolling count)."""
        with self.lock:
            self._roll_day()
            return self._usage

    def consume_api_request(self) -> bool:
        """Count one data request; False (and not counted) once the daily allowance is spent."""
        with self.lock:
            self._roll_day()
            if self._usage >= self.daily_limit:
                return False
            self._usage += 1
            return True

    def usage_header(self) -> str:
        """The ``Sforce-Limit-Info`` value, ``api-usage=N/M``."""
        return f"api-usage={self.api_requests_today()}/{self.daily_limit}"
