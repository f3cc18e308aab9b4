"""Orders as the Shift4Shop (3dcart) REST API v1 renders them.

The key set and order follow the redacted live capture
`shared/api-specs/shift4shop/samples/orders_get_list_response.redacted.json` (PascalCase,
`CustomerID` not the schema's `CustomerId`). Formats (store-apis.md 2.3):

* `OrderDate`/`LastUpdate`/`ItemDateAdded`/`TransactionDateTime`: `"2012-07-11T10:44:08"` in the
  store's local time zone, no offset;
* `ShipmentShippedDate`: `"07/11/2012"` (store-local date);
* money: JSON numbers rounded to the cent. The capture prints whole amounts without decimals
  (`"RetailPrice": 145`, `"ShipmentCost": 0`), so whole amounts render as integers here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.seed import CENT, SeedLine
from sandbox.shift4shop.state import Order, Product

LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
SHIPPED_DATE_FORMAT = "%m/%d/%Y"
SHIPPED_STATUSES = (3, 4)  # Partial, Shipped: the ones that carry a ShipmentShippedDate
# Assumption (the seed has three shipping prices and no carrier): method by price.
SHIPPING_METHODS = {
    Decimal("0.00"): (1, "Free Shipping"),
    Decimal("5.99"): (2, "Standard Ground (3-5 business days)"),
    Decimal("9.99"): (3, "Expedited (1-2 business days)"),
}
PAYMENT_METHOD = "Online Credit Card"  # assumption: every paid order went through one gateway
PAYMENT_GATEWAY_ID = 1


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs besides the record: the store zone, URL and catalogue."""

    tz: ZoneInfo
    secure_url: str
    products: dict[int, Product]


def money(value: Decimal) -> int | float:
    """A money amount as a JSON number rounded to the cent (integer when whole).

    Args:
        value: the amount.
    """
    cents = value.quantize(CENT)
    return int(cents) if cents == cents.to_integral_value() else float(cents)


def local(value: dt.datetime, tz: ZoneInfo) -> str:
    """An aware datetime as the store prints it: local wall time, no offset.

    Args:
        value: aware datetime (UTC internally).
        tz: the store's time zone.
    """
    return value.astimezone(tz).strftime(LOCAL_FORMAT)


def shipment_id(order: Order) -> int:
    """The id of the order's single ship-to (assumption: equal to the OrderID, so unique)."""
    return order.order_id


def render_item(order: Order, line: SeedLine, ctx: RenderContext) -> dict[str, Any]:
    """One `OrderItemList` element.

    Args:
        order: the order holding the line.
        line: the line.
        ctx: rendering context.
    """
    product = ctx.products.get(line.catalog_id)
    cost = product.product.cost if product else Decimal("0.00")
    stock = product.product.stock if product else 0
    return {
        "CatalogID": line.catalog_id,
        "ItemIndexID": line.line_id,
        "ItemID": line.sku,
        "ItemShipmentID": shipment_id(order),
        "ItemQuantity": line.quantity,
        "ItemWarehouseID": 0,
        "ItemDescription": line.name,
        "ItemUnitPrice": money(line.unit_price),
        "ItemWeight": 1,
        "ItemOptionPrice": 0,
        "ItemAdditionalField1": "",
        "ItemAdditionalField2": "",
        "ItemAdditionalField3": "",
        "ItemPageAdded": f"{line.name.replace(' ', '-').replace('#', '')}_p_{line.catalog_id}.html",
        "ItemDateAdded": local(order.order_date, ctx.tz),
        "ItemUnitCost": money(cost),
        "ItemUnitStock": stock,
        "ItemOptions": "",
        "ItemCatalogIDOptions": "",
    }


def shipped_date(order: Order, tz: ZoneInfo) -> str:
    """`ShipmentShippedDate`: store-local "mm/dd/yyyy" once shipped or partial, else "".

    Args:
        order: the order.
        tz: the store's time zone.
    """
    if order.status_id not in SHIPPED_STATUSES or order.shipped_at is None:
        return ""
    return order.shipped_at.astimezone(tz).strftime(SHIPPED_DATE_FORMAT)


def render_shipment(order: Order, ctx: RenderContext) -> dict[str, Any]:
    """The order's single `ShipmentList` element (one ship-to: the customer's address).

    Args:
        order: the order.
        ctx: rendering context.
    """
    c = order.customer
    method_id, method_name = SHIPPING_METHODS.get(order.shipping, (0, "Shipping"))
    return {
        "ShipmentID": shipment_id(order),
        "ShipmentLastUpdate": local(order.last_update, ctx.tz),
        "ShipmentBoxes": 1,
        "ShipmentInternalComment": "",
        "ShipmentOrderStatus": order.status_id,
        "ShipmentAddress": c.address,
        "ShipmentAddress2": "",
        "ShipmentAlias": "",
        "ShipmentCity": c.city,
        "ShipmentCompany": c.company,
        "ShipmentCost": money(order.shipping),
        "ShipmentCountry": c.country,
        "ShipmentEmail": c.email,
        "ShipmentFirstName": c.first_name,
        "ShipmentLastName": c.last_name,
        "ShipmentMethodID": method_id,
        "ShipmentMethodName": method_name,
        "ShipmentShippedDate": shipped_date(order, ctx.tz),
        "ShipmentPhone": c.phone,
        "ShipmentState": c.state,
        "ShipmentZipCode": c.zip_code,
        "ShipmentTax": 0,
        "ShipmentWeight": sum(ln.quantity for ln in order.lines),
        "ShipmentTrackingCode": order.tracking,
        "ShipmentUserID": "",
        "ShipmentNumber": 1,
        "ShipmentAddressTypeID": 0,
    }


def render_transactions(order: Order, ctx: RenderContext) -> list[dict[str, Any]]:
    """`TransactionList`: one captured "Sale" for the total when paid, else empty.

    Args:
        order: the order.
        ctx: rendering context.
    """
    if not order.paid:
        return []
    return [
        {
            "TransactionIndexID": order.order_id,
            "OrderID": order.order_id,
            "TransactionID": f"SBX-{order.order_id:08d}",
            "TransactionDateTime": local(order.order_date, ctx.tz),
            "TransactionType": "Sale",
            "TransactionMethod": PAYMENT_METHOD,
            "TransactionAmount": money(order.total),
            "TransactionApproval": f"A{order.order_id:05d}",
            "TransactionReference": "",
            "TransactionGatewayID": PAYMENT_GATEWAY_ID,
            "TransactionCVV2": "",
            "TransactionAVS": "",
            "TransactionResponseText": "Approved",
            "TransactionResponseCode": "1",
            "TransactionCaptured": 1,
        }
    ]


def _billing(order: Order) -> dict[str, Any]:
    c = order.customer
    return {
        "BillingFirstName": c.first_name,
        "BillingLastName": c.last_name,
        "BillingCompany": c.company,
        "BillingAddress": c.address,
        "BillingAddress2": "",
        "BillingCity": c.city,
        "BillingState": c.state,
        "BillingZipCode": c.zip_code,
        "BillingCountry": c.country,
        "BillingPhoneNumber": c.phone,
        "BillingEmail": c.email,
        "BillingPaymentMethod": PAYMENT_METHOD,
        "BillingOnLinePayment": True,
        "BillingPaymentMethodID": str(PAYMENT_GATEWAY_ID),
    }


def _card(order: Order) -> dict[str, Any]:
    # Card data is never exposed in clear; the capture shows empty strings and the holder's name.
    blank = ("CardType", "CardNumber")
    tail = ("CardExpirationMonth", "CardExpirationYear", "CardIssueNumber", "CardStartMonth")
    more = ("CardStartYear", "CardAddress", "CardVerification", "RewardPoints")
    name = f"{order.customer.first_name} {order.customer.last_name}"
    return {
        **dict.fromkeys(blank, ""),
        "CardName": name,
        **dict.fromkeys(tail + more, ""),
    }


def render_order(order: Order, ctx: RenderContext) -> dict[str, Any]:
    """One order object, with the capture's keys in the capture's order.

    Args:
        order: the order.
        ctx: rendering context.
    """
    return {
        "InvoiceNumberPrefix": "",
        "InvoiceNumber": order.invoice_number,
        "OrderID": order.order_id,
        "CustomerID": order.customer.customer_id,
        "OrderDate": local(order.order_date, ctx.tz),
        "OrderStatusID": order.status_id,
        "LastUpdate": local(order.last_update, ctx.tz),
        "UserID": "",
        "SalesPerson": "",
        "ContinueURL": f"{ctx.secure_url}/continue_order.asp?orderkey=SBX{order.order_id:012d}",
        **_billing(order),
        "ShipmentList": [render_shipment(order, ctx)],
        "OrderItemList": [render_item(order, ln, ctx) for ln in order.lines],
        "OrderDiscount": 0,
        "SalesTax": money(order.tax),
        "SalesTax2": 0,
        "SalesTax3": 0,
        "OrderAmount": money(order.total),
        "AffiliateCommission": 0,
        "TransactionList": render_transactions(order, ctx),
        **_card(order),
        "QuestionList": [],
        "Referer": "",
        "IP": "",
        "CustomerComments": "",
        "InternalComments": order.internal_comments,
        "ExternalComments": "",
    }
