"""Raw V2 order payloads and an order's V3 transactions (see `connectors.bigcommerce.models`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from connectors.bigcommerce.payload_types import IsoTime, Num, Raw, Rfc2822, is_link


# --- V2 orders ----------------------------------------------------------------------------
class Address(Raw):
    """A V2 billing or shipping address (orders, shipments, consignments)."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_iso2: str | None = None
    phone: str | None = None
    email: str | None = None


class ProductOption(Raw):
    id: int | None = None
    option_id: int | None = None
    product_option_id: int | None = None
    display_name: str | None = None
    display_value: str | None = None
    value: str | None = None
    name: str | None = None


class AppliedDiscount(Raw):
    id: str | int | None = None
    amount: Num = Decimal("0")
    name: str | None = None
    code: str | None = None
    target: str | None = None


class OrderProduct(Raw):
    """One line of an order (`GET /v2/orders/{id}/products`, or a consignment's line item)."""

    id: int
    order_id: int | None = None
    product_id: int | None = None
    variant_id: int | None = None
    order_address_id: int | None = None
    name: str | None = None
    sku: str | None = None
    type: str | None = None
    base_price: Num = Decimal("0")
    price_ex_tax: Num = Decimal("0")
    price_inc_tax: Num = Decimal("0")
    price_tax: Num = Decimal("0")
    total_ex_tax: Num = Decimal("0")
    total_inc_tax: Num = Decimal("0")
    total_tax: Num = Decimal("0")
    quantity: Num
    quantity_shipped: Num = Decimal("0")
    quantity_refunded: Num = Decimal("0")
    is_refunded: bool = False
    upc: str | None = None
    parent_order_product_id: int | None = None
    applied_discounts: list[AppliedDiscount] = Field(default_factory=list)
    product_options: list[ProductOption] = Field(default_factory=list)


class ShippingAddress(Address):
    """A ship-to of an order (`shipping_addresses`, or a shipping consignment; same `id`)."""

    id: int
    order_id: int | None = None
    items_total: Num = Decimal("0")
    items_shipped: Num = Decimal("0")
    shipping_method: str | None = None
    base_cost: Num = Decimal("0")
    cost_ex_tax: Num = Decimal("0")
    cost_inc_tax: Num = Decimal("0")
    cost_tax: Num = Decimal("0")
    base_handling_cost: Num = Decimal("0")
    handling_cost_ex_tax: Num = Decimal("0")
    handling_cost_inc_tax: Num = Decimal("0")
    handling_cost_tax: Num = Decimal("0")
    shipping_zone_name: str | None = None


class Coupon(Raw):
    """`GET /v2/orders/{id}/coupons`: the code and what it took off."""

    id: int
    coupon_id: int | None = None
    order_id: int | None = None
    code: str | None = None
    amount: Num = Decimal("0")  # the coupon's face value: 5 is $5 or 5% (see `type`)
    type: int | None = None
    discount: Num = Decimal("0")  # the amount it took off this order


class Transaction(Raw):
    """`GET /v3/orders/{id}/transactions` item (`Transaction` in orders.v3.yml)."""

    id: int
    order_id: str | int | None = None
    event: str
    method: str | None = None
    amount: Num
    currency: str | None = None
    gateway: str | None = None
    gateway_transaction_id: str | None = None
    date_created: IsoTime = None
    test: bool = False
    status: str | None = None  # ok | error
    fraud_review: bool = False
    reference_transaction_id: int | None = None


class ShipmentItem(Raw):
    order_product_id: int
    product_id: int | None = None
    quantity: Num


class Shipment(Raw):
    """`GET|POST /v2/orders/{id}/shipments` item (`orderShipment`)."""

    id: int
    order_id: int
    customer_id: int | None = None
    order_address_id: int | None = None
    date_created: Rfc2822 = None
    tracking_number: str | None = None
    merchant_shipping_cost: Num = Decimal("0")
    shipping_method: str | None = None
    comments: str | None = None
    shipping_provider: str | None = None
    tracking_carrier: str | None = None
    tracking_link: str | None = None
    shipping_provider_display_name: str | None = None
    generated_tracking_link: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    items: list[ShipmentItem] = Field(default_factory=list)


def consignment_lines(consignments: dict[str, Any]) -> list[Any] | None:
    """Line items of every consignment (shipping, pickups, downloads, gift certificates), or
    None when they are links, not embedded (`include=consignments` without `.line_items`)."""
    groups: list[Any] = []
    for key in ("shipping", "pickups", "downloads"):
        groups += consignments.get(key) or []
    groups += (consignments.get("email") or {}).get("gift_certificates") or []
    lines: dict[Any, Any] = {}
    for group in groups:
        items = group.get("line_items") if isinstance(group, dict) else None
        items = [items] if isinstance(items, dict) else (items or [])
        for item in items:
            if is_link(item):
                return None
            if isinstance(item, dict):
                lines.setdefault(item.get("id"), item)
    return list(lines.values())


class Order(Raw):
    """A V2 order (`order_Resp`) with its sub-resources where they were read."""

    id: int
    customer_id: int = 0  # 0 = guest checkout
    date_created: Rfc2822
    date_modified: Rfc2822 = None
    date_shipped: Rfc2822 = None
    status_id: int
    status: str | None = None
    custom_status: str | None = None
    subtotal_ex_tax: Num = Decimal("0")
    subtotal_inc_tax: Num = Decimal("0")
    subtotal_tax: Num = Decimal("0")
    base_shipping_cost: Num = Decimal("0")
    shipping_cost_ex_tax: Num = Decimal("0")
    shipping_cost_inc_tax: Num = Decimal("0")
    shipping_cost_tax: Num = Decimal("0")
    handling_cost_ex_tax: Num = Decimal("0")
    handling_cost_inc_tax: Num = Decimal("0")
    handling_cost_tax: Num = Decimal("0")
    wrapping_cost_ex_tax: Num = Decimal("0")
    wrapping_cost_inc_tax: Num = Decimal("0")
    wrapping_cost_tax: Num = Decimal("0")
    total_ex_tax: Num = Decimal("0")
    total_inc_tax: Num
    total_tax: Num = Decimal("0")
    is_tax_inclusive_pricing: bool = False
    items_total: Num = Decimal("0")
    items_shipped: Num = Decimal("0")
    payment_method: str | None = None
    payment_provider_id: str | int | None = None
    payment_status: str | None = None
    refunded_amount: Num = Decimal("0")
    store_credit_amount: Num = Decimal("0")
    gift_certificate_amount: Num = Decimal("0")
    currency_code: str | None = None
    default_currency_code: str | None = None
    discount_amount: Num = Decimal("0")
    coupon_discount: Num = Decimal("0")
    shipping_address_count: int | None = None
    customer_message: str | None = None
    staff_notes: str | None = None
    channel_id: int | None = None
    order_source: str | None = None
    is_deleted: bool = False
    billing_address: Address = Address()
    # sub-resources: None = not read (a link in the API's answer)
    products: list[OrderProduct] | None = None
    shipping_addresses: list[ShippingAddress] | None = None
    coupons: list[Coupon] | None = None
    transactions: list[Transaction] | None = None
    shipments: list[Shipment] | None = None

    @model_validator(mode="before")
    @classmethod
    def _embedded(cls, data: Any) -> Any:
        """Links become None; object-structured consignments give the lines and ship-tos."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        consignments = out.get("consignments")
        if isinstance(consignments, dict) and not is_link(consignments):
            lines = consignment_lines(consignments)
            if lines is not None and (out.get("products") is None or is_link(out["products"])):
                out["products"] = lines
            shipping = consignments.get("shipping")
            if shipping is not None and (
                out.get("shipping_addresses") is None or is_link(out["shipping_addresses"])
            ):
                out["shipping_addresses"] = shipping
        for key in ("products", "shipping_addresses", "coupons", "transactions", "shipments"):
            if is_link(out.get(key)):
                out[key] = None
        if out.get("billing_address") is None:
            out.pop("billing_address", None)
        return out

    @property
    def currency(self) -> str | None:
        """The transactional currency (what the shopper paid in), else the display one."""
        return self.default_currency_code or self.currency_code


class OrderStatus(Raw):
    """`GET /v2/order_statuses` item: ids are fixed, labels may be customised."""

    id: int
    name: str | None = None
    system_label: str | None = None
    custom_label: str | None = None
    system_description: str | None = None
    sort_order: int | None = None
