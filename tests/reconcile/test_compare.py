"""The reconcile comparisons and window rules, on small hand-made frames (no sandbox)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd  # type: ignore[import-untyped]

from flows.reconcile import READERS, compare, reader_class
from flows.reconcile.flow import window
from flows.reconcile.readers import local_days
from flows.reconcile.run import previous_day
from flows.registry import SYSTEMS

D = Decimal


def store(*rows: tuple[str, int, str, str | None]) -> pd.DataFrame:
    return compare.frame(
        (
            {"order_id": i, "number": f"N{i}", "lines": n, "total": D(t), "paid": p and D(p)}
            for i, n, t, p in rows
        ),
        compare.STORE_COLUMNS,
    )


def held(*rows: tuple[str, int, str, str | None]) -> pd.DataFrame:
    return compare.frame(
        (
            {
                "order_id": i,
                "target_id": f"T{i}",
                "target_number": f"B{i}",
                "lines": n,
                "total": D(t),
                "paid": p and D(p),
            }
            for i, n, t, p in rows
        ),
        compare.HELD_COLUMNS,
    )


def kinds(diff: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(diff["kind"], diff["record"], strict=True))


def test_equal_sides_have_no_difference() -> None:
    diff, counts = compare.order_differences(
        store(("1", 2, "10.00", "10.00")), held(("1", 2, "10.00", "10.00")), store_system="s"
    )
    assert diff.empty
    assert counts == {"known": 0, "unreadable_held": 0, "matched": 1}
    assert compare.counts(diff) == dict.fromkeys(compare.KINDS, 0)


def test_each_kind_of_order_difference_is_named_with_both_figures() -> None:
    diff, counts = compare.order_differences(
        store(
            ("1", 2, "10.00", "10.00"),  # total differs
            ("2", 3, "5.00", "5.00"),  # a line fewer in the back office
            ("3", 1, "7.50", "7.50"),  # paid differs
            ("4", 1, "1.00", None),  # missing in the back office
            ("5", 1, "2.00", None),  # missing, but dead-lettered: known
        ),
        held(
            ("1", 2, "12.00", "10.00"),
            ("2", 2, "5.00", "5.00"),
            ("3", 1, "7.50", "0.00"),
        ),
        store_system="s",
        total_basis="order",
        paid_basis="receipts",
        known=["5"],
        gone=held(("9", 1, "3.00", None)),
    )
    assert kinds(diff) == [
        ("missing_in_back_office", "s:order:4"),
        ("missing_in_store", "s:order:9"),
        ("total", "s:order:1"),
        ("lines", "s:order:2"),
        ("paid", "s:order:3"),
    ]
    by_kind = {k: row for k, row in zip(diff["kind"], diff.to_dict("records"), strict=True)}
    assert by_kind["total"]["store"] == D("10.00")
    assert by_kind["total"]["back_office"] == D("12.00")
    assert by_kind["total"]["delta"] == D("-2.00")
    assert by_kind["total"]["note"] == "another total (order basis)"
    assert by_kind["lines"]["delta"] == 1
    assert by_kind["paid"]["delta"] == D("7.50")
    assert by_kind["missing_in_back_office"]["target_id"] is None
    assert by_kind["missing_in_store"]["target_number"] == "B9"
    assert counts["known"] == 1
    assert compare.counts(diff)["stock"] == 0


def test_unreadable_store_orders_count_only_when_nobody_knows_them() -> None:
    diff, counts = compare.order_differences(
        store(),
        held(("7", 1, "1.00", None)),
        store_system="s",
        unreadable=["7", "8", "9"],  # 7 is held, 8 dead-lettered, 9 neither
        known=["8"],
    )
    assert kinds(diff) == [("missing_in_back_office", "s:order:9")]
    assert "unreadable in the store" in diff["note"][0]
    assert counts == {"known": 1, "unreadable_held": 1, "matched": 0}


def test_a_back_office_without_amounts_paid_is_not_compared_on_them() -> None:
    diff, _ = compare.order_differences(
        store(("1", 1, "3.00", "3.00")), held(("1", 1, "3.00", None)), store_system="s"
    )
    assert diff.empty


def test_stock_drift_beyond_zero_by_sku_ignoring_case() -> None:
    diff, counts = compare.stock_differences(
        {"SB-1": D(5), "sb-2": D(3), "SB-STORE-ONLY": D(1)},
        {"SB-1": D(5), "SB-2": D(2), "SB-OFFICE-ONLY": D(9)},
    )
    assert kinds(diff) == [("stock", "sb-2")]
    assert diff["delta"][0] == D(1)
    assert counts == {"skus_compared": 2, "store_only_skus": 1, "office_only_skus": 1}


def test_combined_differences_follow_the_kinds_order() -> None:
    stock, _ = compare.stock_differences({"A": D(1)}, {"A": D(2)})
    orders, _ = compare.order_differences(store(("1", 1, "1.00", None)), held(), store_system="s")
    assert list(compare.combine(stock, orders)["kind"]) == ["missing_in_back_office", "stock"]


def test_the_default_window_is_the_previous_day_in_the_store_zone() -> None:
    now = dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC)  # 2026-11-22 20:00 in New York
    since, until = previous_day(now, "America/New_York")
    assert (since, until) == (
        dt.datetime(2026, 11, 21, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 22, 5, tzinfo=dt.UTC),
    )
    assert window("shift4shop", None, until, now) == (until - dt.timedelta(days=1), until)
    assert window("shift4shop", since, None, now) == (since, now)


def test_back_office_days_are_widened_by_one_on_each_side() -> None:
    since = dt.datetime(2026, 11, 21, 5, tzinfo=dt.UTC)
    until = dt.datetime(2026, 11, 22, 5, tzinfo=dt.UTC)
    assert local_days(since, until, "America/New_York") == (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 22),
    )


def test_each_reader_is_a_registered_system_s() -> None:
    assert set(READERS) <= set(SYSTEMS)
    for slug in READERS:
        assert reader_class(slug).system == slug
