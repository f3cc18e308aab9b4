"""The BigCommerce emulator's initial state, built from the seed world (deterministic).

The same customers (same e-mails) and catalogue (same SKUs) as the Shift4Shop emulator, with
BigCommerce ids: products `110 + catalog_id`, option variants and base variants from 301 on,
customers keep their seed ids, orders `seed id - 900` (101...). Sized products are products with
a "Size" option and one variant per size (`inventory_tracking=variant`); simple products carry one
base variant (`inventory_tracking=product`). Stock per location comes from the seed's
`SeedLevel`s (on hand minus reserved, never below 0) at locations 1 (`MAIN`, the default) and 2.

Orders are built by `seed_orders.py` and keep the seed's deliberate defects (an unknown SKU, a
missing e-mail, a zero quantity, the ambiguous customer); the abandoned checkouts become status 0
Incomplete.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sandbox.bigcommerce.records import customer_address, location, new_customer, new_variant
from sandbox.bigcommerce.seed_orders import seed_order
from sandbox.bigcommerce.state import Record, StoreState
from sandbox.seed import CATEGORIES, SeedProduct, SeedWorld
from sandbox.seed import current as current_customer

PRODUCT_ID_OFFSET = 110
FIRST_VARIANT_ID = 300
FIRST_SKU_ID = 1000
FIRST_LINE_ID = 10_000
FIRST_ADDRESS_ID = 500
# Same hidden "last update" spread as the Shift4Shop emulator (before the order window).
CUSTOMER_EPOCH_DAYS = 30
CUSTOMER_STEP = dt.timedelta(hours=6)
PRODUCT_EPOCH_DAYS = 60
PRODUCT_STEP = dt.timedelta(hours=1)
CATEGORY_IDS = {code: 20 + i for i, (code, _, _) in enumerate(CATEGORIES, start=1)}


def product_id(catalog_id: int) -> int:
    """The BigCommerce product id of seed product `catalog_id`."""
    return PRODUCT_ID_OFFSET + catalog_id


def _product(state: StoreState, p: SeedProduct, created: dt.datetime, changed: dt.datetime) -> None:
    pid = product_id(p.catalog_id)
    code = p.sku.split("-")[1]
    rec: Record = {
        "id": pid,
        "name": p.name,
        "type": "physical",
        "sku": p.sku,
        "description": p.description,
        "weight": p.weight,
        "price": p.price,
        "cost_price": p.cost,
        "retail_price": p.price,
        "sale_price": Decimal("0"),
        "categories": [CATEGORY_IDS.get(code, 20)],
        "brand_id": 0,
        "inventory_tracking": "variant" if p.variants else "product",
        "inventory_warning_level": 0,
        "is_visible": True,
        "availability": "available",
        "upc": "",
        "gtin": p.gtin,
        "mpn": "",
        "date_created": created,
        "date_modified": changed,
        "base_variant_id": None,
        "options": [],
    }
    state.products[pid] = rec
    if not p.variants:
        vid = state.next_id("variant")
        rec["base_variant_id"] = vid
        state.variants[vid] = new_variant(vid, pid, p.sku, None, p.cost, [], p.gtin)
        for lv in p.levels:
            _seed_level(state, vid, lv.location, lv.on_hand - lv.reserved)
        return
    option_id = state.next_id("option")
    values = []
    for i, v in enumerate(p.variants):
        value_id = state.next_id("option_value")
        values.append(
            {"id": value_id, "label": v.option_value, "sort_order": i, "is_default": False}
        )
        vid = state.next_id("variant")
        chosen = [
            {
                "id": value_id,
                "option_id": option_id,
                "label": v.option_value,
                "option_display_name": v.option_name,
            }
        ]
        variant = new_variant(vid, pid, v.sku, v.price, p.cost, chosen, v.gtin)
        variant["sku_id"] = state.next_id("sku")
        state.variants[vid] = variant
        for lv in v.levels:
            _seed_level(state, vid, lv.location, lv.on_hand - lv.reserved)
    rec["options"] = [
        {
            "id": option_id,
            "display_name": p.variants[0].option_name,
            "type": "rectangles",
            "sort_order": 0,
            "option_values": values,
        }
    ]


def _seed_level(state: StoreState, vid: int, location_code: str, quantity: int) -> None:
    location = next(loc for loc in state.locations.values() if loc["code"] == location_code)
    state.set_level(vid, location["id"], max(quantity, 0))["absolute"] = True


def build_state(world: SeedWorld) -> StoreState:
    """The store's state at the start, from the seed world.

    Args:
        world: the deterministic seed world shared by all emulators.
    """
    state = StoreState()
    start = world.anchor - dt.timedelta(days=world.config.days)
    state.sequences = {
        "variant": FIRST_VARIANT_ID,
        "sku": FIRST_SKU_ID,
        "order_product": FIRST_LINE_ID,
        "order_address": FIRST_ADDRESS_ID,
    }
    epoch = start - dt.timedelta(days=PRODUCT_EPOCH_DAYS)
    for i, (code, label) in enumerate(world.config.locations, start=1):
        state.next_id("location")
        state.locations[i] = location(i, code, label, epoch)
    for p in world.products:
        _product(state, p, epoch, epoch + PRODUCT_STEP * p.catalog_id)
    state.sequences["product"] = max(state.products, default=PRODUCT_ID_OFFSET)
    customer_epoch = start - dt.timedelta(days=CUSTOMER_EPOCH_DAYS)
    moves = sorted(
        (ch for ch in world.address_changes if ch.at <= world.anchor), key=lambda c: c.at
    )
    moved = {ch.customer.customer_id: ch.at for ch in moves}
    for c in world.customers:
        now = current_customer(world, c)
        aid = state.next_id("customer_address")
        changed = moved.get(c.customer_id, customer_epoch + CUSTOMER_STEP * c.customer_id)
        state.customers[c.customer_id] = new_customer(
            now, customer_epoch - dt.timedelta(days=1), changed, [customer_address(now, aid)]
        )
    state.sequences["customer"] = max(state.customers, default=0)
    for o in world.orders:
        rec = seed_order(state, o)
        state.orders[rec["id"]] = rec
    state.sequences["order"] = max(state.orders, default=100)
    return state
