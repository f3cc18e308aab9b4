"""Converters of the mapping files: no float anywhere (`number` gives a Decimal), and floats
into money or quantities are refused with a message naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from transforms.canonical import (
    Address,
    ExternalRef,
    Money,
    Order,
    OrderLine,
    Payment,
    describe_validation_error,
)
from transforms.converters import CONVERTERS, convert
from transforms.mapping import FieldMapping, MappingError, apply

NY = {"timezone": "America/New_York"}


def pay(kind: str, amount: str, status: str = "succeeded", reference: str | None = None) -> Payment:
    return Payment(
        ref=ExternalRef(system="shift4shop", entity="payment", id=f"{kind}{amount}"),
        amount=Money(amount=Decimal(amount), currency="USD"),
        kind=kind,
        status=status,
        reference=reference,
    )


@pytest.mark.parametrize(
    ("arg", "value", "expected"),
    [
        (None, Decimal("19.995"), "20.00"),  # half-even at 2 places by default
        (None, Decimal("2.665"), "2.66"),
        ("2", "3", "3.00"),
        ("2", 7, "7.00"),
        ("6", Decimal("1.5"), "1.500000"),
        ("3", Money(amount=Decimal("0.1235"), currency="USD"), "0.124"),
        ("0", Decimal("2.5"), "2"),
    ],
)
def test_number_gives_a_rounded_decimal(arg: str | None, value: Any, expected: str) -> None:
    out = convert(f"number:{arg}" if arg else "number", value, {})
    assert type(out) is Decimal
    assert str(out) == expected


def test_number_refuses_a_float_and_the_mapping_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"19\.99 is a float"):
        convert("number", 19.99, {})
    m = FieldMapping.model_validate(
        {
            "name": "shop/product",
            "system": "shop",
            "object": "Product",
            "fields": {"Price": {"from": "price", "convert": ["number:2"]}},
        }
    )
    with pytest.raises(MappingError) as err:
        apply(m, {"price": 19.99})
    assert err.value.field == "Price"
    assert str(err.value).startswith("shop/product.Price (from price): 19.99 is a float")


def test_decimal_keeps_what_came_exactly() -> None:
    assert convert("decimal", 0.1, {}) == Decimal("0.1")  # the float's shortest text
    assert convert("decimal", "2.50", {}) == Decimal("2.50")
    assert convert("decimal", 3, {}) == Decimal(3)
    with pytest.raises(ValueError, match="True is not a number"):
        convert("decimal", True, {})


def test_payment_converters_sum_exactly() -> None:
    payments = (
        pay("authorization", "50.00"),
        pay("capture", "50.00"),
        pay("sale", "0.10"),
        pay("sale", "0.20", reference="R-2"),
        pay("refund", "10.05", reference="R-3"),
        pay("sale", "99.00", status="failed", reference="R-4"),
    )
    paid = convert("paid", payments, {})
    assert (type(paid), paid) == (Decimal, Decimal("40.25"))
    assert convert("payment_state", payments, {}) == "partially_refunded"
    assert convert("last_reference", payments, {}) == "R-3"
    assert convert("payment_state", payments[:1], {}) == "authorized"
    assert convert("payment_state", payments[:3], {}) == "paid"
    assert convert("payment_state", (pay("sale", "5"), pay("refund", "5")), {}) == "refunded"
    assert convert("payment_state", (), {}) == "unpaid"
    assert convert("paid", (), {}) == Decimal(0)


def test_no_converter_answers_a_float() -> None:
    moment = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)
    samples: dict[str, Any] = {
        "us_date": moment,
        "e164": "(212) 555-0142",
        "email": "a@example.com",
        "us_address": "1 Main St, Springfield, IL 62704",
        "money": "1.005",
        "quantity": "2",
        "negate": 1,
        "str": Decimal("1.10"),
        "strip": " a ",
        "upper": "a",
        "lower": "A",
        "truncate": "abc",
        "number": Decimal("1.005"),
        "local_date": moment,
        "iso_datetime": moment,
        "street": Address(line1="1 Main St"),
        "decimal": 1.25,
        "date_utc": "2026-11-01",
        "datetime": "2026-11-01T10:00:00.000+0000",
        "line": "a\nb",
        "html_text": "<b>x</b>",
        "paid": (pay("sale", "1.10"),),
        "payment_state": (),
        "last_reference": (),
        "join": ["a", "b"],
    }
    assert set(samples) == set(CONVERTERS)  # a new converter gets a sample here
    for name, value in samples.items():
        arg = "2" if name == "truncate" else None
        out = convert(f"{name}:{arg}" if arg else name, value, NY)
        assert not isinstance(out, float), name


def test_dates_times_and_text() -> None:
    moment = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # 01:30 EDT, the DST day
    assert convert("local_date", moment, NY) == "2026-11-01"
    assert convert("local_date", moment.replace(hour=3), NY) == "2026-10-31"
    assert convert("us_date", moment.replace(hour=3), NY) == "10/31/2026"
    assert convert("iso_datetime", moment, {}) == "2026-11-01T05:30:00Z"
    ten = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
    assert convert("datetime", "2026-11-01T10:00:00.000+0000", {}) == ten
    assert convert("datetime", "2026-11-01T10:00:00Z", {}) == ten
    assert convert("date_utc", "2026-11-01", {}) == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert convert("html_text", "<p>A&amp;B<br>  c</p>", {}) == "A&B c"
    assert convert("line", "a\n\nb", {}) == "a"
    assert convert("line:2", "a\n\nb", {}) == "b"
    assert convert("line:3", "a\nb", {}) is None
    assert convert("street", Address(line1="1 Main", line2="Apt 2"), {}) == "1 Main\nApt 2"
    assert convert("join", ["A", "", "B"], {}) == "A, B"
    assert convert("join:;", [], {}) is None
    assert convert("strip", "   ", {}) is None
    assert convert("number", None, {}) is None  # None passes through every converter
    with pytest.raises(ValueError, match="truncate needs a length"):
        convert("truncate", "abc", {})
    with pytest.raises(KeyError, match="unknown converter 'nope'; known: date_utc, datetime"):
        convert("nope", 1, {})
    with pytest.raises(ValueError, match="local_date needs a datetime"):
        convert("local_date", "2026-11-01", {})


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Money(amount=1.5, currency="USD"), "amount"),
        (
            lambda: OrderLine(
                ref=ExternalRef(system="shift4shop", entity="order_line", id="1"),
                sku="A",
                quantity=2.0,
                unit_price=Money(amount=Decimal(1), currency="USD"),
            ),
            "quantity",
        ),
    ],
)
def test_floats_into_money_and_quantities_are_refused(build: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        build()
    (error,) = err.value.errors()
    assert error["loc"] == (field,)
    assert "is a float: pass a Decimal or a string" in error["msg"]


def test_a_float_deep_in_an_order_is_named_by_its_path() -> None:
    line = {
        "ref": {"system": "shift4shop", "entity": "order_line", "id": "1"},
        "sku": "A",
        "quantity": "1",
        "unit_price": {"amount": 16.1, "currency": "USD"},
    }
    data = {
        "ref": {"system": "shift4shop", "entity": "order", "id": "9"},
        "number": "9",
        "status": "processing",
        "currency": "USD",
        "customer": {"ref": {"system": "shift4shop", "entity": "customer", "id": "1"}},
        "placed_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        "lines": [line],
        "total": {"amount": "16.10", "currency": "USD"},
    }
    with pytest.raises(ValidationError) as err:
        Order.model_validate(data)
    message = describe_validation_error(err.value, "shift4shop:order:9")
    assert message.startswith("shift4shop:order:9: lines.0.unit_price.amount: ")
    assert "16.1 is a float" in message
