"""Back-office changes made directly in the emulated org (REST API v42.0–v62.0), for tests and
the demo: stock per location and standard prices. They go through the DML layer (rules, roll-ups
and stamps included), exactly like an API write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.salesforce.custom_objects import STOCK_LEVEL
from sandbox.salesforce.schema import SCHEMA
from sandbox.salesforce.seeding import standard_book
from sandbox.salesforce.store import Record

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator


def product_by_sku(emu: SalesforceEmulator, sku: str) -> Record:
    """The one live Product2 whose ProductCode is `sku` (any case), else KeyError."""
    found = emu.store.find("Product2", SCHEMA["Product2"].fields["ProductCode"], sku)
    if len(found) != 1:
        raise KeyError(f"{len(found)} Product2 records have ProductCode {sku!r}, not 1")
    return found[0]


def set_stock(emu: SalesforceEmulator, sku: str, on_hand: float, location: str) -> None:
    """Upsert the item's ``Stock_Level__c`` ``<sku>@<location>`` with `on_hand` (lock held).

    The product's Quantity_On_Hand__c follows through the stock roll-up (`rules`).
    """
    product = product_by_sku(emu, sku)
    key = f"{product['ProductCode']}@{location}"
    emu.dml.upsert(
        STOCK_LEVEL,
        "Storebridge_Id__c",
        key,
        {"Product__c": product["Id"], "Location__c": location, "On_Hand__c": on_hand},
        rest=False,
    )


def set_price(emu: SalesforceEmulator, sku: str, price: object) -> None:
    """Update the item's standard PricebookEntry.UnitPrice (lock held)."""
    product = product_by_sku(emu, sku)
    entries = emu.store.find(
        "PricebookEntry", SCHEMA["PricebookEntry"].fields["Product2Id"], product["Id"]
    )
    book = standard_book(emu)
    entry = next((e for e in entries if e["Pricebook2Id"] == book), None)
    if entry is None:
        raise KeyError(f"{sku!r} has no standard PricebookEntry")
    emu.dml.update("PricebookEntry", entry["Id"], {"UnitPrice": str(price)}, rest=False)
