"""What the back office changes between two demo runs (`Sage300Emulator.demo_activity`).

The first open order storebridge entered (OEORDH.REFERENCE ``storebridge:...``) ships with a
tracking number, a customer storebridge created gets a corrected phone, and one item that is not
sold in sizes is repriced and restocked: fulfilment, customers, catalog and inventory then each
have one change to carry back to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.sage300.constants import PARENT_FIELD, PRICE_LIST

if TYPE_CHECKING:
    from sandbox.sage300.emulator import Sage300Emulator


def demo_activity(erp: Sage300Emulator) -> list[str]:
    """Apply the back office's changes; one line per change."""
    done = []
    with erp.lock:
        open_orders = [
            o
            for o in erp.rows("OEORDH")
            if str(o["REFERENCE"]).startswith("storebridge:") and int(o["COMPLETE"]) in (1, 2)
        ]
        customers = [
            c for c in erp.rows("ARCUS") if str(c["IDCUST"]).strip() not in erp.seeded_customers
        ]
        items = [str(i["ITEMNO"]).strip() for i in erp.rows("ICITEM")]
        stocked = {str(r["ITEMNO"]).strip() for r in erp.rows("ICILOC")}
        sizes = {str(r["ITEMNO"]).strip() for r in erp.rows("ICITEMO", OPTFIELD=PARENT_FIELD)}
    plain = [i for i in items if i in stocked and i not in sizes]
    if open_orders:
        order = open_orders[0]
        number = str(order["ORDNUMBER"]).strip()
        erp.ship_order(number, tracking="1ZDEMO0000001", ship_via="UPS")
        done.append(f"back office shipped {number} ({str(order['REFERENCE']).strip()})")
    if customers:
        number = str(customers[0]["IDCUST"]).strip()
        erp.update_customer(number, TEXTPHON1="+1 555 0100 0199")
        done.append(f"back office changed the phone of sage300:customer:{number}")
    if plain:
        item = plain[0]
        location = next(
            str(r["LOCATION"]).strip() for r in erp.rows("ICILOC") if r["ITEMNO"].strip() == item
        )
        erp.set_price(item, PRICE_LIST, "99.00")
        erp.set_stock(item, location, 42)
        done.append(f"back office repriced and restocked {item}")
    return done
