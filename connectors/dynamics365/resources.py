"""Endpoint facts of the Dataverse Web API v9.2, as data (backoffice-apis.md section 2).

Sources: `shared/docs/backoffice-apis.md` §2, `shared/api-specs/dynamics365/wire-examples.json`
and the CDM entity files in `shared/api-specs/dynamics365/cdm/`. Behaviour lives in `client.py`
and its helpers (`auth`, `odata`, `batch`, `changes`); what the API is, its limits and its error
rows live here.

Inventory: the seed pages name `msdyn_inventoryonhands`, which no public schema has. On-hand stock
is read from Field Service's documented `msdyn_productinventories` (one row per product and
`msdyn_warehouse`: `msdyn_qtyonhand`, `msdyn_qtyavailable`, `msdyn_qtyallocated`), the one
Dataverse table with per-location quantities in the public documentation; product-level
`quantityonhand` has no location, and the dual-write on-hand tables are request/response
tables for Finance & Operations, not rows to read.
"""

from __future__ import annotations

from connectors.http import Action, ErrorRule, FailureType

SYSTEM = "dynamics365"
API_VERSION = "v9.2"

# --- requests ------------------------------------------------------------------------------------
# Headers of every Web API request (wire-examples.json `common_request_headers`). MS docs also
# send `If-None-Match: null` on reads; it is sent on GETs only (on a PATCH it would be a
# conditional header).
COMMON_HEADERS = {
    "Accept": "application/json",
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
}
READ_HEADERS = {"If-None-Match": "null"}
JSON_CONTENT = "application/json; charset=utf-8"

# --- paging and URLs -----------------------------------------------------------------------------
MAX_PAGE_SIZE = 5000  # Prefer: odata.maxpagesize default and maximum
COUNT_CAP = 5000  # @odata.count is capped at 5000: counts at the cap are not verified
# A GET URL is limited (32 KB for the Web API outside $batch; 64 KB inside a batch). The docs
# give no exact figure for the filter alone; assumption: 8 KB of encoded filter per request
# keeps every chunked `In` query well below any limit, proxies included.
MAX_FILTER_CHARS = 8000
IN_CHUNK = 200  # values per Microsoft.Dynamics.CRM.In filter at most (also bounded by chars)

# --- $batch --------------------------------------------------------------------------------------
BATCH_PATH = "$batch"
BATCH_MAX = 1000  # requests per $batch, the platform maximum
HTTP_VERSION = "HTTP/1.1"

# --- tables (entity sets) and keys ---------------------------------------------------------------
ALTERNATE_KEY = "storebridge_id"  # text column + alternate key on the tables storebridge writes
KEYED_SETS = frozenset({"accounts", "contacts", "salesorders", "salesorderdetails"})
PRIMARY_KEYS = {
    "accounts": "accountid",
    "contacts": "contactid",
    "products": "productid",
    "uoms": "uomid",
    "uomschedules": "uomscheduleid",
    "pricelevels": "pricelevelid",
    "productpricelevels": "productpricelevelid",
    "salesorders": "salesorderid",
    "salesorderdetails": "salesorderdetailid",
    "invoices": "invoiceid",
    "transactioncurrencies": "transactioncurrencyid",
    "msdyn_productinventories": "msdyn_productinventoryid",
    "msdyn_warehouses": "msdyn_warehouseid",
}
INVENTORY_SET = "msdyn_productinventories"
WAREHOUSE_SET = "msdyn_warehouses"
MODIFIED_ON = "modifiedon"  # the polling column (change tracking off for a table)

# --- change tracking -----------------------------------------------------------------------------
DELETED_ENTITY = "$deletedEntity"  # in the @odata.context of a deleted row of a delta
# The docs say expired tokens force a full resync but not how the refusal looks. Assumption: any
# 4xx answer to a deltaLink (a URL the server gave us verbatim, so not our syntax error) means
# the token is no longer usable and the table is read again in full (`ChangePage.full`).
EXPIRED_DELTA_STATUSES = frozenset({400, 404, 410, 412, 422})

# --- errors --------------------------------------------------------------------------------------
# Body `{"error": {"code": "0x8004....", "message": "..."}}`: the code is a hex string unrelated
# to the HTTP status and often empty (§2.7). Service protection codes come with 429 and a
# Retry-After (seconds); x-ms-ratelimit-* are debug headers, informational only.
SERVICE_PROTECTION_CODES = frozenset({"0x80072322", "0x80072321", "0x80072326"})
RATE_LIMIT_DEBUG_HEADERS = (
    "x-ms-ratelimit-burst-remaining-xrm-requests",
    "x-ms-ratelimit-time-remaining-xrm-requests",
)
VALIDATION_CODE = "0x80044331"  # "A validation error occurred." (names the attribute)
QUERY_SYNTAX_CODE = "0x8006088a"  # malformed URL / key
API_RESTRICTED_CODE = "0x80095ffc"  # "Access to Dataverse API is restricted for this application"

ERROR_ROWS: tuple[ErrorRule, ...] = (
    ErrorRule(
        frozenset({429}),
        Action.WAIT,
        FailureType.RATE_LIMITED,
        SERVICE_PROTECTION_CODES,
        "Dataverse service protection limit (requests, execution time or concurrency per 5 min): "
        "wait Retry-After",
    ),
    ErrorRule(
        frozenset({403}),
        Action.FAIL,
        FailureType.AUTH,
        frozenset({API_RESTRICTED_CODE}),
        "the tenant blocks this application id from the Dataverse API",
    ),
    ErrorRule(
        frozenset({401}),
        Action.FAIL,
        FailureType.AUTH,
        None,
        "token refused (expired, wrong tenant or scope, or the app is no Application User)",
    ),
    ErrorRule(
        frozenset({404}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "record not found (also: If-Match: * on a key that does not exist)",
    ),
    ErrorRule(
        frozenset({412}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "precondition failed: DuplicateRecord (If-None-Match: *) or ConcurrencyVersionMismatch",
    ),
    ErrorRule(
        frozenset({400}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        frozenset({VALIDATION_CODE}),
        "validation error: the message names the attribute",
    ),
    ErrorRule(
        frozenset({413}),
        Action.DEAD_LETTER,
        FailureType.RECORD,
        None,
        "payload too large: send fewer requests per $batch",
    ),
)
"""Dataverse's rows, put in front of the shared table (`(*ERROR_ROWS, *DEFAULT_ERROR_TABLE)`)."""
