"""Salesforce REST API connector (simple-salesforce on the shared resilient HTTP client).

Public surface: `SalesforceClient`, `Collections`, `SalesforceSettings`, `SYSTEM`, `soql_quote`.
Attributes load lazily (see `connectors.shift4shop`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "SYSTEM": "connectors.salesforce.client",
    "SalesforceClient": "connectors.salesforce.client",
    "soql_quote": "connectors.salesforce.client",
    "Collections": "connectors.salesforce.collections",
    "SalesforceSettings": "connectors.salesforce.settings",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
