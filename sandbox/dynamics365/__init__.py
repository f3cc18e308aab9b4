"""Emulator of Microsoft Dynamics 365 / Dataverse (Web API v9.2) with its Entra ID authority.

`Dynamics365Emulator` is named by `flows/systems/dynamics365:SPEC`
(`sandbox.dynamics365:Dynamics365Emulator`, sandbox port 8444). The constants below only open
the local emulator.
"""

from __future__ import annotations

from sandbox.dynamics365.constants import (
    API_PATH,
    API_VERSION,
    CLIENT_ID,
    CLIENT_SECRET,
    PRICE_LEVEL,
    TENANT_ID,
)
from sandbox.dynamics365.emulator import Dynamics365Emulator

__all__ = [
    "API_PATH",
    "API_VERSION",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "PRICE_LEVEL",
    "TENANT_ID",
    "Dynamics365Emulator",
]
