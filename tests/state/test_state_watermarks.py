"""Watermarks: advanced only by an explicit commit, never backwards, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from connectors.state import StateStore, Window

STREAM = "shift4shop.orders"
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_no_watermark_until_first_commit(store: StateStore) -> None:
    assert store.get_watermark(STREAM) is None


def test_window_starts_at_initial_then_at_watermark_minus_overlap(store: StateStore) -> None:
    initial = T0 - timedelta(days=30)
    first = store.window(STREAM, overlap=timedelta(minutes=5), initial=initial, until=T0)
    assert first == Window(STREAM, since=initial, until=T0)
    store.commit_window(first, flow_run_id="run-1")

    second = store.window(
        STREAM, overlap=timedelta(minutes=5), initial=initial, until=T0 + timedelta(hours=1)
    )
    assert second.since == T0 - timedelta(minutes=5)
    assert second.until == T0 + timedelta(hours=1)


def test_window_without_commit_advances_nothing(store: StateStore) -> None:
    store.commit_watermark(STREAM, T0)

    def failing_run() -> None:
        window = store.window(
            STREAM, overlap=timedelta(0), initial=T0, until=T0 + timedelta(hours=2)
        )
        assert window.since == T0
        raise RuntimeError("load failed")

    with pytest.raises(RuntimeError, match="load failed"):
        failing_run()
    store.window(STREAM, overlap=timedelta(0), initial=T0, until=T0 + timedelta(days=1))

    assert store.get_watermark(STREAM) == T0


def test_never_moves_backwards(store: StateStore) -> None:
    assert store.commit_watermark(STREAM, T0) == T0
    assert store.commit_watermark(STREAM, T0 - timedelta(seconds=1), flow_run_id="late") == T0
    assert store.get_watermark(STREAM) == T0
    later = T0 + timedelta(microseconds=1)
    assert store.commit_watermark(STREAM, later) == later
    old_window = Window(STREAM, since=T0 - timedelta(days=2), until=T0 - timedelta(days=1))
    assert store.commit_window(old_window) == later


def test_streams_are_independent(store: StateStore) -> None:
    store.commit_watermark("a", T0)
    store.commit_watermark("b", T0 + timedelta(days=1))
    assert store.get_watermark("a") == T0
    assert store.get_watermark("b") == T0 + timedelta(days=1)


def test_naive_datetimes_are_rejected(store: StateStore) -> None:
    naive = datetime(2024, 6, 1, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.commit_watermark(STREAM, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.window(STREAM, overlap=timedelta(0), initial=naive, until=T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.window(STREAM, overlap=timedelta(0), initial=T0, until=naive)
    with pytest.raises(ValueError, match="negative"):
        store.window(STREAM, overlap=timedelta(minutes=-1), initial=T0, until=T0)
    assert store.get_watermark(STREAM) is None


def test_aware_datetimes_round_trip_as_utc(store: StateStore) -> None:
    # The PostgreSQL session runs in Asia/Kolkata (see conftest): the value must still come
    # back as UTC, to the microsecond.
    local = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=timezone(timedelta(hours=-7)))
    stored = store.commit_watermark(STREAM, local)
    fetched = store.get_watermark(STREAM)
    assert stored == fetched == local
    assert fetched is not None
    assert fetched.tzinfo == UTC
    assert (fetched.day, fetched.hour, fetched.microsecond) == (1, 6, 123456)


def test_racing_commits_keep_the_highest(store: StateStore, concurrently: Any) -> None:
    values = [T0 + timedelta(minutes=m) for m in (7, 3, 11, 5, 2, 13, 1, 9)]
    concurrently(len(values), lambda i: store.commit_watermark(STREAM, values[i]))
    assert store.get_watermark(STREAM) == max(values)
