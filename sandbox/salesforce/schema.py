"""The sObjects the emulated org holds (REST API v42.0–v62.0), declared as data.

Standard objects (with the custom fields the storebridge package adds to them) are declared
here; the package's custom objects in `custom_objects`. The building blocks live in `model`
(re-exported here), `describe` renders them as the describe resources do.
"""

from __future__ import annotations

from sandbox.salesforce.custom_objects import CUSTOM_OBJECTS
from sandbox.salesforce.model import (
    NUMBER_TYPES,
    STRING_TYPES,
    SYSTEM_FIELDS,
    Field,
    PicklistValue,
    SObject,
    address,
    computed,
    ref,
    sobject_of,
    storebridge_id,
)

__all__ = [
    "NUMBER_TYPES",
    "REFERRERS",
    "SCHEMA",
    "STRING_TYPES",
    "SYSTEM_FIELDS",
    "Field",
    "PicklistValue",
    "SObject",
    "sobject",
    "status_category",
]

ORDER_STATUSES = (PicklistValue("Draft", "Draft"), PicklistValue("Activated", "Activated"))
# Assumption: the package's fulfilment picklist (restricted), in the order a shipment moves on.
FULFILLMENT_STATUSES = tuple(
    PicklistValue(v)
    for v in (
        "Unfulfilled",
        "Processing",
        "Partially Shipped",
        "Shipped",
        "Delivered",
        "Cancelled",
        "On Hold",
    )
)


def _quantity(name: str, label: str) -> Field:
    # Assumption: custom Number(16, 2) fields, like the standard OrderItem.Quantity.
    return Field(name, "double", label, scale=2)


def _money(name: str, label: str) -> Field:
    return Field(name, "currency", label, scale=2)


def _product() -> SObject:
    return sobject_of(
        "Product2",
        "Product",
        "Products",
        [
            Field("Name", "string", "Product Name", required=True),
            Field("ProductCode", "string", "Product Code"),
            Field("Description", "textarea", "Product Description", length=4000),
            Field("IsActive", "boolean", "Active", default=False),
            Field("StockKeepingUnit", "string", "Product SKU", length=180),
            _quantity("Quantity_On_Hand__c", "Quantity On Hand"),
            _quantity("Quantity_Reserved__c", "Quantity Reserved"),
            Field("Variant_Of__c", "string", "Variant Of"),
            Field("Variant_Option__c", "string", "Variant Option"),
            storebridge_id(unique=True),
        ],
    )


def _order() -> SObject:
    return sobject_of(
        "Order",
        "Order",
        "Orders",
        [
            ref("AccountId", "Account", "Account", "restrict", required=True),
            ref("Pricebook2Id", "Pricebook2", "Pricebook2", "restrict", label="Price Book ID"),
            ref(
                "BillToContactId", "Contact", "BillToContact", "setnull", label="Bill To Contact ID"
            ),
            Field("EffectiveDate", "date", "Order Start Date", required=True),
            Field(
                "Status", "picklist", "Status", required=True, picklist=ORDER_STATUSES, length=40
            ),
            computed(
                "StatusCode",
                "picklist",
                "Status Category",
                length=40,
                picklist=tuple(PicklistValue(p.category) for p in ORDER_STATUSES),
            ),
            computed("OrderNumber", "string", "Order Number", length=30),
            Field("Description", "textarea", "Description", length=32000),
            Field("PoNumber", "string", "PO Number", length=80),
            Field("Store_Status__c", "string", "Store Status", length=80),
            Field(
                "Fulfillment_Status__c",
                "picklist",
                "Fulfillment Status",
                length=40,
                picklist=FULFILLMENT_STATUSES,
            ),
            Field("Tracking_Number__c", "string", "Tracking Number", length=100),
            Field("Carrier__c", "string", "Carrier", length=80),
            Field("Shipping_Service__c", "string", "Shipping Service", length=120),
            Field("Shipped_Date__c", "date", "Shipped Date"),
            _money("Amount_Paid__c", "Amount Paid"),
            Field("Payment_Status__c", "string", "Payment Status", length=40),
            Field("Payment_Reference__c", "string", "Payment Reference", length=100),
            Field("Coupon_Codes__c", "string", "Coupon Codes"),
            _money("Discount_Amount__c", "Discount Amount"),
            Field("Invoice_Number__c", "string", "Invoice Number", length=40),
            *address("Billing"),
            *address("Shipping"),
            computed("TotalAmount", "currency", "Order Amount", scale=2),
            storebridge_id(unique=True),
        ],
    )


def _order_item() -> SObject:
    return sobject_of(
        "OrderItem",
        "Order Product",
        "Order Products",
        [
            ref(
                "OrderId",
                "Order",
                "Order",
                "cascade",
                required=True,
                updateable=False,
                label="Order ID",
            ),
            ref(
                "PricebookEntryId",
                "PricebookEntry",
                "PricebookEntry",
                "restrict",
                required=True,
                updateable=False,
                label="Price Book Entry ID",
            ),
            # Derived from the entry; a client may send it, but it must match the entry.
            ref(
                "Product2Id",
                "Product2",
                "Product2",
                "restrict",
                updateable=False,
                label="Product ID",
            ),
            Field("Quantity", "double", "Quantity", required=True, scale=2),
            Field("UnitPrice", "currency", "Unit Price", required=True, scale=2),
            computed("ListPrice", "currency", "List Price", scale=2),
            computed("TotalPrice", "currency", "Total Price", scale=2),
            Field("Description", "string", "Line Description"),
            _quantity("Quantity_Shipped__c", "Quantity Shipped"),
            storebridge_id(unique=True),
        ],
    )


def _contact() -> SObject:
    return sobject_of(
        "Contact",
        "Contact",
        "Contacts",
        [
            ref("AccountId", "Account", "Account", "cascade"),
            Field("FirstName", "string", "First Name", length=40),
            Field("LastName", "string", "Last Name", required=True, length=80),
            computed("Name", "string", "Full Name", length=121),
            Field("Email", "email", "Email", length=80),
            Field("Phone", "phone", "Business Phone", length=40),
            Field("MobilePhone", "phone", "Mobile Phone", length=40),
            *address("Mailing"),
            Field("Description", "textarea", "Contact Description", length=32000),
            storebridge_id(unique=False),
        ],
    )


def _standard() -> tuple[SObject, ...]:
    return (
        sobject_of(
            "Account",
            "Account",
            "Accounts",
            [
                Field("Name", "string", "Account Name", required=True),
                Field("Phone", "phone", "Account Phone", length=40),
                *address("Billing"),
                Field("Description", "textarea", "Account Description", length=32000),
                storebridge_id(unique=True),
            ],
        ),
        _contact(),
        _product(),
        sobject_of(
            "Pricebook2",
            "Price Book",
            "Price Books",
            [
                Field("Name", "string", "Price Book Name", required=True),
                Field("IsActive", "boolean", "Active", default=False),
                computed("IsStandard", "boolean", "Is Standard Price Book", default=False),
                Field("Description", "string", "Description"),
            ],
        ),
        sobject_of(
            "PricebookEntry",
            "Price Book Entry",
            "Price Book Entries",
            [
                computed("Name", "string", "Product Name"),
                ref(
                    "Pricebook2Id",
                    "Pricebook2",
                    "Pricebook2",
                    "cascade",
                    required=True,
                    updateable=False,
                    label="Price Book ID",
                ),
                ref(
                    "Product2Id",
                    "Product2",
                    "Product2",
                    "cascade",
                    required=True,
                    updateable=False,
                    label="Product ID",
                ),
                Field("UnitPrice", "currency", "List Price", required=True, scale=2),
                Field("IsActive", "boolean", "Active", default=False),
                Field("UseStandardPrice", "boolean", "Use Standard Price", default=False),
                computed("ProductCode", "string", "Product Code"),
            ],
        ),
        _order(),
        _order_item(),
    )


SCHEMA: dict[str, SObject] = {o.name: o for o in (*_standard(), *CUSTOM_OBJECTS)}

_BY_LOWER = {name.lower(): obj for name, obj in SCHEMA.items()}

# (child object, reference field) pairs pointing at each object, for delete rules.
REFERRERS: dict[str, list[tuple[str, Field]]] = {name: [] for name in SCHEMA}
for _child in SCHEMA.values():
    for _f in _child.fields.values():
        if _f.reference_to:
            REFERRERS[_f.reference_to].append((_child.name, _f))


def sobject(name: str) -> SObject | None:
    """The sObject called `name` (any case), or None."""
    return _BY_LOWER.get(name.lower())


def status_category(value: str | None) -> str | None:
    """The StatusCode category of an Order status value."""
    for entry in ORDER_STATUSES:
        if entry.value == value:
            return entry.category
    return None
