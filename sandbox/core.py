"""What every emulator shares: request counters, fault injection and the admin API.

Each emulator (one per system, in `sandbox/<system>/`) subclasses `Emulator`, registers its API
routes in `routes()` and renders its system's own rate-limit and error responses. The base adds:

* `/__admin/counts` — requests per endpoint template (what the API-calls-per-order figure reads);
* `/__admin/records[/{kind}]` — the records the emulator holds;
* `/__admin/faults` — fault injection: a share of rate-limit refusals (in the system's own form),
  a share of 5xx (some returned *after* the write was applied, as a lost response would be), added
  latency;
* `/__admin/tokens/expire` — invalidate every issued token, to exercise re-authentication.

Handlers are `async def` and run on the server's event loop; `lock` guards the state against the
test thread reading it directly.
"""

from __future__ import annotations

import asyncio
import random
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

ADMIN_PREFIX = "/__admin"


class FaultConfig(BaseModel):
    """Fault injection settings of one emulator (admin API body)."""

    rate_limit_share: float = Field(0.0, ge=0, le=1, description="share refused as rate-limited")
    server_error_share: float = Field(0.0, ge=0, le=1, description="share answered with a 5xx")
    after_apply_share: float = Field(
        0.5, ge=0, le=1, description="of the 5xx, share returned after the request was applied"
    )
    latency_ms: int = Field(0, ge=0, description="added to every API request")
    retry_after_s: float = Field(1.0, ge=0, description="wait the rate-limit responses ask for")
    seed: int | None = Field(None, description="seed of the fault sequence (deterministic tests)")


class Emulator(ABC):
    """Base of an emulated system. Subclasses set `name` and implement the abstract methods."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = FaultConfig()
        self._rng = random.Random()
        self.counts: Counter[str] = Counter()
        self.fault_counts: Counter[str] = Counter()
        self.base_url = ""

    # --- to implement -------------------------------------------------------------------------
    @abstractmethod
    def routes(self, app: FastAPI) -> None:
        """Register the system's API routes on `app`."""

    @abstractmethod
    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record the emulator holds, per kind (e.g. {"Order": [...]})."""

    @abstractmethod
    def dump(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the state (the sandbox persists it between runs)."""

    @abstractmethod
    def load(self, data: dict[str, Any]) -> None:
        """Restore a snapshot written by `dump`."""

    @abstractmethod
    def rate_limited_response(self) -> Response:
        """The system's own refusal for quota (status, headers and body as documented)."""

    def server_error_response(self) -> Response:
        """The system's own 5xx; override where the body shape is documented."""
        return JSONResponse({"message": "Service Unavailable"}, status_code=503)

    def expire_tokens(self) -> None:  # noqa: B027 - optional hook
        """Invalidate every issued token (systems without tokens ignore this)."""

    def demo_activity(self) -> list[str]:
        """What this system changes between two demo runs (one line per change; none here).

        Stores ship orders and a customer moves; back offices ship an order, reprice and restock
        a product and correct a phone number: each use case then has something to carry.
        """
        return []

    def prepare(self, workdir: Path) -> None:  # noqa: B027 - optional hook
        """Create files the emulator needs before it starts (e.g. a registered client key)."""

    def env(self, ca_bundle: Path) -> dict[str, str]:
        """`STOREBRIDGE_*` settings that point this system's connector at the running emulator.

        Args:
            ca_bundle: the sandbox CA the connector must trust.
        """
        return {}

    # --- shared machinery ---------------------------------------------------------------------
    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault configuration (and reseed the fault sequence)."""
        with self.lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)

    def reset_counts(self) -> None:
        """Zero the request counters."""
        with self.lock:
            self.counts.clear()
            self.fault_counts.clear()

    def count(self, prefix: str = "") -> int:
        """Requests so far whose endpoint key starts with `prefix` (e.g. "PATCH /services")."""
        with self.lock:
            return sum(n for key, n in self.counts.items() if key.startswith(prefix))

    def build_app(self) -> FastAPI:
        """The ASGI app: admin routes, counting/fault middleware, then the system's routes."""
        app = FastAPI(title=f"storebridge sandbox: {self.name}", docs_url=None, redoc_url=None)
        self._admin_routes(app)
        app.middleware("http")(self._middleware)
        self.routes(app)
        return app

    async def _middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path.startswith(ADMIN_PREFIX):
            return await call_next(request)
        faults = self.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        roll = self._rng.random()
        if roll < faults.rate_limit_share:
            self._count(request, None, "rate_limited")
            return self.rate_limited_response()
        if roll < faults.rate_limit_share + faults.server_error_share:
            if self._rng.random() < faults.after_apply_share:
                applied = await call_next(request)
                self._count(request, applied, "server_error_after_apply")
            else:
                self._count(request, None, "server_error")
            return self.server_error_response()
        response = await call_next(request)
        self._count(request, response, None)
        return response

    def _count(self, request: Request, response: Response | None, fault: str | None) -> None:
        route = request.scope.get("route")
        template = getattr(route, "path", None) or request.url.path
        key = f"{request.method} {template}"
        with self.lock:
            self.counts[key] += 1
            if fault:
                self.fault_counts[fault] += 1

    def _admin_routes(self, app: FastAPI) -> None:
        @app.get(f"{ADMIN_PREFIX}/counts")
        async def counts() -> dict[str, Any]:
            with self.lock:
                return {
                    "total": sum(self.counts.values()),
                    "by_endpoint": dict(self.counts),
                    "faults": dict(self.fault_counts),
                }

        @app.post(f"{ADMIN_PREFIX}/counts/reset")
        async def reset_counts() -> dict[str, str]:
            self.reset_counts()
            return {"status": "reset"}

        @app.get(f"{ADMIN_PREFIX}/records")
        async def records_summary() -> dict[str, int]:
            with self.lock:
                return {kind: len(rows) for kind, rows in self.records().items()}

        @app.get(f"{ADMIN_PREFIX}/records/{{kind}}")
        async def records_of(kind: str) -> list[dict[str, Any]]:
            with self.lock:
                records = self.records()
            if kind not in records:
                raise HTTPException(404, f"unknown kind {kind!r}; known: {sorted(records)}")
            return records[kind]

        @app.get(f"{ADMIN_PREFIX}/faults")
        async def get_faults() -> FaultConfig:
            return self.faults

        @app.put(f"{ADMIN_PREFIX}/faults")
        async def put_faults(faults: FaultConfig) -> FaultConfig:
            self.set_faults(faults)
            return self.faults

        @app.post(f"{ADMIN_PREFIX}/tokens/expire")
        async def expire() -> dict[str, str]:
            with self.lock:
                self.expire_tokens()
            return {"status": "expired"}
