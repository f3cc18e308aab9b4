"""Orders as the Shift4Shop (3dcart) REST API v1 renders them.

The key set and order follow the redacted live capture
`shared/api-specs/shift4shop/samples/orders_get_list_response.redacted.json` (PascalCase,
`CustomerID` not the schema's `CustomerId`), plus the schema's `PromotionList`,
`OrderDiscountCoupon` and `OrderDiscountPromotion` (newer than the 2015 capture) in the schema's
order. Formats (store-apis.md 2.3):

* `OrderDate`/`LastUpdate`/`ItemDateAdded`/`TransactionDateTime`: `"2012-07-11T10:44:08"` in the
  store's local time zone, no offset;
* `ShipmentShippedDate`: `"07/11/2012"` (store-local date), "" while not shipped;
* money: JSON numbers rounded to the cent. The capture prints whole amounts without decimals
  (`"RetailPrice": 145`, `"ShipmentCost": 0`), so whole amounts render as integers here too.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.seed import CENT, SeedCustomer, SeedLine, SeedTransaction
from sandbox.shift4shop.state import Order, Product, Shipment

LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
SHIPPED_DATE_FORMAT = "%m/%d/%Y"
PAYMENT_METHOD = "Online Credit Card"  # assumption: every paid order went through one gateway
PAYMENT_GATEWAY_ID = 1
CAPTURED_TYPES = frozenset({"Sale", "Capture"})  # TransactionCaptured 1; Authorize/Refund 0
# Assumption: the store's coupon promotions (ids and names are merchant data, undocumented).
PROMOTIONS = {"SAVE10": (1, "10% off your order"), "FREESHIP": (2, "Free shipping")}


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs besides the record: the store zone, URL and catalogue."""

    tz: ZoneInfo
    secure_url: str
    products: dict[int, Product]


def money(value: Decimal) -> int | float:
    """A money amount (or weight) as a JSON number rounded to the cent (integer when whole).

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


def line_shipment_id(order: Order, line_id: int) -> int:
    """`ItemShipmentID`: the ship-to carrying the line (0: the placeholder, or none at all)."""
    return next((s.shipment_id for s in order.shipments if line_id in s.line_ids), 0)


def render_item(order: Order, line: SeedLine, ctx: RenderContext) -> dict[str, Any]:
    """One `OrderItemList` element (`ItemID` is the variant SKU for a variant line).

    Args:
        order: the order holding the line.
        line: the line.
        ctx: rendering context.
    """
    product = ctx.products.get(line.catalog_id)
    variant = next((v for v in product.variants if v.sku == line.sku), None) if product else None
    cost = variant.cost if variant else product.cost if product else Decimal("0")
    stock = variant.stock if variant else product.stock if product else 0
    # Assumption: ItemOptions lists the chosen option ids (",4" in the capture); ours are the
    # variant's AdvancedOptionCode, as in the capture where code "4" is option 4.
    options = f",{variant.code}" if variant else ""
    return {
        "CatalogID": line.catalog_id,
        "ItemIndexID": line.line_id,
        "ItemID": line.sku,
        "ItemShipmentID": line_shipment_id(order, line.line_id),
        "ItemQuantity": line.quantity,
        "ItemWarehouseID": 0,
        "ItemDescription": line.description or line.name,
        "ItemUnitPrice": money(line.unit_price),
        "ItemWeight": money(product.weight) if product else 1,
        "ItemOptionPrice": money(line.option_price),
        "ItemAdditionalField1": "",
        "ItemAdditionalField2": "",
        "ItemAdditionalField3": "",
        "ItemPageAdded": f"{line.name.replace(' ', '-').replace('#', '')}_p_{line.catalog_id}.html",
        "ItemDateAdded": local(order.order_date, ctx.tz),
        "ItemUnitCost": money(cost),
        "ItemUnitStock": stock,
        "ItemOptions": options,
        "ItemCatalogIDOptions": "",
    }


def _ship_to(who: SeedCustomer) -> dict[str, Any]:
    return {
        "ShipmentAddress": who.address,
        "ShipmentAddress2": who.address2,
        "ShipmentAlias": "",
        "ShipmentCity": who.city,
        "ShipmentCompany": who.company,
    }


def render_shipment(order: Order, shipment: Shipment, ctx: RenderContext) -> dict[str, Any]:
    """One `ShipmentList` element: the recipient's address, else the customer's.

    Args:
        order: the order.
        shipment: one of its ship-tos.
        ctx: rendering context.
    """
    who = shipment.recipient or order.customer
    shipped = shipment.shipped_at
    return {
        "ShipmentID": shipment.shipment_id,
        "ShipmentLastUpdate": local(shipment.last_update, ctx.tz),
        "ShipmentBoxes": shipment.boxes,
        "ShipmentInternalComment": shipment.internal_comment,
        "ShipmentOrderStatus": shipment.status_id,
        **_ship_to(who),
        "ShipmentCost": money(shipment.cost),
        "ShipmentCountry": who.country,
        "ShipmentEmail": who.email,
        "ShipmentFirstName": who.first_name,
        "ShipmentLastName": who.last_name,
        "ShipmentMethodID": shipment.method_id,
        "ShipmentMethodName": shipment.method_name,
        "ShipmentShippedDate": ""
        if shipped is None
        else shipped.astimezone(ctx.tz).strftime(SHIPPED_DATE_FORMAT),
        "ShipmentPhone": who.phone,
        "ShipmentState": who.state,
        "ShipmentZipCode": who.zip_code,
        "ShipmentTax": 0,
        "ShipmentWeight": money(shipment.weight),
        "ShipmentTrackingCode": shipment.tracking,
        "ShipmentUserID": "",
        "ShipmentNumber": order.shipments.index(shipment) + 1,
        "ShipmentAddressTypeID": 0,
    }


def render_shipments(order: Order, ctx: RenderContext) -> list[dict[str, Any]]:
    """`ShipmentList` (possibly `[]`: nothing to ship)."""
    return [render_shipment(order, s, ctx) for s in order.shipments]


def render_transaction(order: Order, t: SeedTransaction, ctx: RenderContext) -> dict[str, Any]:
    """One `TransactionList` element (amounts as seeded: a refund is a positive amount)."""
    return {
        "TransactionIndexID": t.index_id,
        "OrderID": order.order_id,
        "TransactionID": f"SBX-{t.index_id:09d}",
        "TransactionDateTime": local(t.at, ctx.tz),
        "TransactionType": t.kind,
        "TransactionMethod": PAYMENT_METHOD,
        "TransactionAmount": money(t.amount),
        "TransactionApproval": f"A{t.index_id:06d}" if t.approved else "",
        "TransactionReference": "",
        "TransactionGatewayID": PAYMENT_GATEWAY_ID,
        "TransactionCVV2": "",
        "TransactionAVS": "",
        "TransactionResponseText": "Approved" if t.approved else "Declined",
        "TransactionResponseCode": "1" if t.approved else "2",
        "TransactionCaptured": int(t.approved and t.kind in CAPTURED_TYPES),
    }


def render_transactions(order: Order, ctx: RenderContext) -> list[dict[str, Any]]:
    """`TransactionList` (empty for an unpaid order)."""
    return [render_transaction(order, t, ctx) for t in order.transactions]


def render_promotions(order: Order) -> list[dict[str, Any]]:
    """`PromotionList`: one `Promotion` element for the order's coupon, if any."""
    if not order.coupon:
        return []
    # Unknown codes (none in the seed) get a stable id from the code itself.
    default = (1000 + zlib.crc32(order.coupon.encode()) % 1000, order.coupon)
    promotion_id, name = PROMOTIONS.get(order.coupon, default)
    return [
        {
            "PromotionID": promotion_id,
            "PromotionName": name,
            "Coupon": order.coupon,
            "DiscountAmount": money(order.discount),
        }
    ]


def _billing(order: Order) -> dict[str, Any]:
    c = order.customer
    return {
        "BillingFirstName": c.first_name,
        "BillingLastName": c.last_name,
        "BillingCompany": c.company,
        "BillingAddress": c.address,
        "BillingAddress2": c.address2,
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
    return {**dict.fromkeys(blank, ""), "CardName": name, **dict.fromkeys(tail + more, "")}


def render_order(order: Order, ctx: RenderContext) -> dict[str, Any]:
    """One order object, with the capture's keys in the capture's order.

    `OrderDiscount` = `OrderDiscountCoupon` + `OrderDiscountPromotion` (schema); every seeded
    discount comes from a coupon.

    Args:
        order: the order.
        ctx: rendering context.
    """
    return {
        "InvoiceNumberPrefix": order.invoice_prefix,
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
        "ShipmentList": render_shipments(order, ctx),
        "OrderItemList": [render_item(order, ln, ctx) for ln in order.lines],
        "PromotionList": render_promotions(order),
        "OrderDiscount": money(order.discount),
        "OrderDiscountCoupon": money(order.discount),
        "OrderDiscountPromotion": 0,
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
