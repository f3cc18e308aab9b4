"""Microsoft Dynamics 365 / Dataverse Web API connector (msal + the shared resilient HTTP client).

Public surface: `Dynamics365Client`, `Dynamics365Settings`, `BatchRequest`, `BatchResult`,
`ChangePage`, `SYSTEM`, `odata_literal`. Attributes load lazily, so importing the raw row models
(`connectors.dynamics365.models`) from a codec does not pull in httpx or msal.
"""

from __future__ import annotations

from connectors.lazy import lazy_exports

_PUBLIC = {
    "SYSTEM": "connectors.dynamics365.resources",
    "Dynamics365Client": "connectors.dynamics365.client",
    "Dynamics365Settings": "connectors.dynamics365.settings",
    "BatchRequest": "connectors.dynamics365.batch",
    "BatchResult": "connectors.dynamics365.batch",
    "ChangePage": "connectors.dynamics365.changes",
    "odata_literal": "connectors.dynamics365.odata",
}
__all__ = sorted(_PUBLIC)
__getattr__ = lazy_exports(__name__, _PUBLIC)
