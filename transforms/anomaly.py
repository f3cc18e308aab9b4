"""Anomaly flags on records passing through (pure): plain rules and an unsupervised model.

**Orders** are compared with the merchant's recent normal history of the same (use case, pair):
a bounded sample of earlier orders' features (`OrderFeatures`: total, line count, units, the
largest line quantity, billing and shipping country codes, whether the customer was new; no
names, e-mails, addresses or customer ids). Where the sample comes from is the caller's business
(`flows/anomaly.py` keeps it in the state store, table ``anomaly_memory``); when it holds fewer
than `AnomalyConfig.min_history` orders, the batch being checked is added to it, so a first
backfill "fits on its window". Rules:

* ``order.total``: the total is more than `total_z` robust deviations (median and MAD of the
  log of the totals) above the merchant's median;
* ``order.lines`` / ``order.quantity``: line count / largest line quantity more than `lines_z` /
  `quantity_z` robust deviations above the median (the deviation is never taken below one);
* ``order.new_customer_total``: a customer with no earlier order in the target spends more than
  `new_customer_ratio` times the median total;
* ``order.country_mismatch``: the shipping country differs from the billing country;
* ``order.model``: scikit-learn's `IsolationForest`, fitted on the history together with the
  batch (so an order unlike any other is isolated in few splits; deterministic: the records are
  sorted and `random_state` is fixed), scores the order above both `model_threshold` and the
  score of all but the highest `model_share` of the history's own orders (the isolation score
  of Liu et al., 0-1: about 0.5 is ordinary, near 1 is isolated at once).

**Stock** (``stock.fall`` / ``stock.jump``): what a store may sell fell by at least
`stock_fall_share`, or rose by at least `stock_jump_share`, of the level the target last got
(a level under `stock_min_units` counts as that many), and by at least `stock_min_units` units.
**Prices** (``price.change``): a SKU's price moved by more than `price_share` of the price the
target last got.

Every flag names the record (``system:entity:id``), the rule, a score (0.5 at the rule's
threshold, 1.0 at twice it or beyond) and its reasons: numbers, SKUs and country codes only.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from transforms.canonical import Order, Product, StockPosition

ORDER_RULES = (
    "order.total",
    "order.lines",
    "order.quantity",
    "order.new_customer_total",
    "order.country_mismatch",
    "order.model",
)
STOCK_RULES = ("stock.jump", "stock.fall")
PRICE_RULES = ("price.change",)
RULES: dict[str, str] = {
    "order.total": "order total far above the merchant's normal",
    "order.lines": "line count far above the merchant's normal",
    "order.quantity": "a line quantity far above the merchant's normal",
    "order.new_customer_total": "a new customer with a high total",
    "order.country_mismatch": "shipping country differs from the billing country",
    "order.model": "unusual order for the merchant (IsolationForest over order features)",
    "stock.jump": "stock rose beyond the threshold since the last sync",
    "stock.fall": "stock fell beyond the threshold since the last sync",
    "price.change": "price changed by more than the configured share",
}
MAD_TO_SIGMA = 1.4826  # the MAD of a normal distribution times this is its standard deviation
LOG_SCALE_FLOOR = 0.15  # a spread of totals never counted below ~16 %
COUNT_SCALE_FLOOR = 1.0  # nor a spread of counts below one


@dataclass(frozen=True)
class AnomalyConfig:
    """Thresholds of the rules and the model (defaults measured by `bench/anomaly.py`)."""

    total_z: float = 3.0
    lines_z: float = 4.0
    quantity_z: float = 4.0
    new_customer_ratio: float = 3.0
    model_threshold: float = 0.6
    model_share: float = 0.002
    model_samples: int = 1024
    min_history: int = 30  # fewer orders of history: the batch joins it; fewer still: no stats
    history_size: int = 2000  # orders the per-pair sample keeps (the newest)
    trees: int = 200
    random_state: int = 0
    stock_fall_share: float = 0.5
    stock_jump_share: float = 2.0
    stock_min_units: Decimal = Decimal("25")
    price_share: float = 0.3
    disabled: frozenset[str] = frozenset()

    def on(self, rule: str) -> bool:
        """The rule is enabled."""
        return rule not in self.disabled


@dataclass(frozen=True)
class Flag:
    """One anomaly of one record: which rule, how strong (0-1), and why (no personal data)."""

    record: str  # system:entity:id
    rule: str
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "rule": self.rule,
            "score": self.score,
            "reasons": list(self.reasons),
        }


def _score(value: float, threshold: float) -> float:
    """0.5 at the threshold, 1.0 at twice it or beyond."""
    if threshold <= 0:
        return 1.0
    return round(min(1.0, 0.5 * value / threshold), 3)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


# -- orders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFeatures:
    """What the order checks see of one order (and what the history sample keeps)."""

    record: str
    placed_at: dt.datetime
    currency: str
    total: Decimal
    lines: int
    units: Decimal
    max_quantity: Decimal
    billing_country: str | None = None
    shipping_country: str | None = None
    new_customer: bool = False
    guest: bool = False

    @property
    def mismatch(self) -> bool:
        """Shipped to another country than the one billed."""
        b, s = self.billing_country, self.shipping_country
        return bool(b and s and b != s)

    def to_memory(self) -> dict[str, Any]:
        """Plain JSON of the features (the history sample's row; no personal data)."""
        return {
            "placed_at": self.placed_at.isoformat(),
            "currency": self.currency,
            "total": str(self.total),
            "lines": self.lines,
            "units": str(self.units),
            "max_quantity": str(self.max_quantity),
            "billing_country": self.billing_country,
            "shipping_country": self.shipping_country,
            "new_customer": self.new_customer,
            "guest": self.guest,
        }

    @classmethod
    def from_memory(cls, record: str, data: Mapping[str, Any]) -> OrderFeatures:
        return cls(
            record=record,
            placed_at=dt.datetime.fromisoformat(str(data["placed_at"])),
            currency=str(data["currency"]),
            total=Decimal(str(data["total"])),
            lines=int(data["lines"]),
            units=Decimal(str(data["units"])),
            max_quantity=Decimal(str(data["max_quantity"])),
            billing_country=data.get("billing_country"),
            shipping_country=data.get("shipping_country"),
            new_customer=bool(data.get("new_customer")),
            guest=bool(data.get("guest")),
        )


def order_features(order: Order, *, new_customer: bool = False) -> OrderFeatures:
    """The features of a canonical order (billing country: the order's, else its customer's)."""
    billing = order.billing_address or order.customer.billing_address
    shipping = order.shipping_address
    if shipping is None:
        shipping = next((s.address for s in order.shipments if s.address is not None), None)
    quantities = [ln.quantity for ln in order.lines]
    return OrderFeatures(
        record=order.ref.key,
        placed_at=order.placed_at,
        currency=order.currency,
        total=order.total.amount,
        lines=len(order.lines),
        units=sum(quantities, Decimal("0")),
        max_quantity=max(quantities, default=Decimal("0")),
        billing_country=billing.country if billing is not None else None,
        shipping_country=shipping.country if shipping is not None else None,
        new_customer=new_customer,
        guest=order.customer.is_guest,
    )


@dataclass(frozen=True)
class Robust:
    """Median and robust spread (MAD scaled to a standard deviation, with a floor)."""

    median: float
    scale: float

    @classmethod
    def of(cls, values: Sequence[float], floor: float) -> Robust:
        median = statistics.median(values)
        mad = statistics.median(abs(v - median) for v in values)
        return cls(median, max(MAD_TO_SIGMA * mad, floor))

    def z(self, value: float) -> float:
        return (value - self.median) / self.scale


def _log_total(total: Decimal) -> float:
    return math.log(max(float(total), 0.01))


@dataclass(frozen=True)
class Baseline:
    """The merchant's normal, from the history (one currency)."""

    orders: int
    total: Robust  # of log(total)
    lines: Robust
    quantity: Robust
    median_total: Decimal
    home_country: str | None

    @classmethod
    def of(cls, history: Sequence[OrderFeatures]) -> Baseline:
        countries = Counter(f.billing_country for f in history if f.billing_country)
        totals = sorted(f.total for f in history)
        return cls(
            orders=len(history),
            total=Robust.of([_log_total(f.total) for f in history], LOG_SCALE_FLOOR),
            lines=Robust.of([float(f.lines) for f in history], COUNT_SCALE_FLOOR),
            quantity=Robust.of([float(f.max_quantity) for f in history], COUNT_SCALE_FLOOR),
            median_total=Decimal(str(statistics.median(totals))).quantize(Decimal("0.01")),
            home_country=countries.most_common(1)[0][0] if countries else None,
        )


def fitting_history(
    orders: Sequence[OrderFeatures], history: Sequence[OrderFeatures], config: AnomalyConfig
) -> list[OrderFeatures]:
    """What the baseline and the model are fitted on: the history when it is large enough,
    else the history and the batch together (a first run fits on its window); sorted, so the
    same records give the same fit whatever order they were stored in."""
    pool = list(history)
    if len(pool) < config.min_history:
        seen = {f.record for f in pool}
        pool += [f for f in orders if f.record not in seen]
    return sorted(pool, key=lambda f: (f.placed_at, f.record))


def _rule_flags(f: OrderFeatures, base: Baseline, config: AnomalyConfig) -> list[Flag]:
    flags: list[Flag] = []
    cur, n = f.currency, base.orders
    history = f"history of {n} orders"
    z = base.total.z(_log_total(f.total))
    if config.on("order.total") and z > config.total_z:
        median = _money(base.median_total)
        flags.append(
            Flag(
                f.record,
                "order.total",
                _score(z, config.total_z),
                (
                    f"total {_money(f.total)} {cur} is {z:.1f} robust deviations above the "
                    f"merchant's median {median} {cur} ({history})",
                ),
            )
        )
    z = base.lines.z(float(f.lines))
    if config.on("order.lines") and z > config.lines_z:
        flags.append(
            Flag(
                f.record,
                "order.lines",
                _score(z, config.lines_z),
                (
                    f"{f.lines} lines is {z:.1f} robust deviations above the merchant's median "
                    f"of {base.lines.median:g} ({history})",
                ),
            )
        )
    z = base.quantity.z(float(f.max_quantity))
    if config.on("order.quantity") and z > config.quantity_z:
        flags.append(
            Flag(
                f.record,
                "order.quantity",
                _score(z, config.quantity_z),
                (
                    f"a line of {f.max_quantity:f} units is {z:.1f} robust deviations above the "
                    f"merchant's median largest line of {base.quantity.median:g} ({history})",
                ),
            )
        )
    if config.on("order.new_customer_total") and f.new_customer and base.median_total > 0:
        ratio = float(f.total / base.median_total)
        if ratio > config.new_customer_ratio:
            flags.append(
                Flag(
                    f.record,
                    "order.new_customer_total",
                    _score(ratio, config.new_customer_ratio),
                    (
                        f"first order of the customer in the target: total {_money(f.total)} "
                        f"{cur} is {ratio:.1f}x the merchant's median {_money(base.median_total)}",
                    ),
                )
            )
    if config.on("order.country_mismatch") and f.mismatch:
        flags.append(
            Flag(
                f.record,
                "order.country_mismatch",
                0.5,
                (f"ships to {f.shipping_country}, billed in {f.billing_country}",),
            )
        )
    return flags


FEATURES = ("log_total", "lines", "log_units", "max_quantity", "mismatch", "new", "abroad")


def _vector(f: OrderFeatures, home: str | None) -> list[float]:
    abroad = bool(home and f.billing_country and f.billing_country != home)
    return [
        math.log1p(max(float(f.total), 0.0)),
        float(f.lines),
        math.log1p(max(float(f.units), 0.0)),
        float(f.max_quantity),
        1.0 if f.mismatch else 0.0,
        1.0 if f.new_customer else 0.0,
        1.0 if abroad else 0.0,
    ]


@dataclass(frozen=True)
class ModelScores:
    """Isolation scores of a batch, and the score the history's own orders stay under."""

    scores: tuple[float, ...]
    threshold: float
    fitted_on: int


def model_scores(
    orders: Sequence[OrderFeatures], history: Sequence[OrderFeatures], config: AnomalyConfig
) -> ModelScores:
    """The isolation score (0-1, ~0.5 ordinary) of each order under an `IsolationForest`
    fitted on `history` and `orders` together, and the threshold: `model_threshold`, or the
    score only the highest `model_share` of the history exceed, whichever is higher.
    Deterministic for the same records (sorted here) and `random_state`."""
    seen = {f.record for f in history}
    pool = sorted(
        [*history, *(f for f in orders if f.record not in seen)],
        key=lambda f: (f.placed_at, f.record),
    )
    if not orders or len(pool) < config.min_history:
        return ModelScores(tuple(0.0 for _ in orders), 1.0, len(pool))
    import numpy as np
    from sklearn.ensemble import IsolationForest  # type: ignore[import-untyped]

    home = Baseline.of(pool).home_country
    forest = IsolationForest(
        n_estimators=config.trees,
        max_samples=min(config.model_samples, len(pool)),
        random_state=config.random_state,
        n_jobs=1,
    ).fit(np.array([_vector(f, home) for f in pool], dtype=float))

    def score(rows: Sequence[OrderFeatures]) -> list[float]:
        found = -forest.score_samples(np.array([_vector(f, home) for f in rows], dtype=float))
        return [round(float(v), 4) for v in found]

    own = sorted(score(history)) if history else sorted(score(pool))
    cut = own[min(len(own) - 1, math.ceil((1 - config.model_share) * (len(own) - 1)))]
    return ModelScores(tuple(score(orders)), max(config.model_threshold, cut), len(pool))


def _model_reasons(f: OrderFeatures, fit_on: Sequence[OrderFeatures]) -> tuple[str, ...]:
    """Which features lie outside what the history shows (its 1st-99th percentile)."""

    def span(values: list[float]) -> tuple[float, float]:
        values = sorted(values)
        lo = values[int(0.01 * (len(values) - 1))]
        hi = values[math.ceil(0.99 * (len(values) - 1))]
        return lo, hi

    out = []
    checks: list[tuple[str, float, list[float], str]] = [
        ("total", float(f.total), [float(h.total) for h in fit_on], _money(f.total)),
        ("line count", float(f.lines), [float(h.lines) for h in fit_on], str(f.lines)),
        ("units", float(f.units), [float(h.units) for h in fit_on], f"{f.units:f}"),
        (
            "largest line",
            float(f.max_quantity),
            [float(h.max_quantity) for h in fit_on],
            f"{f.max_quantity:f}",
        ),
    ]
    for name, value, values, shown in checks:
        lo, hi = span(values)
        if value > hi or value < lo:
            out.append(f"{name} {shown} outside the usual {lo:g}-{hi:g}")
    shares = [
        ("ships abroad of its billing country", f.mismatch, [h.mismatch for h in fit_on]),
        ("a new customer", f.new_customer, [h.new_customer for h in fit_on]),
    ]
    for name, value, seen in shares:
        share = sum(seen) / len(seen)
        if value and share < 0.2:
            out.append(f"{name} ({share:.0%} of the history)")
    return tuple(out) or ("an unusual combination of total, lines and quantities",)


def inspect_orders(
    orders: Sequence[OrderFeatures], history: Sequence[OrderFeatures], config: AnomalyConfig
) -> list[Flag]:
    """Flags of `orders` against the merchant's `history` (see the module docstring). Orders of
    another currency than the history's are compared with history of their own currency."""
    flags: list[Flag] = []
    by_currency: dict[str, list[OrderFeatures]] = {}
    for f in orders:
        by_currency.setdefault(f.currency, []).append(f)
    for currency, group in by_currency.items():
        same = [h for h in history if h.currency == currency]
        fit_on = fitting_history(group, same, config)
        model = ModelScores(tuple(0.0 for _ in group), 1.0, 0)
        if config.on("order.model"):
            model = model_scores(group, same, config)
        stats = Baseline.of(fit_on) if len(fit_on) >= config.min_history else None
        for f, score in zip(group, model.scores, strict=True):
            if stats is not None:
                flags += _rule_flags(f, stats, config)
            elif config.on("order.country_mismatch") and f.mismatch:
                flags.append(
                    Flag(
                        f.record,
                        "order.country_mismatch",
                        0.5,
                        (f"ships to {f.shipping_country}, billed in {f.billing_country}",),
                    )
                )
            if score > model.threshold:
                flags.append(
                    Flag(
                        f.record,
                        "order.model",
                        round(score, 3),
                        (
                            f"isolation score {score:.2f} above {model.threshold:.2f} "
                            f"(IsolationForest over {model.fitted_on} orders)",
                            *_model_reasons(f, fit_on),
                        ),
                    )
                )
    return flags


def first_orders(orders: Iterable[tuple[OrderFeatures, str]], known: set[str]) -> set[str]:
    """Records of the orders that are their customer's first: the customer (an opaque key, used
    here only) is not in `known` and placed no earlier order among `orders`."""
    firsts: set[str] = set()
    seen = set(known)
    for f, customer in sorted(orders, key=lambda pair: (pair[0].placed_at, pair[0].record)):
        if customer not in seen:
            firsts.add(f.record)
            seen.add(customer)
    return firsts


def admit_to_history(flags: Sequence[Flag], accepted: bool = False) -> bool:
    """Whether a loaded order joins the normal history: it raised no flag, or a person
    accepted it."""
    return accepted or not flags


# -- stock and prices -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A value of one record (a SKU's sellable stock, or its price) then and now."""

    record: str
    sku: str
    before: Decimal
    after: Decimal
    currency: str | None = None


def stock_flags(changes: Sequence[Change], config: AnomalyConfig) -> list[Flag]:
    """``stock.fall`` / ``stock.jump`` (see the module docstring)."""
    flags = []
    for c in changes:
        delta = c.after - c.before
        share = float(abs(delta) / max(abs(c.before), config.stock_min_units, Decimal("1")))
        rule, limit = (
            ("stock.jump", config.stock_jump_share)
            if delta > 0
            else ("stock.fall", config.stock_fall_share)
        )
        if abs(delta) < config.stock_min_units or share < limit or not config.on(rule):
            continue
        flags.append(
            Flag(
                c.record,
                rule,
                _score(share, limit),
                (
                    f"{c.sku}: sellable {c.before:f} -> {c.after:f} "
                    f"({'+' if delta > 0 else ''}{delta:f} units, {share:.0%} of the level the "
                    f"target last got; threshold {limit:.0%} and {config.stock_min_units:f} "
                    "units)",
                ),
            )
        )
    return flags


def price_flags(changes: Sequence[Change], config: AnomalyConfig) -> list[Flag]:
    """``price.change``, one flag per record naming each SKU beyond the share."""
    if not config.on("price.change"):
        return []
    by_record: dict[str, list[tuple[Change, float]]] = {}
    for c in changes:
        if c.before <= 0:
            continue
        share = float(abs(c.after - c.before) / c.before)
        if share > config.price_share:
            by_record.setdefault(c.record, []).append((c, share))
    flags = []
    for record, found in by_record.items():
        top = max(share for _, share in found)
        flags.append(
            Flag(
                record,
                "price.change",
                _score(top, config.price_share),
                tuple(
                    f"{c.sku}: price {_money(c.before)} -> {_money(c.after)}"
                    f"{' ' + c.currency if c.currency else ''} ({share:.0%} "
                    f"{'up' if c.after > c.before else 'down'}; threshold "
                    f"{config.price_share:.0%})"
                    for c, share in found
                ),
            )
        )
    return flags


def stock_value(position: StockPosition) -> dict[str, Any]:
    """What the stock check remembers of a position the target got."""
    return {"sku": position.sku, "sellable": f"{position.sellable:f}"}


def product_prices(product: Product) -> dict[str, Decimal]:
    """SKU -> list price of a product and its variants (a variant without a price: the
    product's)."""
    out: dict[str, Decimal] = {}
    if product.price is not None:
        out[product.sku] = product.price.amount
    for v in product.variants:
        price = v.price if v.price is not None else product.price
        if price is not None:
            out[v.sku] = price.amount
    return out


def price_value(product: Product) -> dict[str, Any]:
    """What the price check remembers of a product the target got."""
    currency = product.price.currency if product.price is not None else None
    return {
        "currency": currency,
        "prices": {sku: f"{price:f}" for sku, price in product_prices(product).items()},
    }


def stock_changes(
    positions: Sequence[StockPosition], remembered: Mapping[str, Mapping[str, Any]]
) -> list[Change]:
    """Changes of sellable stock against what was remembered per record id."""
    out = []
    for p in positions:
        before = remembered.get(p.ref.id)
        if before is None or "sellable" not in before:
            continue
        out.append(Change(p.ref.key, p.sku, Decimal(str(before["sellable"])), p.sellable))
    return out


def price_changes(
    products: Sequence[Product], remembered: Mapping[str, Mapping[str, Any]]
) -> list[Change]:
    """Changes of each SKU's price against what was remembered per product id."""
    out = []
    for p in products:
        before = remembered.get(p.ref.id)
        if before is None:
            continue
        old = {sku: Decimal(str(v)) for sku, v in (before.get("prices") or {}).items()}
        currency = p.price.currency if p.price is not None else None
        if before.get("currency") not in (None, currency):
            continue  # another currency: not comparable
        for sku, price in product_prices(p).items():
            if sku in old:
                out.append(Change(p.ref.key, sku, old[sku], price, currency))
    return out


@dataclass
class Verdict:
    """Flags per record of one batch."""

    flags: dict[str, list[Flag]] = field(default_factory=dict)

    def add(self, flags: Iterable[Flag]) -> Verdict:
        for f in flags:
            self.flags.setdefault(f.record, []).append(f)
        return self

    def all(self) -> list[Flag]:
        return [f for group in self.flags.values() for f in group]
