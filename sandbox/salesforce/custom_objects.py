"""The storebridge package's custom objects in the emulated org (REST API v42.0–v62.0).

* ``Stock_Level__c``: stock of one product (or variant) at one location, child of Product2
  (``Product__c`` / ``Product__r``, master-detail: deleted with the product);
* ``Storebridge_Payment__c``: one payment transaction of an order, child of Order
  (``Order__c`` / ``Order__r``, master-detail).

Both carry the integration's unique external id ``Storebridge_Id__c`` (stock levels use
``<sku>@<location>``). Key prefixes are in `ids.KEY_PREFIXES`.

Assumptions (no org metadata to copy): ``Name`` is an auto-number (``SL-000001``,
``PAY-000001``); the master-detail fields are required and allow reparenting (updateable), so
an upsert may repeat the parent.
"""

from __future__ import annotations

from sandbox.salesforce.model import Field, SObject, computed, ref, sobject_of, storebridge_id

STOCK_LEVEL, PAYMENT = "Stock_Level__c", "Storebridge_Payment__c"
# Auto-number formats of the custom objects' Name field (prefix, digits).
AUTO_NAMES: dict[str, tuple[str, int]] = {STOCK_LEVEL: ("SL-", 6), PAYMENT: ("PAY-", 6)}


def _stock_level() -> SObject:
    return sobject_of(
        STOCK_LEVEL,
        "Stock Level",
        "Stock Levels",
        [
            computed("Name", "string", "Stock Level Name", length=80),
            ref("Product__c", "Product2", "Product__r", "cascade", required=True, label="Product"),
            Field("Location__c", "string", "Location", length=40),
            Field("On_Hand__c", "double", "On Hand", scale=2),
            Field("Reserved__c", "double", "Reserved", scale=2),
            storebridge_id(unique=True),
        ],
    )


def _payment() -> SObject:
    return sobject_of(
        PAYMENT,
        "Storebridge Payment",
        "Storebridge Payments",
        [
            computed("Name", "string", "Payment Name", length=80),
            ref("Order__c", "Order", "Order__r", "cascade", required=True, label="Order"),
            Field("Amount__c", "currency", "Amount", scale=2),
            Field("Kind__c", "string", "Kind", length=40),
            Field("Status__c", "string", "Status", length=40),
            Field("Gateway__c", "string", "Gateway", length=80),
            Field("Reference__c", "string", "Reference", length=100),
            Field("Processed_At__c", "datetime", "Processed At"),
            storebridge_id(unique=True),
        ],
    )


CUSTOM_OBJECTS: tuple[SObject, ...] = (_stock_level(), _payment())
