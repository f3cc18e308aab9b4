"""The back-office side of the seed world in the emulated environment.

What the environment holds before any sync, written through the same write path as the API
(so rules, computed columns and versions apply), stamped a year before the seed's anchor:
the currency (USD), a unit group "Default Unit" with its base unit "Primary Unit", the price
list `PRICE_LEVEL` ("Storebridge Web"); one product per catalogue product and per variant
(``productnumber`` = the SKU, Active, default unit, ``price`` = list price) with a price list
item (``productpricelevels.amount``); a ``msdyn_warehouses`` row per seed location (``msdyn_name``
= its code) and a ``msdyn_productinventories`` row per item and location from the seed's
levels (on hand, allocated = reserved); the CRM contacts the seed says already exist, each with
an account (``parentcustomerid_account``), including the e-mail two contacts share. No orders:
they come from the store.

Assumptions: a variant is a product whose ``parentproductid`` is its parent product, with the
option value in ``size`` and its own price (Dataverse would model a product family with
properties; the parent stays sellable here, as in the Salesforce emulator); seeded rows carry
no ``storebridge_id`` (the CRM owns them; storebridge matches products by ``productnumber`` and
contacts by e-mail).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.dynamics365.schema import TABLES
from sandbox.dynamics365.writes import Ctx, create
from sandbox.seed import SeedLevel, SeedWorld

if TYPE_CHECKING:
    from sandbox.dynamics365.emulator import Dynamics365Emulator

SEED_AGE = dt.timedelta(days=365)


def seed(emu: Dynamics365Emulator, world: SeedWorld) -> None:
    """Write the world's back-office rows into the (empty) environment."""
    seeded_at = world.anchor - SEED_AGE
    clock, emu.store.clock = emu.store.clock, lambda: seeded_at
    try:
        _seed(emu, world)
    finally:
        emu.store.clock = clock


def _seed(emu: Dynamics365Emulator, world: SeedWorld) -> None:
    ctx = Ctx(emu.store)
    currency = create(
        ctx,
        TABLES["transactioncurrencies"],
        {
            "isocurrencycode": world.config.currency,
            "currencyname": "US Dollar",
            "currencysymbol": "$",
            "currencyprecision": 2,
            "exchangerate": Decimal("1"),
        },
    )["transactioncurrencyid"]
    schedule = create(
        ctx, TABLES["uomschedules"], {"name": "Default Unit", "baseuomname": "Primary Unit"}
    )["uomscheduleid"]
    create(
        ctx,
        TABLES["uoms"],
        {
            "name": "Primary Unit",
            "quantity": Decimal("1"),
            "isschedulebaseuom": True,
            "uomscheduleid@odata.bind": f"/uomschedules({schedule})",
        },
    )
    create(
        ctx,
        TABLES["pricelevels"],
        {
            "name": emu.price_level_name,
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency})",
        },
    )
    for code, label in world.config.locations:
        create(ctx, TABLES["msdyn_warehouses"], {"msdyn_name": code, "msdyn_description": label})
    for p in world.products:
        parent = add_product(
            emu, p.sku, p.name, p.price, description=p.description, levels=p.levels, cost=p.cost
        )
        for v in p.variants:
            add_product(
                emu,
                v.sku,
                f"{p.name} - {v.option_value}",
                v.price,
                description=p.description,
                levels=v.levels,
                cost=p.cost,
                parent=parent,
                size=v.option_value,
            )
    for c in world.crm_contacts:
        account = create(ctx, TABLES["accounts"], {"name": c.account_name})["accountid"]
        create(
            ctx,
            TABLES["contacts"],
            {
                "firstname": c.first_name,
                "lastname": c.last_name,
                "emailaddress1": c.email,
                "parentcustomerid_account@odata.bind": f"/accounts({account})",
            },
        )


def unit(emu: Dynamics365Emulator) -> tuple[str, str]:
    """(uomid, uomscheduleid) of the seeded base unit."""
    uom = emu.store.rows("uoms")[0]
    return uom["uomid"], uom["_uomscheduleid_value"]


def price_level(emu: Dynamics365Emulator) -> str:
    """The id of the configured price list (``Storebridge Web``)."""
    hits = emu.store.find("pricelevels", "name", emu.price_level_name)
    if len(hits) != 1:
        raise KeyError(f"{len(hits)} price lists are named {emu.price_level_name!r}, not 1")
    return str(hits[0]["pricelevelid"])


def warehouse(emu: Dynamics365Emulator, code: str) -> str:
    """The ``msdyn_warehouseid`` of the location `code`."""
    hits = emu.store.find("msdyn_warehouses", "msdyn_name", code)
    if len(hits) != 1:
        raise KeyError(f"{len(hits)} warehouses are named {code!r}, not 1")
    return str(hits[0]["msdyn_warehouseid"])


def add_product(
    emu: Dynamics365Emulator,
    sku: str,
    name: str,
    price: object,
    *,
    description: str | None = None,
    levels: Sequence[SeedLevel] = (),
    cost: object = None,
    parent: str | None = None,
    size: str | None = None,
) -> str:
    """An Active product with its price list item and stock rows; returns its productid."""
    ctx = Ctx(emu.store)
    uom, schedule = unit(emu)
    level = price_level(emu)
    body: dict[str, object] = {
        "name": name,
        "productnumber": sku,
        "description": description or None,
        "price": Decimal(str(price)),
        "productstructure": 1,
        "isstockitem": True,
        "quantitydecimal": 0,
        "quantityonhand": Decimal(sum(lv.on_hand for lv in levels)),
        "defaultuomid@odata.bind": f"/uoms({uom})",
        "defaultuomscheduleid@odata.bind": f"/uomschedules({schedule})",
        "pricelevelid@odata.bind": f"/pricelevels({level})",
    }
    if cost is not None:
        body["standardcost"] = body["currentcost"] = Decimal(str(cost))
    if parent:
        body["parentproductid@odata.bind"] = f"/products({parent})"
        body["size"] = size
    product = create(ctx, TABLES["products"], {k: v for k, v in body.items() if v is not None})
    pid = str(product["productid"])
    create(
        ctx,
        TABLES["productpricelevels"],
        {
            "amount": Decimal(str(price)),
            "productnumber": sku,
            "pricingmethodcode": 1,  # Currency Amount
            "pricelevelid@odata.bind": f"/pricelevels({level})",
            "productid@odata.bind": f"/products({pid})",
            "uomid@odata.bind": f"/uoms({uom})",
            "uomscheduleid@odata.bind": f"/uomschedules({schedule})",
        },
    )
    for lv in levels:
        create(
            ctx,
            TABLES["msdyn_productinventories"],
            {
                "msdyn_qtyonhand": Decimal(lv.on_hand),
                "msdyn_qtyallocated": Decimal(lv.reserved),
                "msdyn_product@odata.bind": f"/products({pid})",
                "msdyn_warehouse@odata.bind": f"/msdyn_warehouses({warehouse(emu, lv.location)})",
                "msdyn_unit@odata.bind": f"/uoms({uom})",
            },
        )
    return pid
