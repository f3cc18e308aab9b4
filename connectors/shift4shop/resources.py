"""Endpoint facts of the Shift4Shop REST API v1, as data (store-apis.md section 2).

Behaviour lives in `client.py`; what each endpoint is lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Filters take store-local times in this format; `lastupdate*` are documented as date-only.
FILTER_DATETIME_FORMAT = "%m/%d/%Y %H:%M:%S"
FILTER_DATE_FORMAT = "%m/%d/%Y"
# Response timestamps: "2012-07-11T10:44:08", store-local, no offset.
RESPONSE_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Order status 7 "Not Completed" is an abandoned checkout: importers skip it.
NOT_COMPLETED_STATUS = 7
# The only end-of-list signals: 404 for "no rows", or this message when paging past the end.
EMPTY_STATUS = 404
PAST_END_MESSAGE = "Offset amount exceeds the total number of records"


@dataclass(frozen=True)
class Resource:
    """One list endpoint: path, offset-from-1 paging and its page size limit."""

    path: str
    max_limit: int
    count_param: str = "countonly"
    offset_start: int = 1


ORDERS = Resource("/Orders", max_limit=300)
CUSTOMERS = Resource("/Customers", max_limit=300)
PRODUCTS = Resource("/Products", max_limit=200)
ORDER = "/Orders/{order_id}"
