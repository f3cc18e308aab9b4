"""The back-office side of the seed world in the company database (as the other back offices).

Written through the same `CompanyDb` writes (padded, stamped) a year before the seed's anchor:
an ICLOC row per seed location (code, label); an ICITEM per catalogue product and per variant
(ITEMNO = FMTITEMNO = the SKU: the sandbox's item structure "SKU" has one segment; DESC the
name, "<name> - <size>" for a variant; CATEGORY the SKU's product code; stocking unit EA; sellable,
active, allowed on the web) with its ICPRIC row on price list RTL in USD and the ICPRICP base price
(the list price; ICPRIC.BASEPRICE the same); an ICILOC row per item and stocked location from the
seed's levels (QTYONHAND = on hand, QTYCOMMIT = QTYSALORDR = reserved, costs = the product cost);
one ARCUS customer per CRM contact the world says already exists (numbers 1100, 1105, ...; name,
contact, both e-mails; group RTL), the two holding one e-mail included. No orders: they come from
the store.

A product sold in sizes is an item too (as in the Dynamics 365 emulator: its name, price and
weight), without ICILOC rows (its sizes hold the stock). Sage has no parent/variant link on
ICITEM: each size item carries it in item optional fields (ICITEMO), as a merchant sets it up for
storebridge: ``STOREPARENT`` = the product's item number and one field per option (``SIZE`` =
``XS``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.sage300.constants import (
    ACCOUNT_SET,
    CURRENCY,
    CUSTOMER_GROUPS,
    DEFAULT_GROUP,
    PARENT_FIELD,
    PRICE_LIST,
    STRUCTURE_CODE,
    UNIT,
    WEIGHT_UNIT,
)
from sandbox.seed import SeedLevel, SeedWorld

if TYPE_CHECKING:
    from sandbox.sage300.db import CompanyDb

SEED_AGE = dt.timedelta(days=365)
FIRST_CUSTOMER = 1100


def seed(db: CompanyDb, world: SeedWorld) -> list[str]:
    """Write the world's back-office rows into the (empty) database; returns the customer ids."""
    seeded_at = world.anchor - SEED_AGE
    clock, db.clock = db.clock, lambda: seeded_at
    try:
        with db.transaction():
            return _seed(db, world)
    finally:
        db.clock = clock


def _seed(db: CompanyDb, world: SeedWorld) -> list[str]:
    today = db.today()
    for code, label in world.config.locations:
        db.insert("ICLOC", {"LOCATION": code, "DESC": label, "DATELASTMN": today})
    for p in world.products:
        category = p.sku.split("-")[1] if p.sku.count("-") >= 2 else ""
        add_item(db, p.sku, p.name, p.price, p.cost, p.weight, category, p.levels)
        for v in p.variants:
            name = f"{p.name} - {v.option_value}"
            add_item(db, v.sku, name, v.price, p.cost, p.weight, category, v.levels)
            add_optional_field(db, v.sku, PARENT_FIELD, p.sku.upper(), length=24)
            add_optional_field(db, v.sku, v.option_name, v.option_value, validate=True)
    numbers = []
    group = CUSTOMER_GROUPS[DEFAULT_GROUP]
    for i, c in enumerate(world.crm_contacts):
        number = str(FIRST_CUSTOMER + 5 * i)
        name = f"{c.first_name} {c.last_name}"
        db.insert(
            "ARCUS",
            {
                "IDCUST": number,
                "TEXTSNAM": c.last_name.upper()[:10],
                "IDGRP": DEFAULT_GROUP,
                "SWACTV": 1,
                "DATESTART": today,
                "DATELASTMN": today,
                "NAMECUST": name,
                "NAMECTAC": name,
                "EMAIL1": c.email,
                "EMAIL2": c.email,
                "CODECURN": CURRENCY,
                "IDACCTSET": group["IDACCTSET"],
                "CODETERM": group["CODETERM"],
                "IDBILLCYCL": group["IDBILLCYCL"],
                "PRICLIST": group["PRICLIST"],
                "CODETAXGRP": "",
            },
        )
        numbers.append(number)
    return numbers


def add_item(
    db: CompanyDb,
    sku: str,
    name: str,
    price: Decimal,
    cost: Decimal,
    weight: Decimal,
    category: str,
    levels: tuple[SeedLevel, ...] = (),
) -> None:
    """An active sellable item with its RTL pricing and its stock per location."""
    today = db.today()
    item = sku.upper()
    db.insert(
        "ICITEM",
        {
            "ITEMNO": item,
            "FMTITEMNO": item,
            "DESC": name[:60],
            "DATELASTMN": today,
            "INACTIVE": 0,
            "ITEMBRKID": STRUCTURE_CODE,
            "CATEGORY": category[:6],
            "CNTLACCT": ACCOUNT_SET,
            "STOCKITEM": 1,
            "STOCKUNIT": UNIT,
            "DEFPRICLST": PRICE_LIST,
            "UNITWGT": weight,
            "WEIGHTUNIT": WEIGHT_UNIT,
            "ALLOWONWEB": 1,
            "SELLABLE": 1,
        },
    )
    db.insert(
        "ICPRIC",
        {
            "CURRENCY": CURRENCY,
            "ITEMNO": item,
            "PRICELIST": PRICE_LIST,
            "DESC": name[:60],
            "MARKUPCOST": cost,
            "MARKUPUNIT": UNIT,
            "DEFBUNIT": UNIT,
            "DEFSUNIT": UNIT,
            "BASEPRICE": price,
        },
    )
    db.insert(
        "ICPRICP",
        {
            "CURRENCY": CURRENCY,
            "ITEMNO": item,
            "PRICELIST": PRICE_LIST,
            "DPRICETYPE": 1,
            "QTYUNIT": UNIT,
            "UNITPRICE": price,
            "CONVERSION": 1,
            "LASTPRICDT": today,
        },
    )
    for lv in levels:
        db.insert(
            "ICILOC",
            {
                "ITEMNO": item,
                "LOCATION": lv.location,
                "ACTIVE": 1,
                "USED": 1,
                "DATEACTIVE": today,
                "QTYONHAND": lv.on_hand,
                "QTYCOMMIT": lv.reserved,
                "QTYSALORDR": lv.reserved,
                "TOTALCOST": cost * lv.on_hand,
                "STDCOST": cost,
                "RECENTCOST": cost,
                "LASTCOST": cost,
            },
        )


def add_optional_field(
    db: CompanyDb, item: str, field: str, value: str, *, length: int = 60, validate: bool = False
) -> None:
    """An item optional field (ICITEMO, a text field) of `item`: `field` upper-cased as Sage keeps
    optional field names (at most 12 characters), `value` as given."""
    db.insert(
        "ICITEMO",
        {
            "ITEMNO": item.upper(),
            "OPTFIELD": field.strip().upper()[:12],
            "VALUE": value,
            "TYPE": 1,
            "LENGTH": length,
            "ALLOWNULL": 1,
            "VALIDATE": int(validate),
            "SWSET": 1,
        },
    )
