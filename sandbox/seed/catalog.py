"""The seed catalogue: products, sizes sold as variants, HTML descriptions, stock per location."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from sandbox.seed.model import CENT, SeedConfig, SeedLevel, SeedProduct, SeedVariant

CATEGORIES = [
    ("TEE", "T-Shirt", "12.00"),
    ("MUG", "Mug", "9.50"),
    ("CAP", "Cap", "15.00"),
    ("BAG", "Tote Bag", "18.00"),
    ("HOOD", "Hoodie", "45.00"),
]
SIZES = (("XS", "0.00"), ("S", "0.00"), ("M", "0.00"), ("L", "2.00"), ("XL", "4.00"))
LONG_TEXT = (
    "<p>Made from <strong>organic cotton</strong> and printed by hand in small batches. "
    "Every piece is pre-washed so it keeps its shape, and the inks are water based.</p>"
    "<ul><li>Care: wash cold, inside out</li><li>Do not tumble dry</li>"
    "<li>Shipped in recycled packaging</li></ul>"
    "<p>Questions about sizing? See our size guide or write to us &amp; we answer within a "
    "day.</p>"
)


def money(value: float | Decimal | str) -> Decimal:
    """`value` rounded to the cent."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def gtin(number: int) -> str:
    """A valid GTIN-13 (EAN) built from `number` (check digit computed)."""
    body = f"40{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _levels(rng: random.Random, config: SeedConfig, *, multi: bool) -> tuple[SeedLevel, ...]:
    locations = [code for code, _ in config.locations]
    used = locations if multi else locations[:1]
    return tuple(
        SeedLevel(code, rng.randint(0, 120), rng.choice([0, 0, 0, rng.randint(1, 5)]))
        for code in used
    )


def _sellable(levels: tuple[SeedLevel, ...]) -> int:
    return max(sum(lv.on_hand - lv.reserved for lv in levels), 0)


def _variants(
    rng: random.Random, config: SeedConfig, sku: str, price: Decimal, number: int
) -> tuple[SeedVariant, ...]:
    out = []
    for i, (size, delta) in enumerate(SIZES, start=1):
        levels = _levels(rng, config, multi=i % 2 == 0)
        out.append(
            SeedVariant(
                code=str(i),
                sku=f"{sku}-{size}",
                option_name="Size",
                option_value=size,
                price=money(price + Decimal(delta)),
                stock=_sellable(levels),
                gtin=gtin(number * 10 + i),
                levels=levels,
            )
        )
    return tuple(out)


def products(rng: random.Random, config: SeedConfig) -> list[SeedProduct]:
    """`config.products` products; every other block of T-shirts and hoodies is sold in sizes."""
    out = []
    for i in range(1, config.products + 1):
        code, label, base = CATEGORIES[(i - 1) % len(CATEGORIES)]
        price = money(Decimal(base) + Decimal(rng.randint(0, 40)) / 2)
        sku = f"SB-{code}-{i:03d}"
        name = f"{label} #{i:03d}"
        sized = config.variants and code in ("TEE", "HOOD") and (i // 5) % 2 == 0
        variants = _variants(rng, config, sku, price, i) if sized else ()
        levels = () if variants else _levels(rng, config, multi=i % 3 == 0)
        long = i % 4 == 0  # a quarter carry a description longer than 255 characters
        description = f"<p>{name}</p>" + (LONG_TEXT if long else "")
        out.append(
            SeedProduct(
                catalog_id=i,
                sku=sku,
                name=name,
                price=price,
                cost=money(price * Decimal("0.4")),
                stock=sum(v.stock for v in variants) if variants else _sellable(levels),
                description=description,
                gtin=gtin(i * 10),
                weight=money(Decimal("0.2") + Decimal(i % 7) / 10),
                variants=variants,
                levels=levels,
            )
        )
    return out
