"""`connectors.http.jsonx`: JSON bodies with exact decimals (money and quantities never floats)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from connectors.http import jsonx


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.10"), "12.10"),
        (Decimal("0.1") + Decimal("0.2"), "0.3"),
        (Decimal("-3.500"), "-3.500"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("123456789012345678.123456"), "123456789012345678.123456"),
        (Decimal(7), "7"),
    ],
)
def test_decimals_are_written_with_their_own_digits(value: Decimal, text: str) -> None:
    assert jsonx.dumps(value) == text
    assert jsonx.dumps({"amount": value}) == f'{{"amount": {text}}}'


def test_nested_payloads_round_trip_exactly() -> None:
    payload: dict[str, Any] = {
        "records": [{"UnitPrice": Decimal("19.99"), "Quantity": Decimal("2.000000")}],
        "Name": "Café 12.10",  # digits inside text stay text
        "Active": True,
        "Parent": None,
        "Count": 3,
    }
    text = jsonx.dumps(payload)
    assert '"UnitPrice": 19.99' in text
    assert '"Quantity": 2.000000' in text
    assert json.loads(text, parse_float=Decimal) == payload
    assert "Café" in text  # not escaped


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")]
)
def test_nan_and_infinities_are_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        jsonx.dumps({"amount": value})


def test_float_nan_is_refused_too() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        jsonx.dumps({"amount": float("nan")})


def test_dates_become_iso_text_and_other_objects_are_refused() -> None:
    moment = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    assert jsonx.dumps({"at": moment, "day": moment.date()}) == (
        '{"at": "2026-11-23T01:00:00+00:00", "day": "2026-11-23"}'
    )
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        jsonx.dumps({"tags": {"a"}})
