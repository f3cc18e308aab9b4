"""The anomaly rules and the model (pure): they fire on crafted records and stay quiet on
ordinary ones; the model gives the same scores for the same records."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace
from decimal import Decimal

import pytest

from transforms.anomaly import (
    RULES,
    AnomalyConfig,
    Change,
    OrderFeatures,
    first_orders,
    inspect_orders,
    model_scores,
    order_features,
    price_changes,
    price_flags,
    price_value,
    stock_changes,
    stock_flags,
    stock_value,
)
from transforms.canonical import (
    Address,
    Customer,
    ExternalRef,
    InventoryLevel,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    StockPosition,
    Variant,
)

T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
CONFIG = AnomalyConfig()


def features(i: int, **changes: object) -> OrderFeatures:
    """An ordinary order of a merchant whose orders are 1-4 lines of 1-3 units, ~$60-300."""
    rng = random.Random(i)
    lines = rng.randint(1, 4)
    quantities = [rng.randint(1, 3) for _ in range(lines)]
    base = OrderFeatures(
        record=f"shift4shop:order:{1000 + i}",
        placed_at=T0 + dt.timedelta(hours=i),
        currency="USD",
        total=Decimal(rng.randint(4000, 30000)) / 100,
        lines=lines,
        units=Decimal(sum(quantities)),
        max_quantity=Decimal(max(quantities)),
        billing_country="US" if rng.random() > 0.1 else "CA",
        shipping_country=None,
    )
    base = replace(base, shipping_country=base.billing_country)
    return replace(base, **changes)  # type: ignore[arg-type]


HISTORY = [features(i) for i in range(400)]


def rules_of(order: OrderFeatures, history: list[OrderFeatures] = HISTORY) -> set[str]:
    return {f.rule for f in inspect_orders([order], history, CONFIG)}


def test_ordinary_orders_raise_no_flag() -> None:
    fresh = [features(1000 + i) for i in range(200)]
    flags = inspect_orders(fresh, HISTORY, CONFIG)
    assert len({f.record for f in flags}) <= 1  # at most the model's share of the history


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"total": Decimal("4800.00")}, "order.total"),
        ({"lines": 15, "units": Decimal("20")}, "order.lines"),
        ({"max_quantity": Decimal("40"), "units": Decimal("41")}, "order.quantity"),
        ({"new_customer": True, "total": Decimal("900.00")}, "order.new_customer_total"),
        ({"shipping_country": "NG"}, "order.country_mismatch"),
    ],
)
def test_each_rule_fires_on_its_anomaly(changes: dict[str, object], rule: str) -> None:
    order = features(5000, **changes)
    assert rule in rules_of(order)
    assert rules_of(features(5000)) == set()  # the same order without the anomaly


def test_a_new_customer_with_an_ordinary_total_and_an_old_one_with_a_high_one_pass() -> None:
    assert "order.new_customer_total" not in rules_of(features(5000, new_customer=True))
    assert "order.new_customer_total" not in rules_of(features(5000, total=Decimal("900.00")))


def test_flags_carry_a_score_and_reasons_without_personal_data() -> None:
    order = features(5000, total=Decimal("4800.00"), shipping_country="NG")
    flags = inspect_orders([order], HISTORY, CONFIG)
    assert {f.record for f in flags} == {"shift4shop:order:6000"}
    for f in flags:
        assert f.rule in RULES
        assert 0.5 <= f.score <= 1.0
        assert f.reasons
    total = next(f for f in flags if f.rule == "order.total")
    assert "4,800.00 USD" in total.reasons[0]
    assert "robust deviations above the merchant's median" in total.reasons[0]
    assert next(f for f in flags if f.rule == "order.country_mismatch").reasons == (
        "ships to NG, billed in US",
    )
    json.dumps([f.as_dict() for f in flags])  # plain JSON


def test_disabled_rules_do_not_fire() -> None:
    order = features(5000, total=Decimal("4800.00"))
    quiet = AnomalyConfig(disabled=frozenset({"order.total", "order.model"}))
    assert {f.rule for f in inspect_orders([order], HISTORY, quiet)} == set()


def test_the_model_flags_an_unusual_combination_the_rules_let_pass() -> None:
    # each value under its rule's threshold, together unlike any order of the history
    order = features(
        5000,
        lines=7,
        units=Decimal("38"),
        max_quantity=Decimal("6"),
        total=Decimal("650.00"),
        billing_country="CA",
        shipping_country="CA",
    )
    assert rules_of(order) == {"order.model"}
    model = next(f for f in inspect_orders([order], HISTORY, CONFIG))
    assert model.reasons[0].startswith("isolation score")
    assert any("line count 7 outside the usual" in r for r in model.reasons)


def test_the_model_is_deterministic() -> None:
    batch = [features(5000 + i) for i in range(20)] + [features(6000, lines=9)]
    first = model_scores(batch, HISTORY, CONFIG)
    again = model_scores(batch, list(reversed(HISTORY)), CONFIG)  # stored in another order
    assert first == again
    assert first.scores[-1] == max(first.scores)
    other_seed = model_scores(batch, HISTORY, replace(CONFIG, random_state=1))
    assert other_seed.scores != first.scores  # the seed is what makes it repeatable


def test_a_first_run_without_history_fits_on_its_window() -> None:
    window = [features(i) for i in range(100)] + [features(7000, total=Decimal("5200.00"))]
    flags = inspect_orders(window, [], CONFIG)
    assert "shift4shop:order:8000" in {f.record for f in flags if f.rule == "order.total"}
    tiny = inspect_orders([*window[:5], features(7001, shipping_country="NG")], [], CONFIG)
    assert {f.rule for f in tiny} == {"order.country_mismatch"}  # too little for statistics


def test_features_of_a_canonical_order_hold_no_personal_data() -> None:
    ref = ExternalRef(system="shift4shop", entity="order", id="1072")
    home = Address(first_name="Ada", line1="1 Oak St", city="Austin", country="US")
    abroad = Address(first_name="Ada", line1="9 Rue X", city="Lyon", country="FR")
    usd = Money(amount=Decimal("19.99"), currency="USD")
    order = Order(
        ref=ref,
        number="1072",
        status=OrderStatus.PROCESSING,
        customer=Customer(
            ref=ExternalRef(system="shift4shop", entity="customer", id="4242"),
            email="ada@example.com",
        ),
        placed_at=T0,
        updated_at=T0,
        currency="USD",
        lines=tuple(
            OrderLine(
                ref=ExternalRef(system="shift4shop", entity="order", id=f"1072-{i}"),
                sku="SB-TEE-001",
                quantity=Decimal(q),
                unit_price=usd,
            )
            for i, q in enumerate((2, 5))
        ),
        billing_address=home,
        shipping_address=abroad,
        total=Money(amount=Decimal("139.93"), currency="USD"),
    )
    f = order_features(order, new_customer=True)
    assert (f.lines, f.units, f.max_quantity, f.mismatch) == (2, Decimal(7), Decimal(5), True)
    stored = json.dumps(f.to_memory())
    for personal in ("Ada", "Oak", "Austin", "Lyon", "example.com", "4242"):
        assert personal not in stored
    assert OrderFeatures.from_memory(f.record, json.loads(stored)) == f


def test_first_orders_are_the_earliest_of_customers_the_target_does_not_know() -> None:
    a1, a2 = features(1), features(2)
    b1 = features(3)
    firsts = first_orders([(a2, "c:a"), (b1, "c:b"), (a1, "c:a")], known={"c:b"})
    assert firsts == {a1.record}


def position(sku: str, on_hand: int) -> StockPosition:
    return StockPosition(
        ref=ExternalRef(system="salesforce", entity="inventory", id=sku),
        sku=sku,
        levels=(InventoryLevel(sku=sku, location="MAIN", on_hand=Decimal(on_hand)),),
    )


def test_stock_rules_fire_on_a_fall_and_a_jump_beyond_the_thresholds() -> None:
    before = {
        sku: stock_value(position(sku, level))
        for sku, level in {"A": 120, "B": 120, "C": 10, "D": 30, "E": 50}.items()
    }
    now = [position("A", 0), position("B", 100), position("C", 30), position("D", 200)]
    now += [position("E", 49), position("NEW", 5000)]
    flags = {f.record: f for f in stock_flags(stock_changes(now, before), CONFIG)}
    assert {r: f.rule for r, f in flags.items()} == {
        "salesforce:inventory:A": "stock.fall",  # 120 -> 0
        "salesforce:inventory:D": "stock.jump",  # 30 -> 200
    }
    # B: -20 units (< 25); C: +20 units (a restock of a low item); E: -1; NEW: first seen
    assert "A: sellable 120 -> 0 (-120 units, 100%" in flags["salesforce:inventory:A"].reasons[0]


def product(price: str, variants: dict[str, str] | None = None) -> Product:
    usd = "USD"
    return Product(
        ref=ExternalRef(system="salesforce", entity="product", id="01tA"),
        sku="SB-TEE-001",
        name="Tee",
        price=Money(amount=Decimal(price), currency=usd),
        variants=tuple(
            Variant(
                ref=ExternalRef(system="salesforce", entity="product", id=f"01tA-{sku}"),
                sku=sku,
                price=Money(amount=Decimal(p), currency=usd),
            )
            for sku, p in (variants or {}).items()
        ),
    )


def test_price_rule_fires_beyond_the_share_naming_each_sku() -> None:
    before = {"01tA": price_value(product("20.00", {"SB-TEE-001-XL": "22.00"}))}
    quiet = product("22.00", {"SB-TEE-001-XL": "24.00"})  # +10 %
    assert price_flags(price_changes([quiet], before), CONFIG) == []
    loud = product("2.00", {"SB-TEE-001-XL": "24.00"})  # a misplaced decimal point
    (flag,) = price_flags(price_changes([loud], before), CONFIG)
    assert (flag.record, flag.rule, flag.score) == ("salesforce:product:01tA", "price.change", 1.0)
    assert flag.reasons == ("SB-TEE-001: price 20.00 -> 2.00 USD (90% down; threshold 30%)",)


def test_a_change_of_currency_is_not_a_price_change() -> None:
    before = {"01tA": {"currency": "CAD", "prices": {"SB-TEE-001": "20.00"}}}
    assert price_changes([product("2.00")], before) == []
    assert stock_flags([Change("r", "S", Decimal(0), Decimal(0))], CONFIG) == []
