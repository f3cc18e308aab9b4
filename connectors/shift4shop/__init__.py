"""Shift4Shop (formerly 3dcart) REST API v1 connector.

Public surface: `Shift4ShopClient`, `Shift4ShopSettings`, `SYSTEM`. Attributes load lazily, so
importing the raw payload models (`connectors.shift4shop.models`) from a codec does not pull in
the HTTP stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "SYSTEM": "connectors.shift4shop.client",
    "Shift4ShopClient": "connectors.shift4shop.client",
    "Shift4ShopSettings": "connectors.shift4shop.settings",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
