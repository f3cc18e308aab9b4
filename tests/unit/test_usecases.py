"""Use-case declarations: stream keys, settings per use case, and the admission hook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.http.errors import ConfigError
from flows.usecases import (
    CUSTOMERS,
    ORDER_TO_CASH,
    USE_CASES,
    parse_stream,
    placed_orders_only,
    use_case,
)
from transforms.canonical import Order


@pytest.fixture(autouse=True)
def _no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read `.env` of the working directory: run where there is none."""
    monkeypatch.chdir(tmp_path)
    for name in ("BATCH_SIZE", "OVERLAP_MINUTES", "INITIAL_LOOKBACK_DAYS", "INBOX_CLAIM_LIMIT"):
        for prefix in ("STOREBRIDGE_SYNC_", ORDER_TO_CASH.env_prefix, CUSTOMERS.env_prefix):
            monkeypatch.delenv(prefix + name, raising=False)


def test_stream_keys_parse_back() -> None:
    for u in USE_CASES.values():
        key = u.stream("shift4shop", "salesforce")
        assert parse_stream(key) == (u, "shift4shop", "salesforce")
    assert ORDER_TO_CASH.stream("a", "b") == "order-to-cash:a->b"


@pytest.mark.parametrize(
    "stream",
    ["nope:a->b", "order-to-cash:a", "order-to-cash", "order-to-cash:->b", "order-to-cash:a->", ""],
)
def test_a_bad_stream_key_is_refused(stream: str) -> None:
    with pytest.raises(ValueError, match="is not a use-case pair key"):
        parse_stream(stream)


def test_an_unknown_use_case_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown use case 'refunds'; known: order-to-cash, "):
        use_case("refunds")
    assert use_case("customers") is CUSTOMERS


def test_settings_come_from_the_use_case_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ORDER_TO_CASH.env_prefix == "STOREBRIDGE_ORDER_TO_CASH_"
    monkeypatch.setenv("STOREBRIDGE_ORDER_TO_CASH_BATCH_SIZE", "50")
    monkeypatch.setenv("STOREBRIDGE_ORDER_TO_CASH_OVERLAP_MINUTES", "2.5")
    monkeypatch.setenv("STOREBRIDGE_SYNC_INBOX_CLAIM_LIMIT", "7")  # the class prefix: unused
    monkeypatch.setenv("STOREBRIDGE_CUSTOMERS_BATCH_SIZE", "9")
    settings = ORDER_TO_CASH.settings()
    assert (settings.batch_size, settings.overlap_minutes, settings.inbox_claim_limit) == (
        50,
        2.5,
        1000,
    )
    assert CUSTOMERS.settings().batch_size == 9
    assert ORDER_TO_CASH.lookback(settings) == dt.timedelta(days=7)


def test_a_bad_setting_names_the_use_case_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREBRIDGE_ORDER_TO_CASH_BATCH_SIZE", "-1")
    with pytest.raises(ConfigError) as err:
        ORDER_TO_CASH.settings()
    assert "STOREBRIDGE_ORDER_TO_CASH_BATCH_SIZE" in str(err.value), str(err.value)


def order(status: str, source_status: str | None = None) -> Order:
    return Order.model_validate(
        {
            "ref": {"system": "shift4shop", "entity": "order", "id": "1290"},
            "number": "1290",
            "status": status,
            "source_status": source_status,
            "currency": "USD",
            "customer": {"ref": {"system": "shift4shop", "entity": "customer", "id": "1"}},
            "placed_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            "updated_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            "lines": [
                {
                    "ref": {"system": "shift4shop", "entity": "order_line", "id": "1"},
                    "sku": "A",
                    "quantity": "1",
                    "unit_price": {"amount": Decimal("1.00"), "currency": "USD"},
                }
            ],
            "total": {"amount": Decimal("1.00"), "currency": "USD"},
        }
    )


def test_abandoned_checkouts_are_not_admitted() -> None:
    assert ORDER_TO_CASH.admit is placed_orders_only
    reason = placed_orders_only(order("abandoned", "Not Completed"))
    assert reason == "shift4shop:order:1290: abandoned checkout (Not Completed)"
    assert placed_orders_only(order("abandoned")) == (
        "shift4shop:order:1290: abandoned checkout (not completed)"
    )
    assert placed_orders_only(order("processing")) is None
    assert CUSTOMERS.admit(order("abandoned")) is None  # other use cases admit everything


def test_declarations_are_consistent() -> None:
    for name, u in USE_CASES.items():
        assert u.name == name
        assert u.batch_size > 0
        assert set(u.defaults) == {"source", "target"}
        module, _, function = u.flow.partition(":")
        assert module.startswith("flows.")
        assert function
    assert ORDER_TO_CASH.topics == ("order",)
