"""Schema creation and upgrades (Alembic), settings, and the store's construction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, table

from connectors.http.errors import ConfigError
from connectors.settings import load_settings
from connectors.state import StateSettings, StateStore, head_revision
from connectors.state.models import Base
from connectors.state.schema import VERSION_TABLE, alembic_config, downgrade

STATE_TABLES = {"xref", "watermarks", "inbox", "dead_letters"}


def tables(store: StateStore) -> set[str]:
    return set(inspect(store.engine).get_table_names())


def test_upgrade_creates_every_table(empty_store: StateStore) -> None:
    assert empty_store.current_revision() is None
    empty_store.upgrade()
    assert tables(empty_store) == STATE_TABLES | {VERSION_TABLE}
    assert empty_store.current_revision() == head_revision() == "0002"


def test_upgrade_is_idempotent_and_keeps_data(store: StateStore) -> None:
    store.bind("shift4shop", "customer", "7", "salesforce", "Account", "001A")
    store.upgrade()
    store.upgrade()
    assert store.current_revision() == head_revision()
    assert store.lookup("shift4shop", "customer", "7", "salesforce", "Account") is not None


def test_upgrade_from_0001_keeps_rows(empty_store: StateStore, fake_redactor: list[Any]) -> None:
    with empty_store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    assert empty_store.current_revision() == "0001"
    assert "dead_letters" not in tables(empty_store)
    mark = datetime(2024, 5, 1, 12, tzinfo=UTC)
    empty_store.bind("bigcommerce", "order", "100", "dynamics365", "salesorder", "SO-1", "h")
    empty_store.commit_watermark("bigcommerce.orders", mark)
    empty_store.add_event("bigcommerce", "d-1", "store/order/created", "100", {"id": 100})

    empty_store.upgrade()

    assert empty_store.current_revision() == "0002"
    binding = empty_store.lookup("bigcommerce", "order", "100", "dynamics365", "salesorder")
    assert binding is not None
    assert binding.target_id == "SO-1"
    assert empty_store.get_watermark("bigcommerce.orders") == mark
    assert [e.delivery_key for e in empty_store.pending_events()] == ["d-1"]
    letter = empty_store.add_dead_letter(
        flow="order-to-cash",
        system="bigcommerce",
        entity="order",
        external_id="100",
        error_class="RecordError",
        message="order 100: unknown SKU",
    )
    assert empty_store.get_dead_letter(letter.id).attempts == 1


def test_downgrade_to_0001_then_upgrade(store: StateStore) -> None:
    downgrade(store.engine, "0001")
    assert "dead_letters" not in tables(store)
    store.upgrade()
    assert tables(store) == STATE_TABLES | {VERSION_TABLE}


def test_models_match_migrated_schema(store: StateStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    # The version table is Alembic's, not a model.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name == VERSION_TABLE)]
    assert diff == []


def test_concurrent_upgrades_apply_once(db_url: str, concurrently: Any) -> None:
    stores = [StateStore(db_url) for _ in range(4)]
    try:
        concurrently(4, lambda index: stores[index].upgrade())
        assert stores[0].current_revision() == head_revision()
        with stores[0].engine.connect() as connection:
            versions = connection.execute(select(func.count()).select_from(table(VERSION_TABLE)))
        assert versions.scalar_one() == 1
    finally:
        for each in stores:
            each.dispose()


def test_sqlite_connection_pragmas(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 's.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_settings_default_to_sqlite_file_and_create_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STOREBRIDGE_STATE_URL", raising=False)
    monkeypatch.setenv("STOREBRIDGE_STATE_PATH", str(tmp_path / "deep" / "er" / "state.db"))
    settings = load_settings(StateSettings)
    assert settings.database_url() == f"sqlite:///{tmp_path / 'deep' / 'er' / 'state.db'}"
    assert (tmp_path / "deep" / "er").is_dir()
    with StateStore.from_settings(settings) as store:
        store.upgrade()
        assert store.current_revision() == head_revision()


def test_settings_url_wins_and_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql+psycopg://sync:s3cret-pw@db.example/state"
    monkeypatch.setenv("STOREBRIDGE_STATE_URL", url)
    settings = load_settings(StateSettings)
    assert settings.database_url() == url
    assert "s3cret-pw" not in repr(settings)
    with StateStore.from_settings(settings) as store:  # no connection is made here
        assert "s3cret-pw" not in repr(store)


def test_unsupported_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="sqlite and postgresql, not 'mysql'"):
        StateStore("mysql+pymysql://user@db.example/state")  # rejected before any driver import
