"""The canonical model: validation names the field, money stays Decimal, times are UTC."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from transforms.canonical import (
    Customer,
    ExternalRef,
    InventoryLevel,
    Money,
    Order,
    OrderStatus,
    content_hash,
    describe_validation_error,
)

NY = dt.timezone(dt.timedelta(hours=-5))


def ref(entity: str, id_: str) -> dict[str, str]:
    return {"system": "shift4shop", "entity": entity, "id": id_}


def order_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ref": ref("order", "1001"),
        "number": "41001",
        "status": "processing",
        "customer": {"ref": ref("customer", "26"), "email": "Kira@Example.com"},
        "placed_at": dt.datetime(2026, 11, 9, 16, 39, 50, tzinfo=NY),
        "updated_at": dt.datetime(2026, 11, 10, tzinfo=dt.UTC),
        "currency": "usd",
        "lines": [
            {
                "ref": ref("order_line", "1"),
                "sku": "SB-CAP-048",
                "quantity": "2",
                "unit_price": {"amount": "16.00", "currency": "USD"},
            }
        ],
        "total": {"amount": "32.00", "currency": "USD"},
    }
    data.update(changes)
    return data


def test_valid_order_normalises_currency_email_and_utc() -> None:
    order = Order.model_validate(order_data())
    assert order.currency == "USD"
    assert order.customer.email == "kira@example.com"
    assert order.placed_at == dt.datetime(2026, 11, 9, 21, 39, 50, tzinfo=dt.UTC)
    assert order.placed_at.tzinfo == dt.UTC
    assert order.lines[0].total == Money(amount=Decimal("32.00"), currency="USD")
    assert order.status is OrderStatus.PROCESSING


def test_naive_datetime_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        Order.model_validate(order_data(updated_at=dt.datetime(2026, 11, 10)))
    assert describe_validation_error(err.value, "shift4shop:order:1001").startswith(
        "shift4shop:order:1001: updated_at:"
    )


def test_zero_quantity_names_the_line_field() -> None:
    data = order_data()
    data["lines"][0]["quantity"] = 0
    with pytest.raises(ValidationError) as err:
        Order.model_validate(data)
    message = describe_validation_error(err.value, "shift4shop:order:1001")
    assert "lines.0.quantity" in message
    assert "greater than 0" in message


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("currency", "XYZ", "currency"),
        ("lines", [], "lines"),
        ("status", "teleported", "status"),
        ("number", "", "number"),
    ],
)
def test_invalid_fields_are_named(field: str, value: Any, where: str) -> None:
    with pytest.raises(ValidationError) as err:
        Order.model_validate(order_data(**{field: value}))
    assert where in describe_validation_error(err.value, "x")


def test_mixed_currencies_are_rejected() -> None:
    data = order_data(total={"amount": "32.00", "currency": "EUR"})
    with pytest.raises(ValidationError, match="total is in EUR, the order in USD"):
        Order.model_validate(data)


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="colour"):
        Order.model_validate(order_data(colour="red"))


def test_blank_email_becomes_none_and_bad_email_is_rejected() -> None:
    assert Customer(ref=ExternalRef(**ref("customer", "0")), email="  ").email is None
    with pytest.raises(ValidationError, match="email"):
        Customer(ref=ExternalRef(**ref("customer", "0")), email="not-an-address")


def test_money_adds_only_same_currency() -> None:
    usd = Money(amount=Decimal("1.10"), currency="USD")
    assert (usd + usd).amount == Decimal("2.20")
    with pytest.raises(ValueError, match="cannot add EUR"):
        _ = usd + Money(amount=Decimal(1), currency="EUR")


def test_models_are_immutable() -> None:
    order = Order.model_validate(order_data())
    with pytest.raises(ValidationError):
        order.number = "2"  # type: ignore[misc]


def test_inventory_available_goes_negative_when_oversold() -> None:
    level = InventoryLevel(sku="A1", location="WH1", on_hand=Decimal(3), reserved=Decimal(5))
    assert level.available == Decimal(-2)  # the stock position floors what a store may sell


def test_content_hash_is_stable_and_sensitive() -> None:
    a = Order.model_validate(order_data())
    b = Order.model_validate(order_data())
    c = Order.model_validate(order_data(status="shipped"))
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(c)
    assert content_hash(a, exclude={"status"}) == content_hash(c, exclude={"status"})


def test_display_name_falls_back() -> None:
    r = ExternalRef(**ref("customer", "0"))
    assert Customer(ref=r, first_name="Ada", last_name="Ito").display_name == "Ada Ito"
    assert Customer(ref=r, company="Acme").display_name == "Acme"
    assert Customer(ref=r, email="a@b.co").display_name == "a@b.co"
    assert Customer(ref=r).display_name == "shift4shop:customer:0"
