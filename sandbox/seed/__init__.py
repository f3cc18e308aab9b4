"""Deterministic seed data shared by every emulator: one small business, seen from each system.

The same `SeedWorld` feeds the storefront emulators (customers, products with variants, orders)
and the back offices (the catalogue and price book the CRM/ERP already holds, stock per location,
a few contacts that already exist there). A given `SeedConfig` always yields the same world;
dates are relative to `anchor`, so "the last 90 days" stays true on any day.

What real stores have is in it: sizes sold as variant SKUs (`SB-TEE-001-XS`) with option prices,
coupons and discounts, HTML descriptions longer than 255 characters, customers abroad (CA, GB,
DE, FR), wholesale and tax-exempt customers, registered customers who move house and guests who
check out with a new address each time, orders with two ship-tos, with the store's unshipped
placeholder (`ShipmentID` 0) or with none, invoice prefixes, authorisations, captures and
refunds, products stocked in several locations. Deliberately bad orders (`SeedOrder.defect`)
exercise the dead-letter path: an unknown SKU, a missing e-mail, a zero quantity, and a customer
whose e-mail matches two CRM contacts.
"""

from __future__ import annotations

import random
from dataclasses import replace

from sandbox.seed.catalog import CATEGORIES, gtin, money, products
from sandbox.seed.model import (
    CENT,
    NOT_COMPLETED,
    UNKNOWN_SKU,
    SeedAddressChange,
    SeedConfig,
    SeedContact,
    SeedCustomer,
    SeedLevel,
    SeedLine,
    SeedOrder,
    SeedProduct,
    SeedShipment,
    SeedTransaction,
    SeedVariant,
    SeedWorld,
)
from sandbox.seed.orders import STATUS_WEIGHTS, mark_ambiguous, order, with_defects
from sandbox.seed.people import as_of, crm, current, customers, moved

__all__ = [
    "CATEGORIES",
    "CENT",
    "NOT_COMPLETED",
    "STATUS_WEIGHTS",
    "UNKNOWN_SKU",
    "SeedAddressChange",
    "SeedConfig",
    "SeedContact",
    "SeedCustomer",
    "SeedLevel",
    "SeedLine",
    "SeedOrder",
    "SeedProduct",
    "SeedShipment",
    "SeedTransaction",
    "SeedVariant",
    "SeedWorld",
    "as_of",
    "build_world",
    "current",
    "gtin",
    "money",
]


def build_world(config: SeedConfig | None = None) -> SeedWorld:
    """Generate the world for `config` (same config, same world)."""
    config = config or SeedConfig()
    rng = random.Random(config.seed)
    world = SeedWorld(config=config, anchor=config.resolved_anchor())
    world.products = products(rng, config)
    world.customers = customers(rng, config.customers, config.foreign_share)
    moved(rng, world)
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    line_id = 1
    for i in range(config.orders + config.abandoned):
        status = NOT_COMPLETED if i >= config.orders else rng.choices(statuses, weights)[0]
        o = order(rng, world, 1001 + i, line_id, status)
        line_id += len(o.lines)
        world.orders.append(o)
    # Three orders changed in the same second: the incremental window must not lose any of them.
    if len(world.orders) > 103:
        same = world.orders[100].last_update
        world.orders[101:103] = [replace(o, last_update=same) for o in world.orders[101:103]]
    with_defects(rng, world)
    mark_ambiguous(world, crm(rng, world))
    return world
