"""The canonical model: the hub every store and back office maps to and from.

Stores and back offices never see each other's shapes; each system has codecs to and from these
models (N + M codecs instead of N x M pairs). Every record carries an `ExternalRef` naming the
system, entity and id it came from. Money and quantities are Decimal, times are aware UTC, and
validation errors name the field.

Modules: `base` (entities, refs, money), `parties` (customers), `catalog` (products, variants,
stock), `orders` (orders, payments, shipments, refunds, returns, fulfilment), `hashing`.
"""

from __future__ import annotations

from transforms.canonical.base import (
    Amount,
    Canonical,
    Count,
    Country,
    Currency,
    Email,
    Entity,
    ExternalRef,
    Money,
    Quantity,
    SystemSlug,
    UtcDatetime,
)
from transforms.canonical.catalog import (
    InventoryLevel,
    Location,
    Option,
    Product,
    StockPosition,
    Variant,
)
from transforms.canonical.hashing import (
    content_hash,
    describe_validation_error,
    digest,
    stable_json,
)
from transforms.canonical.orders import (
    Fulfillment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
    Return,
    ReturnLine,
    Shipment,
    ShippedLine,
)
from transforms.canonical.parties import Address, Customer

__all__ = [
    "Address",
    "Amount",
    "Canonical",
    "Count",
    "Country",
    "Currency",
    "Customer",
    "Email",
    "Entity",
    "ExternalRef",
    "Fulfillment",
    "InventoryLevel",
    "Location",
    "Money",
    "Option",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "Product",
    "Quantity",
    "Refund",
    "Return",
    "ReturnLine",
    "Shipment",
    "ShippedLine",
    "StockPosition",
    "SystemSlug",
    "UtcDatetime",
    "Variant",
    "content_hash",
    "describe_validation_error",
    "digest",
    "stable_json",
]
