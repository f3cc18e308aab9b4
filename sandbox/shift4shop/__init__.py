"""Emulator of the Shift4Shop (formerly 3dcart) REST API v1 (`/3dCartWebAPI/v1`) for the sandbox.

`Shift4ShopEmulator` is registered in `sandbox.runner.EMULATORS["shift4shop"]`.
"""

from __future__ import annotations

from sandbox.shift4shop.emulator import BASE_PATH, MAX_LIMIT, SECURE_URL, Shift4ShopEmulator

__all__ = ["BASE_PATH", "MAX_LIMIT", "SECURE_URL", "Shift4ShopEmulator"]
