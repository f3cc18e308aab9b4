"""Salesforce REST API connector (simple-salesforce on the shared resilient HTTP client).

Public surface: `SalesforceClient`, `Collections`, `SalesforceSettings`, `SYSTEM`, `soql_quote`.
Attributes load lazily (see `connectors.shift4shop`).
"""

from __future__ import annotations

from connectors.lazy import lazy_exports

_PUBLIC = {
    "SYSTEM": "connectors.salesforce.client",
    "SalesforceClient": "connectors.salesforce.client",
    "soql_quote": "connectors.salesforce.client",
    "Collections": "connectors.salesforce.collections",
    "SalesforceSettings": "connectors.salesforce.settings",
}
__all__ = sorted(_PUBLIC)
__getattr__ = lazy_exports(__name__, _PUBLIC)
