"""Salesforce's own quota signals (REST API v59.0): `Sforce-Limit-Info` and its error-table row.

Every REST response carries `Sforce-Limit-Info: api-usage=25/15000` (the org's daily request
count, backoffice-apis.md 1.6); a saturated org answers 403 `REQUEST_LIMIT_EXCEEDED` (not 429),
which is a wait, not a permission problem. The shared HTTP layer knows neither: the connector
plugs these in (`QuotaReader`, error-table rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from connectors.http import Action, ErrorRule, FailureType, QuotaSnapshot

ERROR_ROWS: tuple[ErrorRule, ...] = (
    ErrorRule(
        frozenset({403}),
        Action.WAIT,
        FailureType.RATE_LIMITED,
        frozenset({"REQUEST_LIMIT_EXCEEDED"}),
        "Salesforce request limit exceeded (daily allowance or concurrent long requests)",
    ),
)

_API_USAGE = re.compile(r"(?:^|[;,\s])api-usage\s*=\s*(\d+)\s*/\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class SforceLimitInfo:
    """`Sforce-Limit-Info: api-usage=25/15000[; per-app-api-usage=17/250(appName=x)]`."""

    header: str = "Sforce-Limit-Info"

    def read(self, headers: httpx.Headers) -> QuotaSnapshot | None:
        """Read the org's daily API usage; the per-app part is ignored."""
        match = _API_USAGE.search(headers.get(self.header, ""))
        if match is None:
            return None
        used, total = int(match.group(1)), int(match.group(2))
        return QuotaSnapshot(remaining=max(0, total - used), limit=total, reset_after=None)
