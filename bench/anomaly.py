"""Benchmark: anomaly flags on the seed with injected anomalies (a known answer). Prints figures.

    .venv/bin/python bench/anomaly.py [--orders 3000] [--customers 800] [--days 180]
                                      [--share 0.03] [--seed 7] [--skus 2000] [--syncs 30]

Orders: the seed world's orders, decoded by the real Shift4Shop codec from the emulator's
records, in time order; `--share` of them get one injected anomaly (an inflated total, many
lines, a bulk quantity, a new customer with a high total, a parcel shipped abroad, a "card
test": a new customer shipping abroad with a high total, or a "combination": more lines, units
and money than usual, each below its own rule's threshold). They pass the detector
(`transforms.anomaly`) as order-to-cash would pass them: a first backfill of 30 days (no
history: the model and the baseline fit on that window), then one run per day against the
bounded history sample of earlier normal orders (`AnomalyConfig.history_size`). A customer is
new when no earlier order of theirs was loaded. Printed: precision, recall, false flags per
1,000 normal orders, for the rules, the model and both; recall per injected kind; flags per rule.

Stock and prices: `--skus` SKUs over `--syncs` syncs of ordinary sales, restocks and price
moves, with injected jumps, falls and mispricings; precision and recall of `stock.*` and
`price.change`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.anomaly import (
    ORDER_RULES,
    AnomalyConfig,
    Change,
    Flag,
    OrderFeatures,
    first_orders,
    inspect_orders,
    order_features,
    price_flags,
    stock_flags,
)

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
KINDS = (
    "inflated total",
    "many lines",
    "bulk quantity",
    "new customer high",
    "ships abroad",
    "card test",
    "combination",
)
ABROAD = ("NG", "RU", "BR", "GB", "DE")


def seed_orders(orders: int, customers: int, days: int) -> list[Any]:
    """The seed's placed orders as canonical orders, oldest first."""
    from connectors.shift4shop.models import Order as RawOrder
    from sandbox.runner import create_emulator
    from sandbox.seed import SeedConfig, build_world
    from transforms.canonical import OrderStatus
    from transforms.shift4shop import decode_order

    world = build_world(SeedConfig(anchor=ANCHOR, orders=orders, customers=customers, days=days))
    out = []
    for raw in create_emulator("shift4shop", world).records()["Order"]:
        try:
            o = decode_order(
                RawOrder.model_validate(raw),
                timezone="America/New_York",
                currency="USD",
                guest_key=lambda email: "h-" + str(abs(hash(email)) % 10**12),
            )
        except ValueError:
            continue  # the seed's deliberately bad rows are dead letters, not orders
        if o.status is not OrderStatus.ABANDONED:
            out.append(o)
    return sorted(out, key=lambda o: (o.placed_at, o.ref.id))


def _scaled(order: Any, factor: Decimal) -> Any:
    lines = tuple(
        ln.model_copy(
            update={
                "unit_price": ln.unit_price.model_copy(
                    update={"amount": ln.unit_price.amount * factor}
                )
            }
        )
        for ln in order.lines
    )
    return _with_lines(order, lines)


def _with_lines(order: Any, lines: tuple[Any, ...]) -> Any:
    before = sum((ln.unit_price.amount * ln.quantity for ln in order.lines), Decimal("0"))
    after = sum((ln.unit_price.amount * ln.quantity for ln in lines), Decimal("0"))
    total = order.total.model_copy(update={"amount": (order.total.amount + after - before)})
    return order.model_copy(update={"lines": lines, "total": total})


def _new_customer(order: Any, n: int) -> Any:
    ref = order.customer.ref.model_copy(update={"id": f"guest:injected-{n}"})
    return order.model_copy(
        update={"customer": order.customer.model_copy(update={"ref": ref, "is_guest": True})}
    )


def _abroad(order: Any, rng: random.Random) -> Any:
    billing = order.billing_address.country if order.billing_address else "US"
    country = rng.choice([c for c in ABROAD if c != billing])
    ship = order.shipping_address or order.billing_address
    return order.model_copy(
        update={"shipping_address": ship.model_copy(update={"country": country})}
    )


def _to_total(order: Any, total: Decimal) -> Any:
    subtotal = sum((ln.unit_price.amount * ln.quantity for ln in order.lines), Decimal("0"))
    return _scaled(order, (total / max(subtotal, Decimal("1"))).quantize(Decimal("0.0001")))


def inject(order: Any, kind: str, rng: random.Random, median: Decimal, n: int) -> Any:
    """`order` with one anomaly of `kind`."""
    if kind == "inflated total":  # worth 10 to 25 ordinary orders
        return _to_total(order, median * Decimal(str(round(rng.uniform(10, 25), 2))))
    if kind == "many lines":
        extra = []
        for i in range(rng.randint(12, 18) - len(order.lines)):
            src = order.lines[i % len(order.lines)]
            extra.append(
                src.model_copy(update={"ref": src.ref.model_copy(update={"id": f"x{n}-{i}"})})
            )
        return _with_lines(order, (*order.lines, *extra))
    if kind == "bulk quantity":
        first = order.lines[0].model_copy(update={"quantity": Decimal(rng.randint(20, 60))})
        return _with_lines(order, (first, *order.lines[1:]))
    if kind == "new customer high":
        target = median * Decimal(str(round(rng.uniform(4, 7), 2)))
        return _to_total(_new_customer(order, n), target)
    if kind == "ships abroad":
        return _abroad(order, rng)
    if kind == "combination":  # each feature below its rule's threshold, together unusual
        lines = tuple(
            ln.model_copy(update={"quantity": Decimal(rng.randint(5, 6))}) for ln in order.lines
        )
        while len(lines) < 6:
            src = lines[len(lines) % len(order.lines)]
            ref = src.ref.model_copy(update={"id": f"c{n}-{len(lines)}"})
            lines = (*lines, src.model_copy(update={"ref": ref}))
        order = _with_lines(order, lines)
        return _to_total(order, median * Decimal(str(round(rng.uniform(4, 6), 2))))
    # card test: a new customer, shipping abroad, a high total
    target = median * Decimal(str(round(rng.uniform(3.5, 6), 2)))
    return _abroad(_to_total(_new_customer(order, n), target), rng)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    normal: int = 0

    def line(self, label: str) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        per_k = 1000 * self.fp / self.normal if self.normal else 0.0
        return (
            f"  {label:<16} precision {precision:6.1%}  recall {recall:6.1%}  "
            f"false flags per 1,000 normal orders {per_k:5.1f}  (tp {self.tp}, fp {self.fp}, "
            f"fn {self.fn})"
        )


def run_orders(orders: list[Any], config: AnomalyConfig) -> dict[str, Any]:
    """The stream of runs (see the module docstring): flags per record."""
    first_day = orders[0].placed_at.date()
    runs: dict[dt.date, list[Any]] = defaultdict(list)
    for o in orders:
        day = o.placed_at.date()
        runs[max(day, first_day + dt.timedelta(days=30))].append(o)
    history: list[OrderFeatures] = []
    known: set[str] = set()
    flags: dict[str, list[Flag]] = defaultdict(list)
    fits = 0
    for _day, batch in sorted(runs.items()):
        plain = [(order_features(o), o.customer.ref.key) for o in batch]
        firsts = first_orders(plain, known)
        feats = [replace(f, new_customer=f.record in firsts) for f, _ in plain]
        found = inspect_orders(feats, history[-config.history_size :], config)
        fits += 1
        for flag in found:
            flags[flag.record].append(flag)
        for f, (_, customer) in zip(feats, plain, strict=True):
            known.add(customer)
            if not flags.get(f.record):  # loaded without a flag: it joins the normal history
                history.append(f)
        history.sort(key=lambda h: (h.placed_at, h.record))
    return {"flags": flags, "runs": fits}


def order_report(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    orders = seed_orders(args.orders, args.customers, args.days)
    rng = random.Random(args.seed)
    totals = sorted(o.total.amount for o in orders)
    median = totals[len(totals) // 2]
    picks = rng.sample(range(len(orders)), int(len(orders) * args.share))
    injected: dict[str, str] = {}
    for n, index in enumerate(sorted(picks)):
        kind = KINDS[n % len(KINDS)]
        orders[index] = inject(orders[index], kind, rng, median, n)
        injected[orders[index].ref.key] = kind
    config = AnomalyConfig()
    t0 = time.perf_counter()
    result = run_orders(orders, config)
    elapsed = time.perf_counter() - t0
    flags: dict[str, list[Flag]] = result["flags"]
    normal = len(orders) - len(injected)
    print(
        f"# orders: {len(orders)} seed orders over {args.days} days ({args.customers} customers), "
        f"{len(injected)} injected anomalies ({args.share:.0%}), median total {median}; "
        f"{result['runs']} runs (a 30-day backfill, then daily), detector {elapsed:.1f} s, "
        f"all {time.perf_counter() - started:.1f} s"
    )
    groups = {
        "rules": [r for r in ORDER_RULES if r != "order.model"],
        "model": ["order.model"],
        "rules + model": list(ORDER_RULES),
    }
    for label, rules in groups.items():
        s = Score(normal=normal)
        for o in orders:
            hit = any(f.rule in rules for f in flags.get(o.ref.key, []))
            bad = o.ref.key in injected
            s.tp += hit and bad
            s.fp += hit and not bad
            s.fn += bad and not hit
        print(s.line(label))
    print("  recall per injected kind (any flag):")
    for kind in KINDS:
        keys = [k for k, v in injected.items() if v == kind]
        caught = sum(1 for k in keys if flags.get(k))
        print(f"    {kind:<18} {caught:>3}/{len(keys):<3} {caught / max(len(keys), 1):6.1%}")
    per_rule: Counter[str] = Counter()
    per_rule_fp: Counter[str] = Counter()
    for key, found in flags.items():
        for f in found:
            per_rule[f.rule] += 1
            per_rule_fp[f.rule] += key not in injected
    print("  flags per rule (of which on normal orders):")
    for rule in ORDER_RULES:
        print(f"    {rule:<26} {per_rule[rule]:>4} ({per_rule_fp[rule]})")


def stock_report(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed + 1)
    config = AnomalyConfig()
    stock = {f"SKU-{i:05d}": Decimal(rng.randint(5, 300)) for i in range(args.skus)}
    price = {sku: Decimal(rng.randint(500, 20000)) / 100 for sku in stock}
    s_score, p_score = Score(), Score()
    for _sync in range(args.syncs):
        s_changes, p_changes, s_bad, p_bad = [], [], set(), set()
        for sku in stock:
            before, after = stock[sku], stock[sku]
            roll = rng.random()
            if roll < 0.3:  # ordinary sales since the last sync
                after = max(Decimal(0), before - rng.randint(1, 5))
            elif roll < 0.33 and before < 30:  # a restock of a low item
                after = before + rng.randint(10, 40)
            if rng.random() < args.stock_share:  # a miscount, a wrong location, a unit error
                after = Decimal(0) if before > 60 and rng.random() < 0.5 else before * 10 + 100
                s_bad.add(sku)
            if after != before:
                s_changes.append(Change(f"inventory:{sku}", sku, before, after))
            stock[sku] = after
            p_before, p_after = price[sku], price[sku]
            if rng.random() < 0.02:  # an ordinary repricing (a sale, a cost increase)
                p_after = (p_before * Decimal(str(rng.uniform(0.8, 1.2)))).quantize(Decimal("0.01"))
            if rng.random() < args.price_share:  # a misplaced decimal point, a wrong column
                p_after = (
                    p_before * rng.choice([Decimal("0.1"), Decimal("10"), Decimal("0.5")])
                ).quantize(Decimal("0.01"))
                p_bad.add(sku)
            if p_after != p_before:
                p_changes.append(Change(f"product:{sku}", sku, p_before, p_after, "USD"))
            price[sku] = p_after
        s_found = {f.record.split(":", 1)[1] for f in stock_flags(s_changes, config)}
        p_found = {f.record.split(":", 1)[1] for f in price_flags(p_changes, config)}
        for found, bad, score in ((s_found, s_bad, s_score), (p_found, p_bad, p_score)):
            score.tp += len(found & bad)
            score.fp += len(found - bad)
            score.fn += len(bad - found)
            score.normal += len(stock) - len(bad)
    print(
        f"# stock and prices: {args.skus} SKUs x {args.syncs} syncs; injected stock errors "
        f"{args.stock_share:.1%}, mispricings {args.price_share:.1%} per SKU and sync"
    )
    print(s_score.line("stock").replace("normal orders", "normal SKU syncs"))
    print(p_score.line("price").replace("normal orders", "normal SKU syncs"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--customers", type=int, default=800)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--share", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--syncs", type=int, default=30)
    parser.add_argument("--stock-share", type=float, default=0.002)
    parser.add_argument("--price-share", type=float, default=0.002)
    args = parser.parse_args()
    order_report(args)
    stock_report(args)


if __name__ == "__main__":
    main()
