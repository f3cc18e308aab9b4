"""Delta links (change tracking): staged by a run, moved only when its watermark commits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from connectors.state import StateStore, Window

STREAM = "fulfilment:dynamics365->shift4shop"
KEY = f"{STREAM}|salesorders"
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def window(until: datetime, stream: str = STREAM) -> Window:
    return Window(stream, since=until - timedelta(hours=1), until=until)


def test_no_link_until_one_is_set(store: StateStore) -> None:
    assert store.delta_link(KEY) is None
    assert store.staged_delta_link(KEY) is None
    store.set_delta_link(KEY, "https://org/api/data/v9.2/salesorders?$deltatoken=1")
    assert store.delta_link(KEY) == "https://org/api/data/v9.2/salesorders?$deltatoken=1"


def test_a_staged_link_moves_only_when_its_window_commits(store: StateStore) -> None:
    store.set_delta_link(KEY, "token-1")
    run = window(T0)
    store.set_delta_link(KEY, "token-2", window=run, flow_run_id="run-2")
    assert store.delta_link(KEY) == "token-1"  # the run has not finished
    assert store.staged_delta_link(KEY) == "token-2"
    store.commit_window(run, flow_run_id="run-2")
    assert store.delta_link(KEY) == "token-2"
    assert store.staged_delta_link(KEY) is None


def test_a_failed_run_leaves_the_previous_link(store: StateStore) -> None:
    first = window(T0)
    store.set_delta_link(KEY, "token-1", window=first)
    store.commit_window(first)
    failed = window(T0 + timedelta(hours=1))
    store.set_delta_link(KEY, "token-2", window=failed)
    # the run dies before its watermark commits: the next run reads from token-1 again
    assert store.delta_link(KEY) == "token-1"
    retry = window(T0 + timedelta(hours=2))
    store.set_delta_link(KEY, "token-3", window=retry)
    store.commit_window(retry)
    assert store.delta_link(KEY) == "token-3"


def test_a_commit_of_an_earlier_window_does_not_promote_a_later_run_link(
    store: StateStore,
) -> None:
    store.set_delta_link(KEY, "token-late", window=window(T0 + timedelta(hours=2)))
    store.commit_window(window(T0))
    assert store.delta_link(KEY) is None
    assert store.staged_delta_link(KEY) == "token-late"


def test_links_of_other_streams_do_not_move(store: StateStore) -> None:
    other = "customers:dynamics365->shift4shop|contacts"
    store.set_delta_link(
        other, "contacts-1", window=window(T0, "customers:dynamics365->shift4shop")
    )
    store.set_delta_link(KEY, "orders-1", window=window(T0))
    store.commit_window(window(T0))
    assert store.delta_link(KEY) == "orders-1"
    assert store.delta_link(other) is None


def test_forgetting_a_link_makes_the_next_read_full(store: StateStore) -> None:
    store.set_delta_link(KEY, "token-1")
    store.set_delta_link(KEY, None)
    assert store.delta_link(KEY) is None


def test_a_staged_link_needs_a_link(store: StateStore) -> None:
    with pytest.raises(ValueError, match="needs a link"):
        store.set_delta_link(KEY, None, window=window(T0))


def test_the_migration_creates_and_drops_the_table(empty_store: StateStore) -> None:
    from connectors.state.schema import downgrade

    empty_store.upgrade()
    assert "delta_links" in inspect(empty_store.engine).get_table_names()
    downgrade(empty_store.engine, "0005")
    assert "delta_links" not in inspect(empty_store.engine).get_table_names()
    empty_store.upgrade()
    from connectors.state.schema import head_revision

    assert empty_store.current_revision() == head_revision()
