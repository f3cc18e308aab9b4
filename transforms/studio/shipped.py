"""Which shipped mapping serves which system, entity and direction, and what it reads.

A mapping file says its system and object, not what it is applied to: that is code (the
adapters and codecs). This table says it for the studio: the canonical model an encode mapping
reads (and the part of the entity's record it is applied to, e.g. each of an order's `lines`),
the source objects a decode mapping reads, whether the mapping is applied on creates, updates
or both, and the extra paths a decode mapping writes for its codec (`line.quantity_shipped`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

from transforms.canonical import Entity
from transforms.studio.catalogue import FieldSpec

ENCODE = "encode"  # canonical -> the system's payload
DECODE = "decode"  # the system's record -> canonical paths

# `line.*` of the fulfilment decoders: per item row, what the codec reads (not a canonical model)
FULFILLMENT_LINE: dict[str, FieldSpec] = {
    "sku": FieldSpec("sku", "string", 255, label="SKU", description="the item's SKU"),
    "quantity": FieldSpec(
        "quantity",
        "decimal",
        label="Quantity",
        description="units shipped (Sage) or ordered (CRMs)",
    ),
    "quantity_shipped": FieldSpec(
        "quantity_shipped", "decimal", label="Quantity shipped", description="units shipped to date"
    ),
    "ordered": FieldSpec("ordered", "decimal", label="Ordered", description="units ordered"),
    "detail": FieldSpec(
        "detail",
        "integer",
        label="Detail number",
        description="the order detail the shipment line ships",
    ),
    "type": FieldSpec("type", "integer", label="Line type", description="item or misc. charge"),
}


@dataclass(frozen=True)
class Shipped:
    """One shipped field mapping and how it is applied."""

    name: str  # "salesforce/account"
    direction: str  # ENCODE | DECODE
    entity: Entity  # the use case's entity
    model: str  # the canonical model read (encode) or written (decode)
    part: str = ""  # encode: the record's part it maps, e.g. "lines" (each order line)
    creates: bool = True  # applied to records the target does not hold yet
    updates: bool = True  # applied to records the target holds
    sources: tuple[str, ...] = ()  # decode: the source objects its `from` paths read
    decode_parts: dict[str, str] = field(default_factory=dict)  # prefix -> canonical model

    @property
    def system(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def file(self) -> str:
        return f"transforms/mappings/{self.name}.yaml"


C, ORD, F, P = Entity.CUSTOMER, Entity.ORDER, Entity.FULFILLMENT, Entity.PRODUCT
INV = Entity.INVENTORY
FULFIL_PARTS = {"shipment": "Shipment", "line": "FULFILLMENT_LINE"}
SHIPPED: tuple[Shipped, ...] = (
    # Salesforce
    Shipped("salesforce/account", ENCODE, C, "Customer"),
    Shipped("salesforce/contact", ENCODE, C, "Customer"),
    Shipped("salesforce/order", ENCODE, ORD, "Order"),
    Shipped("salesforce/order_item", ENCODE, ORD, "OrderLine", "lines"),
    Shipped("salesforce/payment", ENCODE, ORD, "Payment", "payments"),
    Shipped("salesforce/customer_from", DECODE, C, "Customer", sources=("Contact", "Account")),
    Shipped(
        "salesforce/fulfillment_from",
        DECODE,
        F,
        "Fulfillment",
        sources=("Order", "OrderItem"),
        decode_parts=FULFIL_PARTS,
    ),
    Shipped(
        "salesforce/product_from", DECODE, P, "Product", sources=("Product2", "PricebookEntry")
    ),
    # Dynamics 365
    Shipped("dynamics365/account", ENCODE, C, "Customer"),
    Shipped("dynamics365/contact", ENCODE, C, "Customer"),
    Shipped("dynamics365/salesorder", ENCODE, ORD, "Order"),
    Shipped("dynamics365/salesorderdetail", ENCODE, ORD, "OrderLine", "lines"),
    Shipped("dynamics365/invoice", ENCODE, ORD, "Payment", "payments"),
    Shipped("dynamics365/customer_from", DECODE, C, "Customer", sources=("contact", "account")),
    Shipped(
        "dynamics365/fulfillment_from",
        DECODE,
        F,
        "Fulfillment",
        sources=("salesorder", "salesorderdetail"),
        decode_parts=FULFIL_PARTS,
    ),
    Shipped(
        "dynamics365/product_from", DECODE, P, "Product", sources=("product", "productpricelevel")
    ),
    Shipped(
        "dynamics365/inventory_from",
        DECODE,
        INV,
        "StockPosition",
        sources=("msdyn_productinventory", "msdyn_warehouse"),
        decode_parts={"level": "InventoryLevel"},
    ),
    # Sage 300 (orders and receipts are POSTed once: OEOrders has no PATCH)
    Shipped("sage300/customer", ENCODE, C, "Customer"),
    Shipped("sage300/order", ENCODE, ORD, "Order", updates=False),
    Shipped("sage300/order_line", ENCODE, ORD, "OrderLine", "lines", updates=False),
    Shipped("sage300/receipt", ENCODE, ORD, "Payment", "payments", updates=False),
    Shipped("sage300/receipt_entry", ENCODE, ORD, "Payment", "payments", updates=False),
    Shipped("sage300/customer_from", DECODE, C, "Customer", sources=("ARCUS",)),
    Shipped(
        "sage300/fulfillment_from",
        DECODE,
        F,
        "Fulfillment",
        sources=("OEORDH", "OEORDH1", "OESHIH", "OESHID"),
        decode_parts=FULFIL_PARTS,
    ),
    Shipped("sage300/product_from", DECODE, P, "Product", sources=("ICITEM", "ICPRIC")),
    Shipped(
        "sage300/inventory_from",
        DECODE,
        INV,
        "StockPosition",
        sources=("ICILOC",),
        decode_parts={"level": "InventoryLevel"},
    ),
    # Shift4Shop (customers and order statuses are only ever updated: storebridge creates no
    # store accounts and no store orders)
    Shipped("shift4shop/customer", ENCODE, C, "Customer", creates=False),
    Shipped("shift4shop/fulfillment", ENCODE, F, "Fulfillment", creates=False),
    Shipped("shift4shop/shipment", ENCODE, F, "Shipment", "shipments"),
    Shipped("shift4shop/product", ENCODE, P, "Product"),
    Shipped("shift4shop/variant", ENCODE, P, "Variant", "variants"),
    # BigCommerce
    Shipped("bigcommerce/customer", ENCODE, C, "Customer", creates=False),
    Shipped("bigcommerce/customer_create", ENCODE, C, "Customer", updates=False),
    Shipped("bigcommerce/fulfillment", ENCODE, F, "Fulfillment", creates=False),
    Shipped("bigcommerce/shipment", ENCODE, F, "Shipment", "shipments"),
    Shipped("bigcommerce/product", ENCODE, P, "Product"),
    Shipped("bigcommerce/variant", ENCODE, P, "Variant", "variants"),
)
BY_NAME: dict[str, Shipped] = {s.name: s for s in SHIPPED}

# Mapping files that are settings or plain tables, not field mappings (nothing to check).
NOT_FIELD_MAPPINGS: dict[str, str] = {
    "bigcommerce/inventory": "locations and the adjustment reason of the inventory use case",
    "bigcommerce/order_status": "a table: BigCommerce status_id -> canonical status",
    "shift4shop/order_status": "a table: Shift4Shop OrderStatusID -> canonical status",
    "salesforce/inventory_from": "where Salesforce stock lives (fields or an object): settings",
    "sage300/gl_accounts": "the GL accounts of the daily postings: settings",
}


def mapping_names() -> list[str]:
    """Every mapping file shipped in `transforms/mappings/` ("system/name")."""
    root = resources.files("transforms").joinpath("mappings")
    names = []
    for system_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if not system_dir.is_dir():
            continue
        for f in sorted(system_dir.iterdir(), key=lambda p: p.name):
            if f.name.endswith(".yaml"):
                names.append(f"{system_dir.name}/{f.name[: -len('.yaml')]}")
    return names


def field_mappings() -> list[str]:
    """The shipped mapping files that are field mappings (what `map check` checks)."""
    return [n for n in mapping_names() if n not in NOT_FIELD_MAPPINGS]


def for_pair(source: str, target: str, entity: Entity) -> list[Shipped]:
    """The mappings a record of `entity` goes through from `source` to `target`: the source's
    decode mappings, then the target's encode mappings."""
    decode = [s for s in SHIPPED if s.system == source and s.direction == DECODE]
    encode = [s for s in SHIPPED if s.system == target and s.direction == ENCODE]
    return [s for s in (*decode, *encode) if s.entity == entity]


def info(name: str) -> Shipped | None:
    """How shipped mapping `name` is applied (None: not a known field mapping)."""
    return BY_NAME.get(name)
