"""Seed orders: variant lines, coupons, split and unshipped ship-tos, payments, and bad orders."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

from sandbox.seed.catalog import money
from sandbox.seed.model import (
    NOT_COMPLETED,
    UNKNOWN_SKU,
    SeedCustomer,
    SeedLine,
    SeedOrder,
    SeedShipment,
    SeedTransaction,
    SeedWorld,
)
from sandbox.seed.people import as_of, customer, guest

# Shift4Shop default order statuses (store-apis.md 2.4) with their share of seeded orders.
STATUS_WEIGHTS = {1: 10, 2: 30, 3: 4, 4: 46, 5: 4, 6: 3, 11: 2, 12: 1}
SHIPPED, PARTIAL = 4, 3
METHODS = [
    (Decimal("0.00"), "Free Shipping", "USPS"),
    (Decimal("5.99"), "Standard Ground (3-5 business days)", "UPS"),
    (Decimal("9.99"), "Expedited (1-2 business days)", "FedEx"),
]
COUPONS = {"SAVE10": "10%", "FREESHIP": "shipping"}
PREFIX_FROM = 1300  # the merchant started invoice prefixes with this order


def _lines(rng: random.Random, world: SeedWorld, first_line_id: int) -> list[SeedLine]:
    picks = rng.sample(world.products, rng.randint(1, 4))
    lines = []
    for i, p in enumerate(picks):
        sku, option_price, option, text = p.sku, Decimal("0"), None, p.description
        if p.variants:
            v = rng.choice(p.variants)
            sku, option_price = v.sku, money(v.price - p.price)
            option = (v.option_name, v.option_value)
            text = f"{p.description}<br/><b>{v.option_name}:</b> {v.option_value}"
        lines.append(
            SeedLine(
                line_id=first_line_id + i,
                catalog_id=p.catalog_id,
                sku=sku,
                name=p.name,
                quantity=rng.randint(1, 3),
                unit_price=p.price,
                option_price=option_price,
                option=option,
                description=text,
            )
        )
    return lines


def _shipments(
    rng: random.Random, oid: int, status: int, lines: list[SeedLine], last_update: dt.datetime
) -> tuple[SeedShipment, ...]:
    cost, method, carrier = rng.choice(METHODS)
    roll = rng.random()
    if roll < 0.04 and status not in (SHIPPED, PARTIAL):
        return ()  # nothing to ship (pickup): an empty ShipmentList
    ids = tuple(ln.line_id for ln in lines)
    split = len(lines) > 1 and (status == PARTIAL or roll > 0.9)
    groups = [ids[:1], ids[1:]] if split else [ids]
    out = []
    for k, group in enumerate(groups, start=1):
        shipped = status == SHIPPED or (status == PARTIAL and k == 1)
        placeholder = not shipped and k == 1 and rng.random() < 0.25
        recipient = None
        if k == 2 and rng.random() < 0.5:  # a gift sent to someone else
            recipient = customer(rng, 0, "", "Gift", f"Recipient {oid}")
        out.append(
            SeedShipment(
                shipment_id=0 if placeholder else oid * 10 + k,
                line_ids=group,
                method=method,
                cost=cost if k == 1 else Decimal("0.00"),
                carrier=carrier if shipped else "",
                tracking=f"1Z{oid:08d}{k:02d}" if shipped else "",
                shipped_at=last_update if shipped else None,
                recipient=recipient,
            )
        )
    return tuple(out)


def _transactions(
    rng: random.Random, oid: int, status: int, total: Decimal, at: dt.datetime
) -> tuple[SeedTransaction, ...]:
    if status == 11:  # unpaid
        return ()
    if status == 1:  # new: authorised, not captured yet
        return (SeedTransaction(oid * 10 + 1, "Authorize", total, at),)
    if rng.random() < 0.2:
        paid: tuple[SeedTransaction, ...] = (
            SeedTransaction(oid * 10 + 1, "Authorize", total, at),
            SeedTransaction(oid * 10 + 2, "Capture", total, at + dt.timedelta(hours=2)),
        )
    else:
        paid = (SeedTransaction(oid * 10 + 1, "Sale", total, at),)
    if status == 5:  # cancelled after payment: refunded
        paid += (SeedTransaction(oid * 10 + 3, "Refund", total, at + dt.timedelta(days=1)),)
    return paid


def order(rng: random.Random, world: SeedWorld, oid: int, line_id: int, status: int) -> SeedOrder:
    """One seeded order (see the module docstring)."""
    span = dt.timedelta(days=world.config.days)
    order_date = (
        world.anchor
        - span
        + dt.timedelta(seconds=rng.randint(3600, int(span.total_seconds()) - 3600))
    ).replace(microsecond=0)
    buyer: SeedCustomer = (
        guest(rng, world, oid) if rng.random() < 0.15 else rng.choice(world.customers)
    )
    if buyer.customer_id:
        buyer = as_of(world, buyer, order_date)
    last_update = min(
        order_date + dt.timedelta(minutes=rng.randint(0, 6 * 24 * 60)),
        world.anchor - dt.timedelta(minutes=1),
    ).replace(microsecond=0)
    lines = _lines(rng, world, line_id)
    shipments = _shipments(rng, oid, status, lines, last_update)
    shipping = sum((s.cost for s in shipments), Decimal("0.00"))
    subtotal = sum((ln.price * ln.quantity for ln in lines), Decimal("0.00"))
    coupon = rng.choice(list(COUPONS)) if rng.random() < 0.15 else ""
    discount = Decimal("0.00")
    if coupon:
        discount = shipping if COUPONS[coupon] == "shipping" else money(subtotal / 10)
    tax = Decimal("0.00") if buyer.tax_exempt else money((subtotal - discount) * Decimal("0.07"))
    total = (subtotal + shipping + tax - discount).quantize(Decimal("0.01"))
    tracking = next((s.tracking for s in shipments if s.tracking), "")
    return SeedOrder(
        order_id=oid,
        invoice_number=40000 + oid,
        customer=buyer,
        order_date=order_date,
        last_update=last_update,
        status_id=status,
        lines=tuple(lines),
        shipping=shipping,
        tax=tax,
        paid=status not in (1, 11),
        tracking=tracking,
        invoice_prefix="WEB-" if oid >= PREFIX_FROM else "",
        coupon=coupon,
        discount=discount,
        shipments=shipments,
        transactions=_transactions(rng, oid, status, total, order_date),
    )


def with_defects(rng: random.Random, world: SeedWorld) -> None:
    """Turn a few orders into the bad ones the dead-letter path must catch."""
    candidates = [o for o in world.orders if o.status_id != NOT_COMPLETED]
    picks = rng.sample(candidates, 6)
    changed: dict[int, SeedOrder] = {}
    for i, o in enumerate(picks):
        first = o.lines[0]
        if i < 2:  # a line whose SKU neither the store catalogue nor the CRM knows any more
            bad = SeedLine(first.line_id, 9042, UNKNOWN_SKU, "Retired product", 1, money(20))
            changed[o.order_id] = replace(
                o, lines=(bad, *o.lines[1:]), defect=f"unknown SKU {UNKNOWN_SKU}"
            )
        elif i < 4:  # a guest checkout without an e-mail: nothing to match or create a contact by
            anonymous = customer(rng, 0, "", o.customer.first_name, o.customer.last_name)
            changed[o.order_id] = replace(o, customer=anonymous, defect="missing e-mail")
        else:  # a line with quantity zero
            zero = replace(first, quantity=0)
            changed[o.order_id] = replace(o, lines=(zero, *o.lines[1:]), defect="zero quantity")
    world.orders = [changed.get(o.order_id, o) for o in world.orders]


def mark_ambiguous(world: SeedWorld, emails: set[str]) -> None:
    """Orders of a customer whose e-mail matches several CRM contacts must be dead-lettered."""
    world.orders = [
        replace(o, defect="ambiguous customer match")
        if o.customer.email in emails and not o.defect
        else o
        for o in world.orders
    ]
