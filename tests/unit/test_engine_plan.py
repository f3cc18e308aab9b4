"""The engine's planning and reading: `make_plan` (incremental, window, ids, inbox), `read`,
`decode` (bad rows become failures naming the record; `admit` on every read path), `batches`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.clock import utcnow
from connectors.records import Failure, Page
from connectors.state import InboxStatus, StateStore
from flows import engine
from flows.usecases import CUSTOMERS, ORDER_TO_CASH
from tests.conftest import ANCHOR
from tests.unit.engine_fakes import NOW, FakeSource, RawOrder, new_store, order_row, settings

PAIR = {"source": "shift4shop", "target": "salesforce"}
STREAM = "order-to-cash:shift4shop->salesforce"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    monkeypatch.chdir(tmp_path)  # settings read `.env` of the working directory
    store = new_store(tmp_path)
    yield store
    store.dispose()


def plan(state: StateStore, **options: Any) -> engine.Plan:
    options.setdefault("now", NOW)
    return engine.make_plan(ORDER_TO_CASH, state, settings(), **PAIR, **options)


def test_incremental_runs_read_from_the_watermark_minus_the_overlap(state: StateStore) -> None:
    first = plan(state)
    assert (first.mode, first.since, first.until) == (
        "incremental",
        NOW - dt.timedelta(days=7),
        NOW,
    )
    assert first.window is not None
    assert first.window.stream == STREAM == first.stream
    assert state.get_watermark(STREAM) is None  # planning commits nothing
    state.commit_window(first.window)
    later = NOW + dt.timedelta(hours=1)
    second = plan(state, now=later)
    assert (second.since, second.until) == (NOW - dt.timedelta(minutes=10), later)


def test_without_now_the_plan_uses_the_business_clock(state: StateStore) -> None:
    p = engine.make_plan(ORDER_TO_CASH, state, settings(), **PAIR)
    assert p.until is not None
    assert p.since is not None
    assert ANCHOR < p.until <= utcnow()  # the seed's day, whatever the wall clock says
    assert p.until - p.since == dt.timedelta(days=7)


def test_a_window_is_read_in_utc_and_leaves_the_watermark_alone(state: StateStore) -> None:
    start = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    p = plan(state, window_start=start)
    assert (p.mode, p.since, p.until, p.window) == (
        "window",
        dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC),
        NOW,
        None,
    )
    closed = plan(state, window_start=start, window_end=start + dt.timedelta(days=2))
    assert closed.until == dt.datetime(2026, 11, 3, 4, 0, tzinfo=dt.UTC)
    assert closed.describe() == "2026-11-01 04:00–2026-11-03 04:00 UTC"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window_start": dt.datetime(2026, 11, 1)}, "window_start needs a time zone"),
        (
            {
                "window_start": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                "window_end": dt.datetime(2026, 11, 2),
            },
            "window_end needs a time zone",
        ),
        ({"window_end": dt.datetime(2026, 11, 2, tzinfo=dt.UTC)}, "window_end needs window_start"),
        (
            {
                "window_start": dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                "window_end": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            },
            "is not after",
        ),
        (
            {
                "window_start": dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                "window_end": dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
            },
            "is not after",
        ),
    ],
)
def test_bad_windows_are_refused(state: StateStore, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan(state, **options)


def test_ids_are_read_once_each(state: StateStore) -> None:
    p = plan(state, ids=[1001, "1001", "1002"], from_inbox=True)
    assert (p.mode, p.ids, p.window, p.route_ids) == ("ids", ["1001", "1002"], None, [])
    assert p.describe() == "2 id(s)"
    assert state.inbox_counts()["processing"] == 0  # ids win: no event is claimed


def test_inbox_runs_claim_their_own_routes(state: StateStore) -> None:
    routes = [("order-to-cash", "salesforce")]
    for key, rid in (("d-1", "1001"), ("d-2", "1002"), ("d-3", "1001"), ("d-4", None)):
        state.add_event("shift4shop", key, "order", rid, None, routes)
    state.add_event("shift4shop", "c-1", "customer", "26", None, [("customers", "salesforce")])

    p = engine.make_plan(
        ORDER_TO_CASH,
        state,
        settings(inbox_claim_limit=3),
        **PAIR,
        from_inbox=True,
        claimer="run-1",
        now=NOW,
    )

    assert (p.mode, p.ids, len(p.route_ids)) == ("inbox", ["1001", "1002"], 3)
    counts = state.inbox_counts()
    assert (counts["processing"], counts["pending"]) == (3, 2)
    claimed = [r for e in range(1, 6) for r in state.routes_of(e) if r.route_id in p.route_ids]
    assert all(r.status is InboxStatus.PROCESSING and r.flow_run_id == "run-1" for r in claimed)
    rest = plan(state, from_inbox=True, claimer="run-2")
    # The event without a record is claimed too (the run completes it), but reads nothing.
    assert (rest.ids, len(rest.route_ids), rest.describe()) == ([], 1, "nothing to read")
    customers = engine.make_plan(
        CUSTOMERS, state, settings(), **PAIR, from_inbox=True, claimer="run-3", now=NOW
    )
    assert (customers.ids, len(customers.route_ids)) == (["26"], 1)
    assert state.inbox_counts()["pending"] == 0


def test_decode_turns_bad_rows_into_failures_naming_the_record() -> None:
    source = FakeSource([])
    lost = Failure("shift4shop", "order", "404", "NotFoundError", "shift4shop:order:404: not found")
    explained = "shift4shop:order:1004: lines.0.sku is Shift4Shop OrderItemList[0].ItemID"
    page = Page(
        [
            order_row("1001"),
            order_row("1002", number=""),
            RawOrder(order_id="1003", data=order_row("1003", currency="XYZ")),
            order_row("1004", explain=explained),
            order_row("1005", deleted=True),
        ],
        [lost],
    )

    decoded = engine.decode(source, ORDER_TO_CASH, page)

    assert [r.ref.id for r in decoded.records] == ["1001"]
    assert decoded.read == 6
    assert decoded.skipped == ["shift4shop:order:1005: deleted in the store"]
    assert decoded.failures[0] == lost
    by_id = {f.external_id: f for f in decoded.failures[1:]}
    assert set(by_id) == {"1002", "1003", "1004"}
    assert all(
        (f.system, f.entity, f.error_class) == ("shift4shop", "order", "DecodeError")
        for f in by_id.values()
    )
    assert by_id["1002"].message.startswith("shift4shop:order:1002: ")
    assert "number" in by_id["1002"].message
    assert by_id["1002"].payload["number"] == ""
    assert by_id["1003"].payload["OrderID"] == "1003"  # a raw model is kept by its aliases
    assert "currency" in by_id["1003"].message
    assert by_id["1004"].message == explained  # already named: not prefixed twice


@pytest.mark.parametrize("mode", ["incremental", "window", "ids", "inbox"])
def test_abandoned_checkouts_are_skipped_on_every_read_path(state: StateStore, mode: str) -> None:
    source = FakeSource(
        [order_row("1001"), order_row("1002", "abandoned", source_status="Not Completed")]
    )
    options: dict[str, Any] = {
        "incremental": {},
        "window": {"window_start": NOW - dt.timedelta(days=1)},
        "ids": {"ids": ["1001", "1002"]},
        "inbox": {"from_inbox": True, "claimer": "run-1"},
    }[mode]
    if mode == "inbox":
        for rid in ("1001", "1002"):
            state.add_event(
                "shift4shop", f"d-{rid}", "order", rid, None, [("order-to-cash", "salesforce")]
            )
    p = plan(state, **options)
    assert p.mode == mode

    decoded = engine.decode(source, p.use_case, engine.read(source, p, None))

    assert [r.ref.id for r in decoded.records] == ["1001"]
    assert decoded.skipped == ["shift4shop:order:1002: abandoned checkout (Not Completed)"]
    assert decoded.failures == []
    assert source.calls[0][0] == ("ids" if mode in ("ids", "inbox") else "changed")


def test_an_empty_id_list_reads_nothing(state: StateStore) -> None:
    source = FakeSource([order_row("1001")])
    p = plan(state, from_inbox=True, claimer="run-1")  # no events
    assert engine.read(source, p, None) == Page()
    assert source.calls == []


def test_batches_cut_records_in_order() -> None:
    assert [list(b) for b in engine.batches(list(range(5)), 2)] == [[0, 1], [2, 3], [4]]
    assert list(engine.batches([], 3)) == []


def test_a_batch_size_of_zero_loses_no_record() -> None:
    assert [list(b) for b in engine.batches([1, 2], 0)] == [[1], [2]]
