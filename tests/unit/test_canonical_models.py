"""Canonical models of every use case: what a store may sell, products and their variants,
entities in references, payments, shipments, refunds and returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from transforms.canonical import (
    Entity,
    ExternalRef,
    Fulfillment,
    InventoryLevel,
    Money,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
    Product,
    Refund,
    Return,
    ReturnLine,
    Shipment,
    StockPosition,
    Variant,
)

EST = dt.timezone(dt.timedelta(hours=-5))


def ref(entity: str, rid: str, system: str = "salesforce") -> ExternalRef:
    return ExternalRef.model_validate({"system": system, "entity": entity, "id": rid})


def position(levels: list[tuple[str, str, str]], safety: str = "0") -> StockPosition:
    return StockPosition(
        ref=ref("inventory", "01t1"),
        sku="SB-CAP-048",
        levels=tuple(
            InventoryLevel(
                sku="SB-CAP-048", location=loc, on_hand=Decimal(on_hand), reserved=Decimal(reserved)
            )
            for loc, on_hand, reserved in levels
        ),
        safety_stock=Decimal(safety),
    )


@pytest.mark.parametrize(
    ("levels", "safety", "sellable"),
    [
        ([("MAIN", "10", "2"), ("EAST", "5", "0")], "3", "10"),  # 8 + 5 - 3
        ([("MAIN", "7.9", "0")], "0", "7"),  # whole units, rounded down
        ([("MAIN", "10", "12"), ("EAST", "4", "0")], "0", "2"),  # an oversold level counts
        ([("MAIN", "2", "0")], "5", "0"),  # never below zero
        ([("MAIN", "-3", "0")], "0", "0"),
        ([], "0", "0"),
    ],
)
def test_sellable_is_the_levels_minus_safety_stock_floored_at_zero(
    levels: list[tuple[str, str, str]], safety: str, sellable: str
) -> None:
    result = position(levels, safety).sellable
    assert result == Decimal(sellable)
    assert result == result.to_integral_value()


def test_a_location_counts_once() -> None:
    with pytest.raises(ValidationError, match="a location appears twice"):
        position([("MAIN", "1", "0"), ("MAIN", "2", "0")])


def variant(sku: str, rid: str) -> Variant:
    return Variant(ref=ref("variant", rid), sku=sku)


def test_variant_skus_are_unique_within_a_product() -> None:
    good = Product(
        ref=ref("product", "01t1"),
        sku="SB-TEE",
        name="Tee",
        variants=(variant("SB-TEE-XS", "1"), variant("SB-TEE-M", "2")),
    )
    assert [v.sku for v in good.variants] == ["SB-TEE-XS", "SB-TEE-M"]
    with pytest.raises(ValidationError, match="variants: SKU 'sb-tee-xs' appears more than once"):
        Product(
            ref=ref("product", "01t1"),
            sku="SB-TEE",
            name="Tee",
            variants=(variant("SB-TEE-XS", "1"), variant("sb-tee-xs", "2")),
        )


def test_external_refs_carry_an_entity() -> None:
    r = ExternalRef(system="shift4shop", entity="order_line", id="1001-1")
    assert r.entity is Entity.ORDER_LINE
    assert r.key == "shift4shop:order_line:1001-1"
    assert r.model_dump(mode="json") == {
        "system": "shift4shop",
        "entity": "order_line",
        "id": "1001-1",
    }
    assert ExternalRef(system="shift4shop", entity=Entity.ORDER, id="1") == ref(
        "order", "1", "shift4shop"
    )
    with pytest.raises(ValidationError, match="entity"):
        ExternalRef(system="shift4shop", entity="item_location", id="1")
    with pytest.raises(ValidationError, match="system"):
        ExternalRef(system="3dcart", entity="order", id="1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="id"):
        ExternalRef(system="shift4shop", entity="order", id="")


def test_payments_default_to_a_succeeded_sale() -> None:
    p = Payment(
        ref=ref("payment", "1", "shift4shop"), amount=Money(amount=Decimal("5.00"), currency="usd")
    )
    assert (p.kind, p.status, p.amount.currency) == (
        PaymentKind.SALE,
        PaymentStatus.SUCCEEDED,
        "USD",
    )
    assert {k.value for k in PaymentKind} == {"authorization", "capture", "sale", "refund", "void"}
    with pytest.raises(ValidationError, match="kind"):
        Payment(ref=p.ref, amount=p.amount, kind="chargeback")


def test_shipments_lines_and_tracking() -> None:
    s = Shipment.model_validate(
        {
            "ref": ref("shipment", "1001-1", "shift4shop"),
            "service": "UPS Ground",
            "lines": [{"sku": "SB-CAP-048", "quantity": "2"}],
        }
    )
    assert s.method == "UPS Ground"
    assert s.lines[0].quantity == Decimal(2)
    with pytest.raises(ValidationError, match="tracking_number"):
        Shipment(ref=s.ref, tracking_number="1" * 101)
    with pytest.raises(ValidationError, match=r"lines\.0\.quantity"):
        Shipment.model_validate({"ref": s.ref, "lines": [{"sku": "A", "quantity": "0"}]})


def test_refunds_and_returns_name_their_order() -> None:
    order = ref("order", "1001", "shift4shop")
    refund = Refund(
        ref=ref("refund", "R1", "shift4shop"),
        order=order,
        amount=Money(amount=Decimal("10.05"), currency="USD"),
        lines=(ReturnLine(sku="SB-CAP-048", quantity=Decimal(1)),),
        created_at=dt.datetime(2026, 11, 2, 9, tzinfo=EST),
    )
    assert refund.created_at == dt.datetime(2026, 11, 2, 14, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="lines"):
        Return(ref=ref("return", "RMA1", "shift4shop"), order=order)  # type: ignore[call-arg]
    ret = Return(
        ref=ref("return", "RMA1", "shift4shop"),
        order=order,
        lines=(ReturnLine(sku="SB-CAP-048", quantity=Decimal(1)),),
        reason="too small",
    )
    assert ret.order.key == "shift4shop:order:1001"


def test_fulfillment_status_is_optional() -> None:
    data: dict[str, Any] = {
        "ref": ref("fulfillment", "801A"),
        "order": ref("order", "1001", "shift4shop"),
    }
    assert Fulfillment.model_validate(data).status is None
    assert Fulfillment.model_validate({**data, "status": "shipped"}).status is OrderStatus.SHIPPED
