"""Sage 300 (Accpac) connector: the Web API for writes, the company database over ODBC for reads.

Public surface: `Sage300Client` (Web API), `Sage300Database` (ODBC, read-only), `Sage300Settings`,
`Sage300Error`, `Sage300WriteUnknown`, `SageOrder`, `Shipment`, `SYSTEM`, and the OData helpers
`key`, `literal`. Attributes load lazily, so importing `connectors.sage300.tables` or
`connectors.sage300.models` from a codec pulls in neither httpx nor pyodbc.
"""

from __future__ import annotations

from connectors.lazy import lazy_exports

_PUBLIC = {
    "SYSTEM": "connectors.sage300.resources",
    "Sage300Client": "connectors.sage300.client",
    "Sage300Database": "connectors.sage300.odbc",
    "Sage300Settings": "connectors.sage300.settings",
    "Sage300Error": "connectors.sage300.errors",
    "Sage300WriteUnknown": "connectors.sage300.errors",
    "SageOrder": "connectors.sage300.queries",
    "Shipment": "connectors.sage300.queries",
    "key": "connectors.sage300.odata",
    "literal": "connectors.sage300.odata",
}
__all__ = sorted(_PUBLIC)
__getattr__ = lazy_exports(__name__, _PUBLIC)
