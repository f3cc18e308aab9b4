"""BigCommerce REST connector: V2 orders, V3 catalog, customers, inventory and hooks.

Public surface: `BigCommerceClient`, `BigCommerceSettings`, `WriteResult`, `SYSTEM`. Attributes
load lazily, so importing the raw payload models (`connectors.bigcommerce.models`) from a codec
does not pull in the HTTP stack.
"""

from __future__ import annotations

from connectors.lazy import lazy_exports

_PUBLIC = {
    "SYSTEM": "connectors.bigcommerce.resources",
    "BigCommerceClient": "connectors.bigcommerce.client",
    "BigCommerceSettings": "connectors.bigcommerce.settings",
    "WriteResult": "connectors.bigcommerce.writes",
}
__all__ = sorted(_PUBLIC)
__getattr__ = lazy_exports(__name__, _PUBLIC)
