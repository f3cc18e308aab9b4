"""Fixed facts of the BigCommerce emulator: sandbox credentials, order statuses, limits.

The credentials only open the local emulator (they are not secrets). `OTHER_*` is a second API
account of the same store (webhooks are visible only to the client that created them) and
`READ_ONLY_TOKEN` a token without write scopes (403 on writes).
"""

from __future__ import annotations

STORE_HASH = "sbx4e7k2q"
STORE_ID = "1001789"  # the numeric store id webhook callbacks carry as `store_id` (a string)
ACCESS_TOKEN = "sbx-bc-access-token-4e7k2q0123456789"
CLIENT_ID = "sbx-bc-client-id-storebridge"
CLIENT_SECRET = "sbx-bc-client-secret-0123456789abcdef"
OTHER_TOKEN = "sbx-bc-other-account-token-9876543210"
OTHER_CLIENT_ID = "sbx-bc-client-id-other-app"
READ_ONLY_TOKEN = "sbx-bc-read-only-token-5555555555"
# token -> (client id, may write)
TOKENS: dict[str, tuple[str, bool]] = {
    ACCESS_TOKEN: (CLIENT_ID, True),
    OTHER_TOKEN: (OTHER_CLIENT_ID, True),
    READ_ONLY_TOKEN: (CLIENT_ID, False),
}
ERROR_TYPE = "/api-docs/getting-started/api-status-codes"

# Page sizes and batch maxima (store-apis.md 1.2, 1.6-1.8, 1.11).
MAX_PAGE = 250
DEFAULT_PAGE = 50
MAX_INVENTORY_PAGE = 1000
MAX_PRODUCTS_BATCH = 10
MAX_VARIANTS_BATCH = 50
MAX_CUSTOMERS_BATCH = 10
MAX_INVENTORY_ITEMS = 2000
MAX_ADDRESSES = 10

# Rate limit: per store, per window (store-apis.md 1.3). Default generous (Enterprise-like) so
# test backfills are never slowed; `PUT /__admin/rate-limit` makes it small.
DEFAULT_QUOTA = 10_000
DEFAULT_WINDOW_MS = 30_000

# GET /v2/order_statuses: (id, name, system description, sort order) as in
# samples/v2_order_statuses_list.json and the table of store-apis.md 1.5.
ORDER_STATUSES: tuple[tuple[int, str, str, int], ...] = (
    (
        0,
        "Incomplete",
        "An incomplete order happens when a shopper reached the payment page, but "
        "did not complete the transaction.",
        0,
    ),
    (1, "Pending", "Customer started the checkout process, but did not complete it.", 1),
    (
        2,
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed; seller has used "
        "the Ship Items action.",
        8,
    ),
    (
        3,
        "Partially Shipped",
        "Only some items in the order have been shipped, due to some "
        "products being pre-order only or other reasons.",
        6,
    ),
    (4, "Refunded", "Seller has used the Refund action.", 11),
    (
        5,
        "Cancelled",
        "Seller has cancelled an order, due to a stock inconsistency or other reasons.",
        9,
    ),
    (
        6,
        "Declined",
        "Seller has marked the order as declined for lack of manual payment, or other reasons.",
        10,
    ),
    (
        7,
        "Awaiting Payment",
        "Customer has completed checkout process, but payment has yet to be confirmed.",
        2,
    ),
    (
        8,
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
        5,
    ),
    (
        9,
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
        4,
    ),
    (
        10,
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
        7,
    ),
    (
        11,
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
        3,
    ),
    (
        12,
        "Manual Verification Required",
        "Order on hold while some aspect needs to be manually confirmed.",
        13,
    ),
    (
        13,
        "Disputed",
        "Customer has initiated a dispute resolution process for the PayPal "
        "transaction that paid for the order.",
        12,
    ),
    (14, "Partially Refunded", "Seller has partially refunded the order.", 14),
)
STATUS_NAMES: dict[int, str] = {s[0]: s[1] for s in ORDER_STATUSES}
INCOMPLETE, PENDING, SHIPPED, PARTIALLY_SHIPPED = 0, 1, 2, 3
CANCELLED, AWAITING_PAYMENT, AWAITING_FULFILLMENT, MANUAL_VERIFICATION = 5, 7, 11, 12

# The seed's statuses are Shift4Shop OrderStatusIDs; their BigCommerce equivalents (assumption:
# the closest meaning; Hold and Review both wait for the merchant).
STATUS_FROM_SEED: dict[int, int] = {
    1: PENDING,  # New (authorised, not captured)
    2: AWAITING_FULFILLMENT,  # Processing
    3: PARTIALLY_SHIPPED,  # Partial
    4: SHIPPED,  # Shipped
    5: CANCELLED,  # Cancel (refunded after payment)
    6: MANUAL_VERIFICATION,  # Hold
    7: INCOMPLETE,  # Not Completed: the abandoned checkouts
    8: AWAITING_FULFILLMENT,  # custom statuses (not seeded)
    9: AWAITING_FULFILLMENT,
    10: AWAITING_FULFILLMENT,
    11: AWAITING_PAYMENT,  # Unpaid
    12: MANUAL_VERIFICATION,  # Review
}

COUNTRIES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
}
# Webhook retry schedule after a failed delivery (store-apis.md 1.9), in seconds; after the last
# retry fails the hook is set `is_active=false`.
RETRY_SCHEDULE_S: tuple[int, ...] = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)
