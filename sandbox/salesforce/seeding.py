"""The CRM side of the seed world in the emulated org (REST API v42.0–v62.0).

What the org holds before any sync: the standard price book; a Product2 with an active standard
PricebookEntry for every product of the catalogue and for every variant (its own SKU as
ProductCode, ``Variant_Of__c`` = the parent's SKU, ``Variant_Option__c`` = ``Size=XS``, the
variant's full price); one ``Stock_Level__c`` per item and location (``<sku>@<location>``) with
the item's totals on the product; the contacts (each with an account) the CRM already knows.
Everything is written through the DML layer, stamped a year before the seed's anchor.

Assumptions: a variant's Product2 carries its parent's HTML description; seeded products have no
``Storebridge_Id__c`` (the CRM owns them; the integration matches them by ProductCode).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sandbox.salesforce.custom_objects import STOCK_LEVEL
from sandbox.salesforce.values import stamp
from sandbox.seed import SeedLevel, SeedProduct, SeedWorld

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

SEED_AGE = dt.timedelta(days=365)  # the CRM's records pre-date the integration


def seed(emu: SalesforceEmulator, world: SeedWorld) -> None:
    """Write the world's CRM records into the (empty) org."""
    seeded_at = stamp(world.anchor - SEED_AGE)
    clock, emu.store.clock = emu.store.clock, lambda: seeded_at
    try:
        emu.dml.create(
            "Pricebook2",
            {"Name": "Standard Price Book", "IsActive": True},
            preset={"IsStandard": True},
        )
        for p in world.products:
            _product(emu, p)
        for c in world.crm_contacts:
            account = emu.dml.create("Account", {"Name": c.account_name})
            emu.dml.create(
                "Contact",
                {
                    "AccountId": account,
                    "FirstName": c.first_name,
                    "LastName": c.last_name,
                    "Email": c.email,
                },
            )
    finally:
        emu.store.clock = clock


def _product(emu: SalesforceEmulator, p: SeedProduct) -> None:
    add_item(emu, p.sku, p.name, p.price, description=p.description, levels=p.levels)
    for v in p.variants:
        add_item(
            emu,
            v.sku,
            f"{p.name} - {v.option_value}",
            v.price,
            description=p.description,
            levels=v.levels,
            variant_of=p.sku,
            option=f"{v.option_name}={v.option_value}",
        )


def add_item(
    emu: SalesforceEmulator,
    sku: str,
    name: str,
    price: object,
    *,
    description: str | None = None,
    levels: Sequence[SeedLevel] = (),
    variant_of: str | None = None,
    option: str | None = None,
) -> str:
    """A Product2, its active standard PricebookEntry and its stock levels, as a CRM admin
    would create them.

    Returns:
        The PricebookEntry id.
    """
    fields: dict[str, Any] = {
        "Name": name,
        "ProductCode": sku,
        "StockKeepingUnit": sku,
        "IsActive": True,
        "Description": description or None,
        "Variant_Of__c": variant_of,
        "Variant_Option__c": option,
        "Quantity_On_Hand__c": sum(lv.on_hand for lv in levels),
        "Quantity_Reserved__c": sum(lv.reserved for lv in levels),
    }
    product = emu.dml.create("Product2", {k: v for k, v in fields.items() if v is not None})
    entry = emu.dml.create(
        "PricebookEntry",
        {
            "Pricebook2Id": standard_book(emu),
            "Product2Id": product,
            "UnitPrice": str(price),
            "IsActive": True,
        },
    )
    for lv in levels:
        emu.dml.create(
            STOCK_LEVEL,
            {
                "Product__c": product,
                "Location__c": lv.location,
                "On_Hand__c": lv.on_hand,
                "Reserved__c": lv.reserved,
                "Storebridge_Id__c": f"{sku}@{lv.location}",
            },
        )
    return entry


def standard_book(emu: SalesforceEmulator) -> str:
    """Id of the standard price book."""
    return str(next(b["Id"] for b in emu.store.rows("Pricebook2") if b["IsStandard"]))
