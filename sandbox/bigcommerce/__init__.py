"""Emulator of the BigCommerce REST API (V2 orders; V3 customers, catalog, inventory, hooks).

`BigCommerceEmulator` is named by `flows/systems/bigcommerce:SPEC` (`sandbox.bigcommerce:
BigCommerceEmulator`, sandbox port 8443). The credentials below only open the local emulator.
"""

from __future__ import annotations

from sandbox.bigcommerce.constants import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CLIENT_ID,
    OTHER_TOKEN,
    READ_ONLY_TOKEN,
    STORE_HASH,
    STORE_ID,
)
from sandbox.bigcommerce.emulator import BigCommerceEmulator

__all__ = [
    "ACCESS_TOKEN",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "OTHER_CLIENT_ID",
    "OTHER_TOKEN",
    "READ_ONLY_TOKEN",
    "STORE_HASH",
    "STORE_ID",
    "BigCommerceEmulator",
]
