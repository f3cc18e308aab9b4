"""Endpoint facts of the Sage 300 Web API and company database, as data (backoffice-apis.md §3).

Sources: `shared/docs/backoffice-apis.md` §3, `shared/api-specs/sage300/webapi/` (the Developer
Reference of Aug 2022 for URLs, headers, paging, literals and error codes; `endpoints.csv` for the
verbs of each endpoint) and `db/tables-subset.json` (the column types, copied to `tables.py`).
Behaviour lives in `client.py` (Web API) and `odbc.py` (database); what the API is, its limits and
its error rows live here.
"""

from __future__ import annotations

from connectors.http import Action, ErrorRule, FailureType

SYSTEM = "sage300"
API_ROOT = "/Sage300WebApi/v1.0"  # {protocol}://{host}{API_ROOT}/-/{COMPANY}/{MODULE}/{Resource}

# --- requests ------------------------------------------------------------------------------------
# Every request must carry `Content-Type: application/json`, GETs included: without it the Web
# API answers 500 (Developer Reference, "Content-Type").
CONTENT_TYPE = "application/json"
COMMON_HEADERS = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}

# --- resources (MODULE/Resource) -----------------------------------------------------------------
AR_CUSTOMERS = "AR/ARCustomers"
AR_RECEIPT_BATCHES = "AR/ARReceiptAndAdjustmentBatches"
OE_ORDERS = "OE/OEOrders"
OE_SHIP_VIA = "OE/OEShipViaCodes"
OE_MISC_CHARGES = "OE/OEMiscellaneousCharges"
IC_ITEMS = "IC/ICItems"
IC_ITEM_PRICING = "IC/ICItemPricing"
IC_LOCATIONS = "IC/ICLocations"
GL_JOURNAL_BATCHES = "GL/GLJournalBatches"
GL_ACCOUNTS = "GL/GLAccounts"

# Verbs of the resources storebridge uses (endpoints.csv, Aug 2022). OEOrders has no PATCH/PUT:
# an entered order is never updated through the Web API.
VERBS: dict[str, frozenset[str]] = {
    AR_CUSTOMERS: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
    AR_RECEIPT_BATCHES: frozenset({"GET", "POST", "PATCH"}),
    OE_ORDERS: frozenset({"GET", "POST"}),
    OE_SHIP_VIA: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
    OE_MISC_CHARGES: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
    IC_ITEMS: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
    IC_ITEM_PRICING: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
    IC_LOCATIONS: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
    GL_JOURNAL_BATCHES: frozenset({"GET", "POST", "PATCH"}),
    GL_ACCOUNTS: frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"}),
}

# Key properties (in metadata order: an unnamed composite key must follow it).
KEYS: dict[str, tuple[str, ...]] = {
    AR_CUSTOMERS: ("CustomerNumber",),
    AR_RECEIPT_BATCHES: ("BatchRecordType", "BatchNumber"),
    OE_ORDERS: ("OrderUniquifier",),
    GL_JOURNAL_BATCHES: ("BatchNumber",),
}
# Special entity keys of a POST (`Resource('$template')`, `Resource('$process')`).
TEMPLATE_KEY = "$template"
PROCESS_KEY = "$process"

# --- paging and URLs -----------------------------------------------------------------------------
DEFAULT_PAGE_SIZE = 100  # Web.config <add key="PageSize" value="100"/>: rows per GET by default
MAX_PAGE_SIZE = 1000  # the recommended PageSize for bulk reads; never ask for more per page
# IIS limits the query string (requestFiltering maxQueryString, 2048 bytes by default): an OR
# filter over many values is split so no encoded `$filter` grows past this.
MAX_FILTER_CHARS = 1500
COUNT_KEYS = ("odata.count", "@odata.count")
NEXT_LINK_KEYS = ("odata.nextLink", "@odata.nextLink")

# --- database (ODBC) -----------------------------------------------------------------------------
IN_CHUNK = 500  # parameters per `IN (?, ...)`: below SQL Server's 2100 and SQLite's 999
DEFAULT_FETCH_SIZE = 500  # rows per `cursor.fetchmany`
DEFAULT_SCAN_PAGE = 1000  # rows per keyset page (`WHERE key > ? ORDER BY key`)
MAX_SCAN_PAGE = 10_000

# --- errors --------------------------------------------------------------------------------------
# Body `{"error": {"code": "RecordNotFound", "message": {"lang": "en-US", "value": "..."}}}`; the
# code is more precise than the HTTP status (Developer Reference, "Errors"), so the rows match on
# the code at any 4xx/5xx status, then on the status alone.
NOT_FOUND = "RecordNotFound"
DUPLICATE = "RecordDuplicate"
RECORD_INVALID = "RecordInvalid"
INVALID_PAYLOAD = "InvalidPayload"
TOO_MANY_REQUESTS = "TooManyRequests"
UNAUTHORIZED = "Unauthorized"
INTERNAL = "InternalServerError"
ERROR_CODES = frozenset(
    {
        INTERNAL,
        UNAUTHORIZED,
        "Forbidden",
        TOO_MANY_REQUESTS,
        "InvalidParameters",
        "ResourceNotFound",
        "InvalidEntityKey",
        NOT_FOUND,
        "MethodNotAllowed",
        INVALID_PAYLOAD,
        "InvalidAction",
        "DBLinkError",
        "SessionError",
        DUPLICATE,
        RECORD_INVALID,
        "General",
    }
)

_ANY = range(400, 600)


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


ERROR_ROWS: tuple[ErrorRule, ...] = (
    ErrorRule(
        _ANY,
        Action.WAIT,
        FailureType.RATE_LIMITED,
        _codes(TOO_MANY_REQUESTS),
        "the Web API is flooded with concurrent requests: wait (Retry-After when sent) and resend",
    ),
    ErrorRule(
        _ANY,
        Action.FAIL,
        FailureType.AUTH,
        _codes(UNAUTHORIZED, "Forbidden"),
        "the Sage 300 user or password is wrong, or the user lacks the rights for the request",
    ),
    ErrorRule(
        _ANY,
        Action.FAIL,
        FailureType.CONFIG,
        _codes("DBLinkError", "SessionError"),
        "an installation problem of the Sage 300 system or company prevents the request",
    ),
    ErrorRule(
        _ANY,
        Action.FAIL,
        FailureType.CONFIG,
        _codes("ResourceNotFound", "MethodNotAllowed", "InvalidAction"),
        "the resource or verb does not exist in this Sage 300 version (check $metadata)",
    ),
    ErrorRule(
        _ANY,
        Action.DEAD_LETTER,
        FailureType.RECORD,
        _codes(NOT_FOUND, "InvalidEntityKey", "InvalidParameters"),
        "no record for the key, or the key/filter value of this record is malformed",
    ),
    ErrorRule(
        _ANY,
        Action.DEAD_LETTER,
        FailureType.RECORD,
        _codes(DUPLICATE),
        "a record with this key exists already (after a lost answer: it is the one we wrote)",
    ),
    ErrorRule(
        _ANY,
        Action.DEAD_LETTER,
        FailureType.RECORD,
        _codes(RECORD_INVALID, INVALID_PAYLOAD, "General"),
        "the payload breaks a business rule of the view: the message names the field",
    ),
    ErrorRule(
        _ANY,
        Action.RETRY,
        FailureType.TRANSIENT,
        _codes(INTERNAL),
        "an unexpected server error (retried when the request may be resent)",
    ),
    ErrorRule(frozenset({429}), Action.WAIT, FailureType.RATE_LIMITED, None, "too many requests"),
    ErrorRule(
        frozenset({401}),
        Action.FAIL,
        FailureType.AUTH,
        None,
        "HTTP Basic credentials refused (STOREBRIDGE_SAGE300_USER / _PASSWORD)",
    ),
    ErrorRule(frozenset({403}), Action.FAIL, FailureType.AUTH, None, "the user lacks the rights"),
)
"""Sage 300's rows, put in front of the shared table (`(*ERROR_ROWS, *DEFAULT_ERROR_TABLE)`)."""
