"""Admin routes of the Salesforce org emulator (under `/__admin`, no auth), next to the shared
ones of `sandbox.core` (counts, records, faults, ``/tokens/expire``).

* ``POST /__admin/tokens/expire-after-use`` with ``{"sessions": N, "uses": U}``: each of the next
  N sessions the token endpoint issues serves U requests (default 1), then expires with 401
  ``INVALID_SESSION_ID``; ``uses: 0`` refuses them at their first use; ``sessions: 0`` disarms.
  Exercises renewal of sessions that expire again and again within one call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from pydantic import BaseModel, Field

from sandbox.core import ADMIN_PREFIX

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator


class SessionExpiry(BaseModel):
    """`expire_sessions_after_use` arguments (admin API body)."""

    sessions: int = Field(ge=0, description="how many of the next sessions issued expire early")
    uses: int = Field(1, ge=0, description="requests each serves before it expires (0: none)")


def register(app: FastAPI, emu: SalesforceEmulator) -> None:
    """Add the org's own admin routes to `app`."""

    @app.post(f"{ADMIN_PREFIX}/tokens/expire-after-use")
    async def expire_after_use(body: SessionExpiry) -> dict[str, int | str]:
        emu.expire_sessions_after_use(body.sessions, body.uses)
        return {"status": "armed", "sessions": body.sessions, "uses": body.uses}
