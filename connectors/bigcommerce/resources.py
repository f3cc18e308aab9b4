"""Endpoint facts of the BigCommerce REST API (V2 orders, V3 the rest), as data.

Sources: `shared/api-specs/bigcommerce/reference/*.yml` (official OpenAPI files) and
store-apis.md section 1. Behaviour lives in `client.py` and its mixins; what each endpoint is,
its limits and its error rows live here.
"""

from __future__ import annotations

from connectors.http import RateLimitHeaders
from connectors.http.classify import ErrorRule
from connectors.http.errors import Action, FailureType

SYSTEM = "bigcommerce"

V2 = "/v2"
V3 = "/v3"

# --- paging -----------------------------------------------------------------------------------
V2_MAX_LIMIT = 250  # documented maximum of V2 collection pages
V3_MAX_LIMIT = 250  # catalog `limit` maximum (customers and hooks: assumed the same)
INVENTORY_ITEMS_MAX_LIMIT = 1000  # GET /v3/inventory/items: "Limit of 1000 items"
V2_EMPTY = 204  # an empty V2 collection (or a page past the last) is 204 with no body
V2_DATE_FORMAT = "%a, %d %b %Y %H:%M:%S +0000"  # RFC 2822, always sent in UTC
ABANDONED_STATUS = 0  # "Incomplete": the shopper reached the payment page and left

# --- V2 orders ----------------------------------------------------------------------------------
ORDERS = f"{V2}/orders"
ORDER = f"{V2}/orders/{{order_id}}"
ORDER_PRODUCTS = f"{V2}/orders/{{order_id}}/products"
ORDER_SHIPPING_ADDRESSES = f"{V2}/orders/{{order_id}}/shipping_addresses"
ORDER_COUPONS = f"{V2}/orders/{{order_id}}/coupons"
ORDER_SHIPMENTS = f"{V2}/orders/{{order_id}}/shipments"
ORDER_SHIPMENT = f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}"
ORDER_STATUSES = f"{V2}/order_statuses"
# Lines and ship-tos ride along in the list call (orders.v2.oas2.yml `order_includes`).
ORDER_INCLUDES = {"include": "consignments.line_items", "consignment_structure": "object"}
# Payment statuses (order_RespOnly.payment_status) with no transaction worth reading. Spec
# silent on which statuses have transactions; assumption: "" (none taken) has none.
NO_TRANSACTIONS = frozenset({""})

# --- V3 -------------------------------------------------------------------------------------------
ORDER_TRANSACTIONS = f"{V3}/orders/{{order_id}}/transactions"
CUSTOMERS = f"{V3}/customers"
PRODUCTS = f"{V3}/catalog/products"
PRODUCT = f"{V3}/catalog/products/{{product_id}}"
PRODUCT_VARIANTS = f"{V3}/catalog/products/{{product_id}}/variants"
# Not in the copied spec files (the product-options file was not copied): the documented
# path of "Create a product variant option" is assumed.
PRODUCT_OPTIONS = f"{V3}/catalog/products/{{product_id}}/options"
VARIANTS = f"{V3}/catalog/variants"
LOCATIONS = f"{V3}/inventory/locations"
INVENTORY_ITEMS = f"{V3}/inventory/items"
ADJUST_ABSOLUTE = f"{V3}/inventory/adjustments/absolute"
ADJUST_RELATIVE = f"{V3}/inventory/adjustments/relative"
HOOKS = f"{V3}/hooks"
HOOK = f"{V3}/hooks/{{hook_id}}"

# --- batch maxima (current spec values; settings may lower or raise them) ------------------
PRODUCTS_BATCH = 10  # PUT /v3/catalog/products (was 50, DEVDOCS-1007)
VARIANTS_BATCH = 50  # PUT /v3/catalog/variants ("currently 50, subject to change")
CUSTOMERS_BATCH = 10  # POST/PUT /v3/customers
INVENTORY_BATCH = 2000  # PUT|POST /v3/inventory/adjustments/*
FILTER_IN_MAX = 50  # values per `:in` filter; spec silent, assumption to keep URLs short
TOO_LARGE = 413  # batch over the maximum: halve it and send again

# Quota headers on every response (api-rate-limits.mdx); a 429 waits the reset.
QUOTA_HEADERS = RateLimitHeaders(
    remaining="X-Rate-Limit-Requests-Left",
    limit="X-Rate-Limit-Requests-Quota",
    reset_ms="X-Rate-Limit-Time-Reset-Ms",
)

# V2 errors are arrays `[{"status", "message"}]`, V3 errors objects `{"status", "title",
# "type", "errors": {field: message}}`; `connectors.http.classify` reads both (message, title).
# BigCommerce's own statuses (status-codes.mdx), in front of the shared table:
ERROR_ROWS: tuple[ErrorRule, ...] = (
    ErrorRule(
        frozenset({507}),
        Action.FAIL,
        FailureType.CONFIG,
        None,
        "BigCommerce plan limit reached (e.g. products or variants per store): no retry helps",
    ),
    ErrorRule(
        frozenset({TOO_LARGE}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "batch or page too large: the connector halves the batch and sends it again",
    ),
    ErrorRule(
        frozenset({409}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "conflict: duplicate name or SKU, or a bad category, brand or tax class",
    ),
    ErrorRule(
        frozenset({422}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "invalid record: `errors` names the field",
    ),
)
