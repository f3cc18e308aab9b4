"""Schema creation and upgrades (Alembic), settings, and the store's construction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, inspect, select, table, update

from connectors.http.errors import ConfigError
from connectors.settings import load_settings
from connectors.state import (
    DeadLetterKind,
    DeadLetterStatus,
    InboxStatus,
    Observation,
    StateSettings,
    StateStore,
    head_revision,
)
from connectors.state.models import Base, InboxRow
from connectors.state.schema import VERSION_TABLE, alembic_config, downgrade

STATE_TABLES = {
    "xref",
    "watermarks",
    "inbox",
    "inbox_routes",
    "meta",
    "dead_letters",
    "leases",
    "delta_links",
    "dead_letter_reviews",
    "anomaly_memory",
}


def tables(store: StateStore) -> set[str]:
    return set(inspect(store.engine).get_table_names())


def test_upgrade_creates_every_table(empty_store: StateStore) -> None:
    assert empty_store.current_revision() is None
    empty_store.upgrade()
    assert tables(empty_store) == STATE_TABLES | {VERSION_TABLE}
    assert empty_store.current_revision() == head_revision() == "0007"
    indexes = {i["name"] for i in inspect(empty_store.engine).get_indexes("inbox_routes")}
    assert {"ix_inbox_routes_claim", "ix_inbox_routes_status_updated"} <= indexes


def test_upgrade_is_idempotent_and_keeps_data(store: StateStore) -> None:
    store.bind("shift4shop", "customer", "7", "salesforce", "Account", "001A")
    store.upgrade()
    store.upgrade()
    assert store.current_revision() == head_revision()
    assert store.lookup("shift4shop", "customer", "7", "salesforce", "Account") is not None


def _old_inbox(store: StateStore) -> dict[str, int]:
    """Events as a gateway before revision 0003 stored them (no routes), in three states."""
    ids = {}
    for key in ("d-new", "d-claimed", "d-done"):
        event, _ = store.add_event("shift4shop", key, "order", key[2:], {"id": key})
        ids[key] = event.id
    with store.engine.begin() as connection:
        connection.execute(
            update(InboxRow)
            .where(InboxRow.id == ids["d-claimed"])
            .values(status="processing", attempts=2, flow_run_id="run-7", last_error="503")
        )
        connection.execute(
            update(InboxRow).where(InboxRow.id == ids["d-done"]).values(status="done", attempts=1)
        )
    return ids


def _check_routed(store: StateStore, ids: dict[str, int]) -> None:
    routes = {key: store.routes_of(event_id) for key, event_id in ids.items()}
    assert all(len(r) == 1 for r in routes.values())
    assert {(r[0].use_case, r[0].source, r[0].target) for r in routes.values()} == {
        ("order-to-cash", "shift4shop", "salesforce")
    }
    new, claimed, done = routes["d-new"][0], routes["d-claimed"][0], routes["d-done"][0]
    assert (new.status, new.attempts, new.flow_run_id) == (InboxStatus.PENDING, 0, None)
    assert (claimed.status, claimed.attempts, claimed.flow_run_id, claimed.last_error) == (
        InboxStatus.PROCESSING,
        2,
        "run-7",
        "503",
    )
    assert (done.status, done.attempts) == (InboxStatus.DONE, 1)
    # The routed events now drain through the new API.
    claimed_now = store.claim_events("order-to-cash", "shift4shop", "salesforce", "run-8")
    assert [r.event_id for r in claimed_now] == [ids["d-new"]]


def test_upgrade_from_0001_keeps_rows_and_routes_events(
    empty_store: StateStore, fake_redactor: list[Any]
) -> None:
    with empty_store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    assert empty_store.current_revision() == "0001"
    assert "dead_letters" not in tables(empty_store)
    mark = datetime(2024, 5, 1, 12, tzinfo=UTC)
    empty_store.bind("bigcommerce", "order", "100", "dynamics365", "salesorder", "SO-1", "h")
    empty_store.commit_watermark("bigcommerce.orders", mark)
    ids = _old_inbox(empty_store)

    empty_store.upgrade()

    assert empty_store.current_revision() == head_revision()
    binding = empty_store.lookup("bigcommerce", "order", "100", "dynamics365", "salesorder")
    assert binding is not None
    assert binding.target_id == "SO-1"
    assert empty_store.get_watermark("bigcommerce.orders") == mark
    _check_routed(empty_store, ids)
    letter = empty_store.add_dead_letter(
        flow="order-to-cash",
        system="bigcommerce",
        entity="order",
        external_id="100",
        error_class="RecordError",
        message="order 100: unknown SKU",
    )
    assert empty_store.get_dead_letter(letter.id).attempts == 1


def test_upgrade_from_0002_keeps_dead_letters_and_routes_events(
    empty_store: StateStore, fake_redactor: list[Any]
) -> None:
    empty_store.upgrade("0002")
    assert empty_store.current_revision() == "0002"
    assert not {"inbox_routes", "meta"} & tables(empty_store)
    letter = empty_store.add_dead_letter(
        flow="order-to-cash",
        system="shift4shop",
        entity="order",
        external_id="9",
        error_class="RecordError",
        message="order 9: unknown SKU",
        payload={"id": 9},
    )
    ids = _old_inbox(empty_store)

    empty_store.upgrade()

    assert empty_store.current_revision() == head_revision()
    kept = empty_store.get_dead_letter(letter.id)
    assert (kept.message, kept.payload, kept.status) == (
        "order 9: unknown SKU",
        {"id": 9},
        DeadLetterStatus.OPEN,
    )
    _check_routed(empty_store, ids)


def test_upgrade_from_0006_keeps_letters_as_errors_and_downgrade_keeps_reviews_as_letters(
    empty_store: StateStore, fake_redactor: list[Any]
) -> None:
    empty_store.upgrade("0006")
    assert "anomaly_memory" not in tables(empty_store)
    letter = empty_store.add_dead_letter(
        flow="order-to-cash",
        system="shift4shop",
        entity="order",
        external_id="9",
        error_class="RecordError",
        message="order 9: unknown SKU",
        payload={"id": 9},
    )

    empty_store.upgrade()

    kept = empty_store.get_dead_letter(letter.id)
    assert (kept.kind, kept.findings, kept.other, kept.decision) == (
        DeadLetterKind.ERROR,
        None,
        None,
        None,
    )
    assert (kept.message, kept.payload, kept.status) == (
        "order 9: unknown SKU",
        {"id": 9},
        DeadLetterStatus.OPEN,
    )
    review = empty_store.add_review(
        flow="order-to-cash",
        system="shift4shop",
        entity="order",
        external_id="10",
        error_class="AnomalyReview",
        message="order 10: held for review",
        findings=[{"rule": "order.total", "score": 0.7, "reasons": ["total 9,999.00"]}],
    )
    empty_store.remember(
        "order-to-cash:shift4shop->salesforce",
        [Observation("10", {"total": "9999.00"}, datetime(2026, 11, 1, tzinfo=UTC))],
    )

    downgrade(empty_store.engine, "0006")

    assert not {"anomaly_memory", "dead_letter_reviews"} & tables(empty_store)
    empty_store.upgrade()
    kept = empty_store.get_dead_letter(review.id)
    assert (kept.kind, kept.message) == (DeadLetterKind.ERROR, "order 10: held for review")


def test_deleting_an_event_deletes_its_routes(store: StateStore) -> None:
    event, _ = store.add_event(
        "shift4shop",
        "d-1",
        "order",
        "1",
        None,
        [("order-to-cash", "salesforce"), ("customers", "salesforce")],
    )
    assert len(store.routes_of(event.id)) == 2
    with store.engine.begin() as connection:
        connection.execute(delete(InboxRow).where(InboxRow.id == event.id))
    assert store.inbox_counts() == {s.value: 0 for s in InboxStatus}


def test_downgrade_step_by_step_then_upgrade(store: StateStore) -> None:
    store.add_event("shift4shop", "d-1", "order", "1", None, [("order-to-cash", "salesforce")])
    downgrade(store.engine, "0003")
    later = {"leases", "delta_links", "dead_letter_reviews", "anomaly_memory"}
    assert tables(store) == STATE_TABLES - later | {VERSION_TABLE}
    downgrade(store.engine, "0002")
    assert tables(store) == STATE_TABLES - {"inbox_routes", "meta", *later} | {VERSION_TABLE}
    downgrade(store.engine, "0001")
    assert "dead_letters" not in tables(store)
    store.upgrade()
    assert tables(store) == STATE_TABLES | {VERSION_TABLE}
    # The event survived both downgrades and was routed again by the upgrade.
    (routed,) = store.claim_events("order-to-cash", "shift4shop", "salesforce", "run-1")
    assert routed.resource_id == "1"


def test_downgrade_keeps_finished_events_finished(store: StateStore) -> None:
    event, _ = store.add_event(
        "shift4shop", "d-1", "order", "1", None, [("order-to-cash", "salesforce")]
    )
    (routed,) = store.claim_events("order-to-cash", "shift4shop", "salesforce", "run-1")
    store.complete_events([routed.route_id])

    downgrade(store.engine, "0002")

    with store.engine.connect() as connection:
        status = connection.execute(
            select(InboxRow.status).where(InboxRow.id == event.id)
        ).scalar_one()
    assert status == "done"


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
