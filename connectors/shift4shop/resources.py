"""Endpoint facts of the Shift4Shop REST API v1, as data (store-apis.md section 2).

Behaviour lives in `client.py`; what each endpoint is lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Filters take store-local dates; `lastupdate*` are documented as date-only (mm/dd/yyyy).
FILTER_DATE_FORMAT = "%m/%d/%Y"
# Order status 7 "Not Completed" is an abandoned checkout: importers skip it.
NOT_COMPLETED_STATUS = 7
# "No rows" is a 404 (also past the end: "Offset amount exceeds the total number of records").
EMPTY_STATUS = 404


@dataclass(frozen=True)
class Resource:
    """One list endpoint: path, offset-from-1 paging and its page size limit."""

    path: str
    max_limit: int  # not documented; clients use up to 300 for orders (store-apis.md 2.3)
    offset_start: int = 1


ORDERS = Resource("/Orders", max_limit=300)
ORDER = "/Orders/{order_id}"
