"""Emulator of Sage 300 (on-premise ERP): its Web API and its company database.

`Sage300Emulator` is named by `flows/systems/sage300:SPEC` (`sandbox.sage300:Sage300Emulator`,
sandbox port 8445). The constants below only open the local emulator (Sage's documented demo
login on the sample company SAMINC).
"""

from __future__ import annotations

from sandbox.sage300.constants import (
    API_ROOT,
    COMPANY,
    CURRENCY,
    PAGE_SIZE,
    PASSWORD,
    PRICE_LIST,
    USER,
)
from sandbox.sage300.emulator import Sage300Emulator

__all__ = [
    "API_ROOT",
    "COMPANY",
    "CURRENCY",
    "PAGE_SIZE",
    "PASSWORD",
    "PRICE_LIST",
    "USER",
    "Sage300Emulator",
]
