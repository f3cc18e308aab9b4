"""The Sage 300 GL postings transform: which payments count, day bounds, fees, rounding, balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from transforms.canonical import Order
from transforms.sage300_gl import (
    BusinessDay,
    DayTotals,
    GLError,
    account_totals,
    check_balanced,
    journal_batch,
    load_accounts,
    yesterday,
)

NY = ZoneInfo("America/New_York")
DAY = BusinessDay("shift4shop", dt.date(2026, 11, 22), NY)  # 05:00Z .. 05:00Z next day
NOON = dt.datetime(2026, 11, 22, 17, tzinfo=dt.UTC)
MAPPING: dict[str, Any] = {
    "currency": "USD",
    "accounts": {"receipts": "4000", "refunds": "4050", "fees": 6120},
    "gateways": {
        "shift4shop": {
            "1": {"name": "Shift4", "clearing": "1030", "fee_percent": 2.9, "fee_fixed": "0.30"},
            "_default": {"clearing": "1039"},
        }
    },
}


def payment(n: int, amount: str, kind: str = "sale", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ref": {"system": "shift4shop", "entity": "payment", "id": f"1001-{n}"},
        "amount": {"amount": amount, "currency": changes.pop("currency", "USD")},
        "kind": kind,
        "gateway": "1",
        "processed_at": NOON,
    }
    return data | changes


def order(*payments: dict[str, Any], oid: str = "1001", currency: str = "USD") -> Order:
    return Order.model_validate(
        {
            "ref": {"system": "shift4shop", "entity": "order", "id": oid},
            "number": oid,
            "status": "processing",
            "customer": {"ref": {"system": "shift4shop", "entity": "customer", "id": "7"}},
            "placed_at": NOON,
            "updated_at": NOON,
            "currency": currency,
            "lines": [
                {
                    "ref": {"system": "shift4shop", "entity": "order_line", "id": "1"},
                    "sku": "SB-1",
                    "quantity": "1",
                    "unit_price": {"amount": "1.00", "currency": currency},
                }
            ],
            "total": {"amount": "1.00", "currency": currency},
            "payments": list(payments),
        }
    )


def totals(*orders: Order, day: BusinessDay = DAY) -> DayTotals:
    t = DayTotals(day, load_accounts(MAPPING))
    t.add_orders(orders)
    return t


def entries(payload: dict[str, Any]) -> dict[str, list[tuple[str, Decimal]]]:
    """Entry description -> (account, amount) of each detail."""
    return {
        h["Description"]: [(d["AccountNumber"], d["Amount"]) for d in h["JournalDetails"]]
        for h in payload["JournalHeaders"]
    }


def test_sales_refunds_and_fees_make_balanced_entries_per_gateway_and_kind() -> None:
    day = totals(
        order(payment(1, "100.00"), payment(2, "40.00", "refund")),
        order(payment(3, "10.005", "capture", gateway=None), oid="1002"),
    )
    payload = journal_batch(day)
    check_balanced(payload)
    assert payload["Description"] == "storebridge shift4shop 2026-11-22"
    assert entries(payload) == {
        # fee of 100.00 at 2.9 % + 0.30 = 3.20; refunds cost none
        "shift4shop 2026-11-22 sales Shift4": [("1030", Decimal("100.00")), ("4000", -100)],
        "shift4shop 2026-11-22 refunds Shift4": [("4050", Decimal("40.00")), ("1030", -40)],
        "shift4shop 2026-11-22 fees Shift4": [
            ("6120", Decimal("3.20")),
            ("1030", Decimal("-3.20")),
        ],
        # no gateway: the store's _default (no fee); 10.005 rounds half-even to 10.00
        "shift4shop 2026-11-22 sales gateway none": [("1039", 10), ("4000", -10)],
    }
    detail = payload["JournalHeaders"][0]["JournalDetails"][0]
    assert detail["Reference"] == "storebridge:shift4shop:2026-11-22:1:sales"
    assert detail["Description"] == "sales: 1 transaction(s) via Shift4"
    details = [d for h in payload["JournalHeaders"] for d in h["JournalDetails"]]
    assert all(isinstance(d["Amount"], Decimal) for d in details)
    assert account_totals(payload) == [
        {"account": "1030", "debit": "100.00", "credit": "43.20"},
        {"account": "1039", "debit": "10.00", "credit": "0"},
        {"account": "4000", "debit": "0", "credit": "110.00"},
        {"account": "4050", "debit": "40.00", "credit": "0"},
        {"account": "6120", "debit": "3.20", "credit": "0"},
    ]


def test_fees_round_half_up_per_transaction() -> None:
    # 2.9 % of 12.50 = 0.3625 + 0.30 = 0.6625 -> 0.66; of 0.50 = 0.0145 + 0.30 = 0.3145 -> 0.31
    day = totals(order(payment(1, "12.50"), payment(2, "0.50"), payment(3, "5.00")))
    # 5.00: 0.145 + 0.30 = 0.445 -> 0.45 (half-up, not half-even's 0.44)
    fees = entries(journal_batch(day))["shift4shop 2026-11-22 fees Shift4"]
    assert fees == [("6120", Decimal("1.42")), ("1030", Decimal("-1.42"))]


def test_only_money_that_moved_counts() -> None:
    day = totals(
        order(
            payment(1, "50.00", "authorization"),
            payment(2, "50.00", "capture"),
            payment(3, "9.00", "void"),
            payment(4, "8.00", status="failed"),
            payment(5, "7.00", "refund", status="pending"),
            payment(6, "6.00", processed_at=None),
            payment(7, "0.00"),
        )
    )
    assert day.counted == 1
    assert dict(day.skipped) == {
        "authorization": 1,
        "void": 1,
        "failed sale": 1,
        "pending refund": 1,
        "no processing time": 1,
        "zero amount": 1,
    }
    assert list(entries(journal_batch(day))) == [
        "shift4shop 2026-11-22 sales Shift4",
        "shift4shop 2026-11-22 fees Shift4",
    ]


def test_day_bounds_are_the_merchants_midnights() -> None:
    nov22 = dt.datetime(2026, 11, 22, 5, tzinfo=dt.UTC)  # midnight in New York (EST)
    day = totals(
        order(
            payment(1, "1.00", processed_at=nov22 - dt.timedelta(seconds=1)),  # the 21st
            payment(2, "2.00", processed_at=nov22),
            payment(3, "4.00", processed_at=nov22 + dt.timedelta(hours=23, minutes=59)),
            payment(4, "8.00", processed_at=nov22 + dt.timedelta(days=1)),  # the 23rd
        )
    )
    assert day.tallies[("1", "sales")].amount == Decimal("6.00")
    assert day.skipped == {"another day": 2}
    # the DST day has 25 hours: 2026-11-01 runs 04:00Z (EDT) .. 05:00Z next day (EST)
    dst = BusinessDay("shift4shop", dt.date(2026, 11, 1), NY)
    assert (dst.start.hour, dst.end - dst.start) == (4, dt.timedelta(hours=25))
    late = dt.datetime(2026, 11, 2, 4, 30, tzinfo=dt.UTC)  # 23:30 EST on the 1st
    assert totals(order(payment(1, "1.00", processed_at=late)), day=dst).counted == 1
    assert yesterday(dt.datetime(2026, 11, 23, 4, 59, tzinfo=dt.UTC), NY) == dt.date(2026, 11, 21)
    assert yesterday(dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC), NY) == dt.date(2026, 11, 22)


def test_a_payment_read_twice_counts_once() -> None:
    first = order(payment(1, "10.00"))
    later = order(payment(1, "10.00"), payment(2, "10.00", "refund"))  # read again, refunded
    day = totals(first, later)
    assert (day.counted, day.skipped["read twice"]) == (2, 1)


def test_other_currencies_and_unmapped_gateways_stop_the_day_with_a_message() -> None:
    eur = order(payment(1, "10.00", currency="EUR"), currency="EUR", oid="2001")
    with pytest.raises(GLError, match=r"1 in EUR \(shift4shop:payment:1001-1\).* in USD"):
        journal_batch(totals(order(payment(2, "5.00")), eur))
    mapping = MAPPING | {"gateways": {"shift4shop": {"1": {"clearing": "1030"}}}}
    day = DayTotals(DAY, load_accounts(mapping))
    day.add_order(order(payment(1, "5.00", gateway="paypal")))
    with pytest.raises(GLError, match=r"gateway 'paypal'.*gateways\.shift4shop\.paypal"):
        journal_batch(day)
    with pytest.raises(GLError, match="nothing to post"):
        journal_batch(totals(order(payment(1, "5.00", "authorization"))))


def test_the_mapping_file_loads_and_bad_mappings_name_the_field() -> None:
    accounts = load_accounts()
    assert accounts.currency == "USD"
    assert accounts.gateway("shift4shop", "1") is not None
    unquoted = load_accounts(MAPPING | {"gateways": {"shift4shop": {1: {"clearing": 1030}}}})
    assert unquoted.gateways["shift4shop"]["1"].clearing == "1030"  # YAML `1:` is gateway "1"
    with pytest.raises(GLError, match=r"accounts\.fees: Field required"):
        load_accounts({"currency": "USD", "accounts": {"receipts": "1", "refunds": "2"}})
    with pytest.raises(GLError, match="fee_percent"):
        load_accounts(MAPPING | {"gateways": {"s": {"g": {"clearing": "1", "fee_percent": 101}}}})
