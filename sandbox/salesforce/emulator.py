"""`SalesforceEmulator`: the storebridge sandbox's Salesforce org, speaking REST API v42.0–v62.0
(default client version v59.0) over HTTPS.

It holds the CRM side of the seed world: the standard price book with an entry for every product
of the catalogue, and the contacts (each with an account) that exist before any sync. Login and
data share one host: the JWT bearer token endpoint answers ``instance_url`` = this emulator.
Quotas follow Salesforce: a daily request allowance reported in ``Sforce-Limit-Info`` and refused
with 403 ``REQUEST_LIMIT_EXCEEDED`` (the REST API does not use 429).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse

from sandbox.core import Emulator
from sandbox.salesforce.auth import Auth
from sandbox.salesforce.dml import Dml
from sandbox.salesforce.query import Cursors
from sandbox.salesforce.routes import register
from sandbox.salesforce.schema import SCHEMA
from sandbox.salesforce.store import Store
from sandbox.salesforce.values import stamp
from sandbox.seed import SeedWorld
from sandbox.tls import ensure_keypair

DEFAULT_DAILY_LIMIT = 15000
SEED_AGE = dt.timedelta(days=365)  # the CRM's records pre-date the integration


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
        self.daily_limit = DEFAULT_DAILY_LIMIT
        self._usage_day = dt.datetime.now(dt.UTC).date()
        self._usage = 0
        self.private_key_file: Path | None = None
        self.certificate_file: Path | None = None
        self._seed(world)

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

    # --- seed -----------------------------------------------------------------------------------
    def _seed(self, world: SeedWorld) -> None:
        seeded_at = stamp(world.anchor - SEED_AGE)
        clock, self.store.clock = self.store.clock, lambda: seeded_at
        try:
            self.dml.create(
                "Pricebook2",
                {"Name": "Standard Price Book", "IsActive": True},
                preset={"IsStandard": True},
            )
            for p in world.products:
                self.add_product(p.sku, p.name, p.price)
            for c in world.crm_contacts:
                account = self.dml.create("Account", {"Name": c.account_name})
                self.dml.create(
                    "Contact",
                    {
                        "AccountId": account,
                        "FirstName": c.first_name,
                        "LastName": c.last_name,
                        "Email": c.email,
                    },
                )
        finally:
            self.store.clock = clock

    def add_product(self, sku: str, name: str, price: object) -> str:
        """Create a Product2 with an active standard PricebookEntry, as a CRM admin would.

        Returns:
            The PricebookEntry id.
        """
        with self.lock:
            product = self.dml.create(
                "Product2", {"Name": name, "ProductCode": sku, "IsActive": True}
            )
            book = next(b["Id"] for b in self.records()["Pricebook2"] if b["IsStandard"])
            return self.dml.create(
                "PricebookEntry",
                {
                    "Pricebook2Id": book,
                    "Product2Id": product,
                    "UnitPrice": str(price),
                    "IsActive": True,
                },
            )

    # --- Emulator hooks -------------------------------------------------------------------------
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
                "store": self.store.dump(),
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

    # --- helpers for the routes and tests -------------------------------------------------------
    def issue_token(self) -> str:
        """Mint a session without the JWT exchange (tests)."""
        with self.lock:
            return str(self.auth.issue(self.base_url)["access_token"])

    def _roll_day(self) -> None:
        today = dt.datetime.now(dt.UTC).date()
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
