"""Endpoint facts of the Shift4Shop (3dcart) REST API v1, as data (store-apis.md section 2).

Behaviour lives in `client.py`; what each endpoint is lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.http.classify import ErrorRule

# Filters take store-local dates; `lastupdate*` of orders are documented as date-only.
FILTER_DATE_FORMAT = "%m/%d/%Y"
FILTER_DATETIME_FORMAT = "%m/%d/%Y %H:%M:%S"
SHIPPED_DATE_FORMAT = "%m/%d/%Y"  # ShipmentShippedDate
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
    id_key: str = "ID"


ORDERS = Resource("/Orders", max_limit=300, id_key="OrderID")
CUSTOMERS = Resource("/Customers", max_limit=300, id_key="CustomerID")
SKUINFO = Resource("/Products/skuinfo", max_limit=300, id_key="CatalogID")
ORDER = "/Orders/{order_id}"
SHIPMENTS = "/Orders/{order_id}/Shipments"
SHIPMENT = "/Orders/{order_id}/Shipments/{shipment_id}"
CUSTOMER = "/Customers/{customer_id}"
PRODUCTS = "/Products"
PRODUCT = "/Products/{catalog_id}"
ADVANCED_OPTIONS = "/Products/{catalog_id}/AdvancedOptions"

# Batch maxima. PUT /Products: batches of 100 (store-apis.md 2.5, SkuVault); the others are
# undocumented. Assumption: the same 100 for customers and orders.
PRODUCTS_BATCH = 100
CUSTOMERS_BATCH = 100
ORDERS_BATCH = 100

# Shift4Shop answers errors as [{"Key": "Error", "Message": ...}] and adds no rows of its own to
# the shared error table (store-apis.md 2.9): 404 is "no rows" on lists (`expect`), a record
# problem on writes. Kept here so the registry can show each system's rows.
ERROR_ROWS: tuple[ErrorRule, ...] = ()
