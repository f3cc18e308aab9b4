"""Webhook event types of the Shift4Shop (3dcart) REST API v1 emulator (`GET /Webhooks/Events`).

store-apis.md 2.7 lists the events of the admin UI (Customer New, Order New, Order Status Changed,
Product New, Product Changed, Product Deleted, Product Stock Changed) but not their numeric
`EventType` ids. Assumption: the ids below (clients must read `GET /Webhooks/Events`, as the
doc advises, rather than hard-code them).

When they fire (Assumption, the docs do not say): API writes fire only when a value really
changed (an `OrderStatusID` or `Stock` written with its current value fires nothing), the
admin/test helpers (`touch_order`, `set_stock`, `set_price`, ...) always fire, as a merchant
saving the record in the admin would.
"""

from __future__ import annotations

ORDER_NEW = 1
ORDER_STATUS_CHANGED = 2
CUSTOMER_NEW = 3
PRODUCT_NEW = 4
PRODUCT_CHANGED = 5
PRODUCT_DELETED = 6
PRODUCT_STOCK_CHANGED = 7
EVENTS: dict[int, str] = {
    ORDER_NEW: "Order New",
    ORDER_STATUS_CHANGED: "Order Status Changed",
    CUSTOMER_NEW: "Customer New",
    PRODUCT_NEW: "Product New",
    PRODUCT_CHANGED: "Product Changed",
    PRODUCT_DELETED: "Product Deleted",
    PRODUCT_STOCK_CHANGED: "Product Stock Changed",
}
# The resource each event carries ("Order", "Customer", "Product").
EVENT_RESOURCE: dict[int, str] = {
    ORDER_NEW: "Order",
    ORDER_STATUS_CHANGED: "Order",
    CUSTOMER_NEW: "Customer",
    PRODUCT_NEW: "Product",
    PRODUCT_CHANGED: "Product",
    PRODUCT_DELETED: "Product",
    PRODUCT_STOCK_CHANGED: "Product",
}


def render_event(event_type: int) -> dict[str, object]:
    """One `GET /Webhooks/Events` element (`Event` schema)."""
    return {"EventType": event_type, "EventName": EVENTS[event_type]}
