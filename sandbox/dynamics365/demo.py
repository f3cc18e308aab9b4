"""What the back office changes between two demo runs (`Dynamics365Emulator.demo_activity`).

An order storebridge created ships (tracking, carrier, date, then ``FulfillSalesOrder``), a
linked contact's phone is corrected, and one product without variants is repriced and
restocked: the fulfilment, customers, catalog and inventory use cases then each have one change
to carry back to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.clock import utcnow

if TYPE_CHECKING:
    from sandbox.dynamics365.emulator import Dynamics365Emulator


def demo_activity(crm: Dynamics365Emulator) -> list[str]:
    """Apply the back office's changes; one line per change."""
    done = []
    with crm.lock:
        orders = [
            o
            for o in crm.store.rows("salesorders")
            if o.get("storebridge_id") and o.get("statecode") in (0, 1)
        ]
        contacts = [
            c
            for c in crm.store.rows("contacts")
            if ":customer:" in (c.get("storebridge_id") or "")
            and "guest" not in (c.get("storebridge_id") or "")
        ]
        products = crm.store.rows("products")
        parents = {p.get("_parentproductid_value") for p in products}
        plain = [
            p
            for p in products
            if not p.get("_parentproductid_value") and p["productid"] not in parents
        ]
    if orders:
        order = orders[0]
        crm.fulfil_order(
            order["salesorderid"],
            tracking="1ZDEMO0000001",
            carrier="UPS",
            shipped_date=utcnow().date().isoformat(),
        )
        done.append(f"back office fulfilled {order['storebridge_id']}")
    if contacts:
        contact = contacts[0]
        crm.update("contacts", contact["contactid"], {"telephone1": "+1 555 0100 0199"})
        done.append(f"back office changed the phone of {contact['storebridge_id']}")
    if plain:
        sku = plain[0]["productnumber"]
        crm.set_price(sku, "99.00")
        crm.set_stock(sku, 42)
        done.append(f"back office repriced and restocked {sku}")
    return done
