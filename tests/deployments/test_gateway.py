"""The webhook gateway: verify, validate, store before the 2xx, and ask Prefect for few runs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.state import StateStore
from deployments.gateway import create_app
from deployments.settings import GatewaySettings

SECRET = "s3cret-token-for-tests-0123456789"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.upgrade()
    yield store
    store.dispose()


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(shift4shop_secret=SECRET, _env_file=None)


@pytest.fixture
def client(settings: GatewaySettings, state: StateStore) -> TestClient:
    return TestClient(create_app(settings, state, dispatch=False))


def post(client: TestClient, body: Any, secret: str = SECRET) -> Any:
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(
        f"/webhooks/shift4shop/{secret}", content=raw, headers={"Content-Type": "application/json"}
    )


def test_wrong_secret_is_refused_and_nothing_is_stored(
    client: TestClient, state: StateStore
) -> None:
    response = post(client, {"OrderID": 1001}, secret="guessing")
    assert response.status_code == 401
    assert state.inbox_counts()["pending"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "body is not JSON"),
        ({"OrderStatusID": 2}, "item 0: OrderID is missing"),
        ([{"OrderID": 1}, {"OrderID": "abc"}], "item 1: OrderID 'abc' is not a number"),
        ([], "empty array"),
        ([7], "item 0: expected a JSON object"),
    ],
)
def test_bad_deliveries_name_the_item_and_field(
    client: TestClient, state: StateStore, body: Any, message: str
) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert state.inbox_counts()["pending"] == 0  # all-or-nothing per delivery


def test_events_are_stored_before_the_answer_and_duplicates_collapse(
    client: TestClient, state: StateStore
) -> None:
    order = {
        "OrderID": 1001,
        "OrderStatusID": 2,
        "LastUpdate": "2026-11-20T10:00:00",
        "BillingEmail": "kira@example.com",
    }
    first = post(client, order)
    assert first.status_code == 202
    assert first.json() == {"accepted": 1, "duplicates": 0}
    assert state.inbox_counts()["pending"] == 1  # stored by the time the 202 arrived
    again = post(client, order)
    assert again.json() == {"accepted": 0, "duplicates": 1}
    changed = post(client, [{**order, "OrderStatusID": 4}, {"orderid": 1002}])
    assert changed.json() == {"accepted": 2, "duplicates": 0}
    events = state.pending_events("shift4shop")
    assert [e.resource_id for e in events] == ["1001", "1001", "1002"]
    assert all("BillingEmail" not in json.dumps(e.payload) for e in events)  # ids only, no PII


def test_prefect_down_leaves_events_pending(
    settings: GatewaySettings, state: StateStore, client: TestClient
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    post(client, {"OrderID": 1001})
    dispatcher = client.app.state.dispatcher  # type: ignore[attr-defined]
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        runs = asyncio.run(dispatcher.dispatch_once())
    assert runs == {}
    assert dispatcher.last_error is not None
    assert state.inbox_counts()["pending"] == 1
    health = client.get("/healthz").json()
    assert health["inbox"]["pending"] == 1
    assert health["prefect_error"]


def test_missing_secret_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.http import ConfigError
    from connectors.settings import load_settings

    monkeypatch.delenv("STOREBRIDGE_GATEWAY_SHIFT4SHOP_SECRET", raising=False)
    with pytest.raises(ConfigError, match="STOREBRIDGE_GATEWAY_SHIFT4SHOP_SECRET is missing"):
        load_settings(GatewaySettings, _env_file=None)
