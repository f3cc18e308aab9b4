"""What the back office changes between two demo runs (`SalesforceEmulator.demo_activity`).

An order ships (status, tracking, carrier, date), a linked contact's phone is corrected, and one
product without variants is repriced and restocked: the fulfilment, customers and catalog and
inventory use cases then each have one change to carry back to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.clock import utcnow

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator


def _linked_contact(recs: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    for c in recs["Contact"]:
        key = c.get("Storebridge_Id__c") or ""
        if ":customer:" in key and "guest" not in key:
            return c
    return None


def _plain_product(recs: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    parents = {p.get("Variant_Of__c") for p in recs["Product2"]}
    return next(
        (
            p
            for p in recs["Product2"]
            if not p.get("Variant_Of__c") and p["ProductCode"] not in parents
        ),
        None,
    )


def demo_activity(crm: SalesforceEmulator) -> list[str]:
    """Apply the back office's changes; one line per change."""
    done = []
    with crm.lock:
        recs = crm.records()
        orders = [o for o in recs["Order"] if o.get("Fulfillment_Status__c") == "Processing"]
        contact = _linked_contact(recs)
        product = _plain_product(recs)
        if orders:
            order = orders[0]
            crm.dml.update(
                "Order",
                order["Id"],
                {
                    "Fulfillment_Status__c": "Shipped",
                    "Tracking_Number__c": "1ZDEMO0000001",
                    "Carrier__c": "UPS",
                    "Shipped_Date__c": utcnow().date().isoformat(),
                },
            )
            done.append(f"back office shipped {order['Storebridge_Id__c']}")
        if contact is not None:
            crm.dml.update("Contact", contact["Id"], {"Phone": "+1 555 0100 0199"})
            done.append(f"back office changed the phone of {contact['Storebridge_Id__c']}")
    if product is not None:
        crm.set_price(product["ProductCode"], "99.00")
        crm.set_stock(product["ProductCode"], 42)
        done.append(f"back office repriced and restocked {product['ProductCode']}")
    return done
