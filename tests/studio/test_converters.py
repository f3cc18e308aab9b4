"""The normalisation converters: phone numbers to E.164 (phonenumbers), e-mail syntax and
normalisation (email-validator, no DNS), US single-line addresses to parts (usaddress), and
Decimal-safe money and quantities. Messages never repeat the personal value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from transforms.canonical import Money
from transforms.converters import CONVERTERS, SIGNATURES, convert
from transforms.mapping import FieldMapping, MappingError, apply


def test_every_converter_says_what_it_takes_and_gives() -> None:
    assert set(SIGNATURES) == set(CONVERTERS)


@pytest.mark.parametrize(
    ("step", "value", "ctx", "expected"),
    [
        ("e164", "(212) 555-0142", {}, "+12125550142"),
        ("e164", "212.555.0142 ext. 7", {}, "+12125550142"),
        ("e164:GB", "020 7946 0958", {}, "+442079460958"),
        ("e164", "020 7946 0958", {"phone_region": "GB"}, "+442079460958"),
        ("e164:US", "+49 30 901820", {}, "+4930901820"),
        ("e164", "(555) 010-0142", {}, "+15550100142"),  # fictional: possible, not assigned
    ],
)
def test_e164(step: str, value: str, ctx: dict[str, Any], expected: str) -> None:
    assert convert(step, value, ctx) == expected


@pytest.mark.parametrize("value", ["call me maybe", "12", "+1 555 0100 0100 0100 01"])
def test_e164_refuses_what_is_no_number(value: str) -> None:
    with pytest.raises(ValueError, match="phone number") as err:
        convert("e164", value, {})
    assert value not in str(err.value)


def test_e164_strict_and_regions() -> None:
    assert convert("e164:US:strict", "(212) 555-0142", {}) == "+12125550142"
    with pytest.raises(ValueError, match="not an assigned"):
        convert("e164:US:strict", "(555) 010-0142", {})
    with pytest.raises(ValueError, match="region"):
        convert("e164:XX", "020 7946 0958", {})


def test_email() -> None:
    assert convert("email", "  John.Doe@EXAMPLE.COM ", {}) == "John.Doe@example.com"
    assert convert("email:lower", "John.Doe@EXAMPLE.COM", {}) == "john.doe@example.com"
    assert convert("email", "ana@bücher.example", {}) == "ana@bücher.example"
    assert convert("email", "   ", {}) is None
    for bad in ("no-at-sign.example.com", "two@@example.com", "a@b", "spa ce@example.com"):
        with pytest.raises(ValueError, match="not an e-mail address") as err:
            convert("email", bad, {})
        assert bad not in str(err.value)


def test_email_checks_no_dns() -> None:
    # a domain that does not exist passes: only the syntax is checked (no network, ever)
    assert convert("email", "x@no-such-domain-q7z.com", {}) == "x@no-such-domain-q7z.com"


def test_us_address() -> None:
    text = "1600 Pennsylvania Ave NW Ste 200, Washington, DC 20500-0003"
    assert convert("us_address", text, {}) == {
        "line1": "1600 Pennsylvania Ave NW",
        "line2": "Ste 200",
        "city": "Washington",
        "region": "DC",
        "postal_code": "20500-0003",
        "country": "US",
    }
    assert convert("us_address:city", "PO Box 123, Austin, TX 78701", {}) == "Austin"
    assert convert("us_address:line1", "PO Box 123, Austin, TX 78701", {}) == "PO Box 123"
    with pytest.raises(ValueError, match="no part"):
        convert("us_address:street", text, {})


def test_us_address_in_a_mapping() -> None:
    m = FieldMapping.model_validate(
        {
            "system": "sage300",
            "object": "ARCustomers",
            "fields": {
                "AddressLine1": {"from": "street", "convert": ["us_address:line1"]},
                "City": {"from": "street", "convert": ["us_address:city"]},
                "StateProvince": {"from": "street", "convert": ["us_address:region"]},
                "ZipPostalCode": {"from": "street", "convert": ["us_address:postal_code"]},
            },
        }
    )
    payload = apply(m, {"street": "42 Elm Street Apt 3, Springfield, IL 62704"})
    assert payload == {
        "AddressLine1": "42 Elm Street",
        "City": "Springfield",
        "StateProvince": "IL",
        "ZipPostalCode": "62704",
    }


@pytest.mark.parametrize(
    ("step", "value", "expected"),
    [
        ("money", "$1,234.505", Decimal("1234.51")),  # half-up
        ("money", "1.234,50 EUR", Decimal("1234.50")),
        ("money", "(12.00)", Decimal("-12.00")),
        ("money", "1,234", Decimal("1234.00")),
        ("money", "12,5", Decimal("12.50")),
        ("money:0", Decimal("2.5"), Decimal("3")),
        ("money:3", 7, Decimal("7.000")),
        ("money", Money(amount=Decimal("19.999"), currency="USD"), Decimal("20.00")),
        ("quantity", "2", Decimal("2")),
        ("quantity:4", "1.5", Decimal("1.5000")),
        ("quantity:2", Decimal("3.10"), Decimal("3.10")),
    ],
)
def test_decimal_safe_amounts(step: str, value: Any, expected: Decimal) -> None:
    got = convert(step, value, {})
    assert isinstance(got, Decimal)
    assert got == expected
    assert str(got) == str(expected)


@pytest.mark.parametrize("step", ["money", "quantity"])
def test_floats_are_refused(step: str) -> None:
    with pytest.raises(ValueError, match="float"):
        convert(step, 1.1, {})


def test_quantities_never_lose_digits() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        convert("quantity:2", "1.005", {})
    for bad in ("abc", "NaN", True):
        with pytest.raises(ValueError, match="not"):
            convert("quantity", bad, {})


def test_a_failing_converter_names_the_field() -> None:
    m = FieldMapping.model_validate(
        {
            "system": "salesforce",
            "object": "Contact",
            "fields": {"Phone": {"from": "phone", "convert": ["e164"]}},
        }
    )
    with pytest.raises(MappingError, match=r"Contact\.Phone \(from phone\): not a phone"):
        apply(m, {"phone": "call me"})
