"""Shift4Shop (3dcart) REST API v1 emulator: the new seed world as the API renders it.

Variants (advanced options, option sets, variant order lines), coupons and invoice prefixes,
several ship-tos / the unshipped placeholder / none, payment transactions, customers abroad,
wholesale, tax-exempt and moved customers. Read-only: the module's sandbox is never written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from sandbox.seed import SeedOrder, SeedWorld, current
from sandbox.shift4shop.build import CUSTOMER_EPOCH_DAYS, CUSTOMER_STEP
from tests.sandbox import test_shift4shop_emulator as base
from tests.sandbox.test_shift4shop_emulator import fetch_all, local

# The shared module-scoped fixtures (this module gets its own sandbox).
api = base.api
emu = base.emu
sandbox = base.sandbox
world = base.world

Row = dict[str, Any]


def orders_by_id(api: httpx.Client) -> dict[int, Row]:
    return {row["OrderID"]: row for row in fetch_all(api)}


def pick(world: SeedWorld, test: Any) -> SeedOrder:
    return next(o for o in world.orders if test(o))


def test_variant_lines_carry_variant_sku_option_price_and_html(
    api: httpx.Client, world: SeedWorld
) -> None:
    rows = orders_by_id(api)
    variant_lines = [(o, ln) for o in world.orders for ln in o.lines if ln.option]
    assert variant_lines
    for o, ln in variant_lines:
        item = next(i for i in rows[o.order_id]["OrderItemList"] if i["ItemIndexID"] == ln.line_id)
        product = next(p for p in world.products if p.catalog_id == ln.catalog_id)
        variant = next(v for v in product.variants if v.sku == ln.sku)
        assert item["ItemID"] == ln.sku == f"{product.sku}-{variant.option_value}"
        assert item["CatalogID"] == product.catalog_id
        assert item["ItemUnitPrice"] == float(ln.unit_price)
        assert item["ItemOptionPrice"] == float(variant.price - product.price)
        assert item["ItemDescription"] == ln.description
        assert f"<b>Size:</b> {variant.option_value}" in item["ItemDescription"]
        assert item["ItemOptions"] == f",{variant.code}"
    assert any(ln.option_price > 0 for _, ln in variant_lines)


def test_coupons_discounts_and_invoice_prefixes(api: httpx.Client, world: SeedWorld) -> None:
    rows = orders_by_id(api)
    coupons = [o for o in world.orders if o.coupon]
    assert coupons
    assert any(o.discount > 0 for o in coupons)
    for o in world.orders:
        row = rows[o.order_id]
        assert row["InvoiceNumberPrefix"] == o.invoice_prefix
        assert row["OrderDiscount"] == row["OrderDiscountCoupon"] == float(o.discount)
        assert row["OrderAmount"] == float(o.subtotal + o.shipping + o.tax - o.discount)
        if o.coupon:
            (promotion,) = row["PromotionList"]
            assert promotion["Coupon"] == o.coupon
            assert promotion["DiscountAmount"] == float(o.discount)
            assert {"PromotionID", "PromotionName"} <= set(promotion)
        else:
            assert row["PromotionList"] == []
    prefixed = [o.order_id for o in world.orders if o.invoice_prefix == "WEB-"]
    assert prefixed
    assert [r["OrderID"] for r in fetch_all(api, invoiceprefix="WEB-")] == prefixed


def test_split_ship_tos_with_gift_recipient(api: httpx.Client, world: SeedWorld) -> None:
    order = pick(world, lambda o: len(o.shipments) == 2 and o.shipments[1].recipient)
    row = api.get(f"/Orders/{order.order_id}").json()[0]
    assert [s["ShipmentID"] for s in row["ShipmentList"]] == [
        s.shipment_id for s in order.shipments
    ]
    assert [s["ShipmentNumber"] for s in row["ShipmentList"]] == [1, 2]
    for seeded, shown in zip(order.shipments, row["ShipmentList"], strict=True):
        who = seeded.recipient or order.customer
        assert shown["ShipmentFirstName"] == who.first_name
        assert shown["ShipmentAddress"] == who.address
        assert shown["ShipmentCity"] == who.city
        assert shown["ShipmentCountry"] == who.country
        assert shown["ShipmentMethodName"] == seeded.method
        assert shown["ShipmentCost"] == float(seeded.cost)
        assert shown["ShipmentTrackingCode"] == seeded.tracking
        shipped = seeded.shipped_at
        assert shown["ShipmentShippedDate"] == (local(shipped, "%m/%d/%Y") if shipped else "")
        pending = 2 if order.status_id in (3, 4) else order.status_id
        assert shown["ShipmentOrderStatus"] == (4 if shipped else pending)
    gift = order.shipments[1].recipient
    assert gift is not None
    assert row["ShipmentList"][1]["ShipmentLastName"] == gift.last_name
    carried = {i: s.shipment_id for s in order.shipments for i in s.line_ids}
    assert {i["ItemIndexID"]: i["ItemShipmentID"] for i in row["OrderItemList"]} == carried
    assert api.get(f"/Orders/{order.order_id}/Shipments").json() == row["ShipmentList"]


def test_partial_order_has_one_shipped_and_one_pending_ship_to(
    api: httpx.Client, world: SeedWorld
) -> None:
    order = pick(world, lambda o: o.status_id == 3 and len(o.shipments) == 2)
    first, second = api.get(f"/Orders/{order.order_id}/Shipments").json()
    assert first["ShipmentShippedDate"]
    assert first["ShipmentOrderStatus"] == 4
    assert second["ShipmentShippedDate"] == ""
    assert second["ShipmentTrackingCode"] == ""
    assert second["ShipmentOrderStatus"] == 2


def test_placeholder_and_empty_shipment_lists(api: httpx.Client, world: SeedWorld) -> None:
    placeholder = pick(world, lambda o: any(s.shipment_id == 0 for s in o.shipments))
    row = api.get(f"/Orders/{placeholder.order_id}").json()[0]
    zero = next(s for s in row["ShipmentList"] if s["ShipmentID"] == 0)
    assert zero["ShipmentShippedDate"] == ""
    assert zero["ShipmentTrackingCode"] == ""
    ids = next(s.line_ids for s in placeholder.shipments if s.shipment_id == 0)
    assert {i["ItemShipmentID"] for i in row["OrderItemList"] if i["ItemIndexID"] in ids} == {0}
    empty = pick(world, lambda o: not o.shipments)
    row = api.get(f"/Orders/{empty.order_id}").json()[0]
    assert row["ShipmentList"] == []
    assert {i["ItemShipmentID"] for i in row["OrderItemList"]} == {0}
    r = api.get(f"/Orders/{empty.order_id}/Shipments")
    assert r.status_code == 404
    assert r.json() == [{"Key": "Error", "Message": "No shipments found"}]


def test_transaction_lists(api: httpx.Client, world: SeedWorld) -> None:
    rows = orders_by_id(api)
    kinds = {tuple(t.kind for t in o.transactions) for o in world.orders}
    assert {("Authorize",), ("Sale",), ("Authorize", "Capture")} <= kinds
    assert any("Refund" in k for k in kinds)
    for o in world.orders:
        shown = rows[o.order_id]["TransactionList"]
        assert [t["TransactionIndexID"] for t in shown] == [t.index_id for t in o.transactions]
        assert [t["TransactionType"] for t in shown] == [t.kind for t in o.transactions]
        assert [t["TransactionAmount"] for t in shown] == [float(t.amount) for t in o.transactions]
        assert [t["TransactionDateTime"] for t in shown] == [
            local(t.at, "%Y-%m-%dT%H:%M:%S") for t in o.transactions
        ]
        captured = [int(t.kind in ("Sale", "Capture")) for t in o.transactions]
        assert [t["TransactionCaptured"] for t in shown] == captured
        assert all(t["OrderID"] == o.order_id for t in shown)


def test_orders_bill_customers_abroad_as_they_were(api: httpx.Client, world: SeedWorld) -> None:
    rows = orders_by_id(api)
    abroad = [o for o in world.orders if o.customer.country != "US"]
    assert abroad
    for o in abroad:
        row = rows[o.order_id]
        assert row["BillingCountry"] == o.customer.country
        assert row["BillingZipCode"] == o.customer.zip_code
        assert row["BillingAddress2"] == o.customer.address2
        assert row["BillingState"] == o.customer.state  # "" for GB, DE, FR
    assert any(rows[o.order_id]["BillingState"] == "" for o in abroad)


def test_customers_abroad_wholesale_and_tax_exempt(api: httpx.Client, world: SeedWorld) -> None:
    rows = {r["CustomerID"]: r for r in api.get("/Customers", params={"limit": 300}).json()}
    assert len(rows) == len(world.customers)
    for seeded in world.customers:
        c, row = current(world, seeded), rows[seeded.customer_id]
        assert row["BillingAddress1"] == row["ShippingAddress1"] == c.address
        assert row["BillingAddress2"] == row["ShippingAddress2"] == c.address2
        assert row["BillingCountry"] == row["ShippingCountry"] == c.country
        assert row["CustomerGroupID"] == c.group_id
        assert row["NonTaxable"] is c.tax_exempt
    assert {r["BillingCountry"] for r in rows.values()} > {"US"}
    assert any(r["CustomerGroupID"] == 2 for r in rows.values())
    assert any(r["NonTaxable"] for r in rows.values())
    assert any(r["BillingAddress2"] for r in rows.values())
    canadians = api.get("/Customers", params={"country": "ca", "limit": 300}).json()
    assert {r["BillingCountry"] for r in canadians} == {"CA"}


def test_moved_customers_show_the_new_address_and_move_time(
    api: httpx.Client, world: SeedWorld
) -> None:
    change = world.address_changes[0]
    old = next(c for c in world.customers if c.customer_id == change.customer.customer_id)
    assert (old.address, old.city) != (change.customer.address, change.customer.city)
    row = api.get(f"/Customers/{old.customer_id}").json()[0]
    assert row["BillingAddress1"] == current(world, old).address
    # The hidden last update is the move: a one-second window around it finds the customer.
    at = max(ch.at for ch in world.address_changes if ch.customer.customer_id == old.customer_id)
    window = {"lastupdatestart": local(at), "lastupdateend": local(at)}
    found = api.get("/Customers", params=window).json()
    assert old.customer_id in [r["CustomerID"] for r in found]
    # Everyone else keeps the deterministic spread (epoch + 6 h per CustomerID).
    start = world.anchor - dt.timedelta(days=world.config.days)
    epoch = start - dt.timedelta(days=CUSTOMER_EPOCH_DAYS)
    moves = {ch.customer.customer_id: ch.at for ch in world.address_changes}
    hidden = {
        c.customer_id: moves.get(c.customer_id, epoch + CUSTOMER_STEP * c.customer_id)
        for c in world.customers
    }
    since = start + dt.timedelta(days=10)
    expected = sorted(i for i, when in hidden.items() if when >= since)
    assert any(i in moves for i in expected)
    assert any(i not in moves for i in expected)
    rows = api.get("/Customers", params={"lastupdatestart": local(since), "limit": 300}).json()
    assert [r["CustomerID"] for r in rows] == expected


def test_products_render_variants_option_sets_and_catalogue_fields(
    api: httpx.Client, world: SeedWorld
) -> None:
    rows = {
        r["SKUInfo"]["CatalogID"]: r for r in api.get("/Products", params={"limit": 200}).json()
    }
    sized = [p for p in world.products if p.variants]
    assert sized
    assert len(sized) < len(world.products)
    assert any(len(p.description) > 255 for p in world.products)
    for p in world.products:
        row = rows[p.catalog_id]
        assert row["SKUInfo"]["Stock"] == p.stock
        assert row["Description"] == p.description
        assert row["GTIN"] == p.gtin
        assert row["Weight"] == float(p.weight)
        assert row["AdvancedOptionList"] == [
            {
                "AdvancedOptionCode": v.code,
                "AdvancedOptionSufix": v.sku,
                "AdvancedOptionName": f"Size: {v.option_value}",
                "AdvancedOptionCost": float(p.cost),
                "AdvancedOptionStock": v.stock,
                "AdvancedOptionWeight": float(p.weight),
                "AdvancedOptionPrice": float(v.price),
                "AdvancedOptionGTIN": v.gtin,
            }
            for v in p.variants
        ]
        if not p.variants:
            assert row["OptionSetList"] == []
            continue
        (option_set,) = row["OptionSetList"]
        assert option_set["OptionSetName"] == "Size"
        assert [o["OptionName"] for o in option_set["OptionList"]] == [
            v.option_value for v in p.variants
        ]
        assert [o["OptionValue"] for o in option_set["OptionList"]] == [
            float(v.price - p.price) for v in p.variants
        ]


def test_advanced_options_endpoint_and_exact_product_sku(
    api: httpx.Client, world: SeedWorld
) -> None:
    sized = next(p for p in world.products if p.variants)
    plain = next(p for p in world.products if not p.variants)
    options = api.get(f"/Products/{sized.catalog_id}/AdvancedOptions").json()
    product = api.get(f"/Products/{sized.catalog_id}").json()[0]
    assert options == product["AdvancedOptionList"]
    assert api.get(f"/Products/{plain.catalog_id}/AdvancedOptions").status_code == 404
    assert api.get("/Products/99999/AdvancedOptions").status_code == 404
    # `sku` matches the product's own SKU only (documented assumption), not a variant SKU.
    assert api.get("/Products", params={"sku": sized.variants[0].sku}).status_code == 404
    assert api.get("/Products/skuinfo", params={"sku": sized.variants[0].sku}).status_code == 404
    by_sku = api.get("/Products/skuinfo", params={"sku": sized.sku.lower()}).json()
    assert [r["CatalogID"] for r in by_sku] == [sized.catalog_id]
