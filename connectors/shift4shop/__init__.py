"""Shift4Shop (formerly 3dcart) REST API v1 connector.

Public surface: `Shift4ShopClient`, `Shift4ShopSettings`, `SYSTEM`. Attributes load lazily, so
importing the raw payload models (`connectors.shift4shop.models`) from a codec does not pull in
the HTTP stack.
"""

from __future__ import annotations

from connectors.lazy import lazy_exports

_PUBLIC = {
    "SYSTEM": "connectors.shift4shop.client",
    "Shift4ShopClient": "connectors.shift4shop.client",
    "Shift4ShopSettings": "connectors.shift4shop.settings",
}
__all__ = sorted(_PUBLIC)
__getattr__ = lazy_exports(__name__, _PUBLIC)
