"""Raw BigCommerce payloads (snake_case JSON) as the API returns them: pure pydantic, no I/O.

V2 (orders) sends money as strings with four decimals and dates as RFC 2822 (always UTC, spec);
V3 sends numbers and ISO 8601. Amounts become `Decimal` either way (a JSON float is read through
its shortest repr, never binary-rounded). Unknown keys are kept (`extra="allow"`). An `Order`
carries what decoding needs: its lines and ship-tos (embedded by
`include=consignments.line_items&consignment_structure=object`, or fetched), coupons,
transactions and shipments where they were read; ``None`` means "not read" (a sub-resource
link), ``[]`` "read, none".
"""

from __future__ import annotations

from connectors.bigcommerce.models_v2 import (
    Address,
    AppliedDiscount,
    Coupon,
    Order,
    OrderProduct,
    OrderStatus,
    ProductOption,
    Shipment,
    ShipmentItem,
    ShippingAddress,
    Transaction,
    consignment_lines,
)
from connectors.bigcommerce.models_v3 import (
    CatalogOption,
    Customer,
    CustomerAddress,
    Hook,
    InventoryItem,
    ItemIdentity,
    ItemLocation,
    Location,
    LocationSettings,
    OptionValue,
    Product,
    ProductOptionValue,
    Variant,
)
from connectors.bigcommerce.payload_types import (
    IsoTime,
    Num,
    OptNum,
    Raw,
    Rfc2822,
    is_link,
)

__all__ = [
    "Address",
    "AppliedDiscount",
    "CatalogOption",
    "Coupon",
    "Customer",
    "CustomerAddress",
    "Hook",
    "InventoryItem",
    "IsoTime",
    "ItemIdentity",
    "ItemLocation",
    "Location",
    "LocationSettings",
    "Num",
    "OptNum",
    "OptionValue",
    "Order",
    "OrderProduct",
    "OrderStatus",
    "Product",
    "ProductOption",
    "ProductOptionValue",
    "Raw",
    "Rfc2822",
    "Shipment",
    "ShipmentItem",
    "ShippingAddress",
    "Transaction",
    "Variant",
    "consignment_lines",
    "is_link",
]
