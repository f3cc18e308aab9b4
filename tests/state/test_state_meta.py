"""The `meta` table and the pseudonymisation key: created once, shared by every process."""

from __future__ import annotations

import pickle
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.state import Pseudonymiser, StateStore, pseudonym
from connectors.state.meta import PSEUDONYM_KEY
from connectors.state.models import MetaRow


def meta_rows(store: StateStore) -> dict[str, str]:
    with store.engine.connect() as connection:
        return dict(connection.execute(select(MetaRow.key, MetaRow.value)).tuples().all())


def test_pseudonym_is_a_keyed_hash() -> None:
    key = bytes(range(32))
    value = pseudonym(key, "jane.doe@example.com")
    assert re.fullmatch(r"h-[0-9a-f]{32}", value)
    assert pseudonym(key, "jane.doe@example.com") == value
    assert pseudonym(key[::-1], "jane.doe@example.com") != value  # another store, another id
    assert pseudonym(key, "jane.doe@example.org") != value


def test_the_key_is_created_on_first_use_and_every_store_uses_it(store: StateStore) -> None:
    assert store.get_meta(PSEUDONYM_KEY) is None  # a fresh store has none yet
    first = store.pseudonymiser()("jane.doe@example.com")
    stored = meta_rows(store)[PSEUDONYM_KEY]
    assert len(bytes.fromhex(stored)) == 32
    assert first == pseudonym(bytes.fromhex(stored), "jane.doe@example.com")
    again = StateStore(store.engine.url.render_as_string(hide_password=False))
    try:
        again.upgrade()  # an upgrade keeps it
        assert again.pseudonymiser()("jane.doe@example.com") == first
    finally:
        again.dispose()
    assert meta_rows(store)[PSEUDONYM_KEY] == stored


def test_a_key_set_beforehand_is_the_one_used(store: StateStore) -> None:
    """What a second state store of the same business does to give guests the same ids."""
    key = "5b" * 32
    assert store.ensure_meta(PSEUDONYM_KEY, key) == key
    assert store.pseudonymiser()("a@b.example") == pseudonym(bytes.fromhex(key), "a@b.example")


def test_two_databases_have_two_keys(store: StateStore, tmp_path: Any) -> None:
    other = StateStore(f"sqlite:///{tmp_path / 'other.db'}")
    other.upgrade()
    try:
        assert other.pseudonymiser()("a@b.example") != store.pseudonymiser()("a@b.example")
    finally:
        other.dispose()


def test_ensure_meta_keeps_the_first_value(store: StateStore) -> None:
    assert store.ensure_meta("k", "first") == "first"
    assert store.ensure_meta("k", "second") == "first"
    assert store.get_meta("k") == "first"


def test_processes_racing_for_the_key_agree_on_one(store: StateStore, concurrently: Any) -> None:
    url = store.engine.url.render_as_string(hide_password=False)

    def work(_: int) -> str:
        own = StateStore(url)  # a process of its own: its own engine and cache
        try:
            return own.pseudonymiser()("jane.doe@example.com")
        finally:
            own.dispose()

    ids = concurrently(8, work)
    assert len(set(ids)) == 1
    with store.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(MetaRow)).scalar_one()
    assert count == 1
    assert ids[0] == store.pseudonymiser()("jane.doe@example.com")


def test_the_pseudonymiser_never_shows_its_key(store: StateStore) -> None:
    p = store.pseudonymiser()
    stored = meta_rows(store)[PSEUDONYM_KEY]
    assert stored not in repr(p)
    assert stored not in str(p)
    copy = pickle.loads(pickle.dumps(p))  # noqa: S301 - our own bytes; elsewhere, same ids
    assert copy("x@y.example") == p("x@y.example")
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymiser(b"short")
